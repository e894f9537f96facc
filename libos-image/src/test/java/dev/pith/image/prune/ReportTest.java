package dev.pith.image.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    @TempDir
    Path dir;

    private Crafted.Pruned program() throws Exception {
        return Crafted.compile(dir,
                """
                package t.net;
                public class Main {
                    public static void main(String[] args) { new Stack().open(80).send("hi"); }
                }
                """,
                "package t.net; class Stack { Connection open(int port) { return new Tcp().connect(port); } }",
                "package t.net; class Tcp { Connection connect(int port) { return new t.net.internal.Connection(port); } }",
                """
                package t.net.internal;
                public class Connection implements t.net.Connection {
                    final int port;
                    public Connection(int port) { this.port = port; }
                    public void send(String s) { System.out.println(port + " " + s); }
                }
                """,
                "package t.net; public interface Connection { void send(String s); }",
                "package t.net.unused; public class Dead { void a() { } void b() { } }",
                "package t.net.unused; public class Dead2 { }").prune("t.net.Main");
    }

    @Test
    void whyKeptIsTheChainFromARoot() throws Exception {
        Crafted.Pruned p = program();

        Reachability.WhyKept why = p.report.whyKept("t.net.internal.Connection");
        assertTrue(why.kept());
        assertEquals(List.of(
                new Reachability.Step(null, "entry method", "t.net.Main.main(String[])"),
                new Reachability.Step("t.net.Main.main(String[])", "invokevirtual", "t.net.Stack.open(int)"),
                new Reachability.Step("t.net.Stack.open(int)", "invokevirtual", "t.net.Tcp.connect(int)"),
                new Reachability.Step("t.net.Tcp.connect(int)", "new", "t.net.internal.Connection")), why.steps());
        assertEquals("""
                why-kept t.net.internal.Connection
                  t.net.Main.main(String[])  [entry method]
                  t.net.Main.main(String[]) --invokevirtual--> t.net.Stack.open(int)
                  t.net.Stack.open(int) --invokevirtual--> t.net.Tcp.connect(int)
                  t.net.Tcp.connect(int) --new--> t.net.internal.Connection
                """, why.text());

        Reachability.WhyKept removed = p.report.whyKept("t.net.unused.Dead");
        assertFalse(removed.kept());
        assertEquals("why-kept t.net.unused.Dead\n  removed: no root reaches it\n", removed.text());
    }

    @Test
    void totalsPerJarAndPerPackage() throws Exception {
        Crafted.Pruned p = program();
        Report r = p.report;

        assertEquals(7, r.total().classesTotal());
        assertEquals(5, r.total().classesKept());
        assertEquals(p.jar.classes().size(), r.total().classesKept());
        assertEquals(p.jar.writtenClassBytes(), r.total().bytesKept());
        assertEquals(p.jar.writtenMethods(), r.total().methodsKept());
        assertEquals(r.total().classesTotal(), r.perJar().stream().mapToInt(Report.Tally::classesTotal).sum());
        assertEquals(r.total().bytesTotal(), r.perPackage().stream().mapToLong(Report.Tally::bytesTotal).sum());
        Report.Tally unused = r.perPackage().stream().filter(t -> t.name().equals("t.net.unused")).findFirst().orElseThrow();
        assertEquals(0, unused.classesKept());
        assertEquals(2, unused.classesTotal());
        assertEquals(unused.bytesTotal(), unused.bytesRemoved());
        assertEquals(4, unused.methodsTotal());                    // two constructors, a() and b()
        assertEquals(List.of("t.net.unused.Dead", "t.net.unused.Dead2"), r.removedClasses());
        assertEquals("t.net.unused", r.topRemovedPackages(1).getFirst().name());
        String text = r.text();
        assertTrue(text.startsWith("pruned pruned.jar: kept 5 of 7 classes"), text);
        assertTrue(text.contains("t.net.unused"), text);
        assertNull(p.written.get("t.net.unused.Dead"));
    }
}
