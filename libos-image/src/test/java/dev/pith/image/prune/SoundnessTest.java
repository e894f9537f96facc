package dev.pith.image.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.Type;

class SoundnessTest {
    @TempDir
    Path dir;

    @Test
    void readsTheClassLoadLog() throws Exception {
        Path log = dir.resolve("load.log");
        Files.writeString(log, """
                [0.006s][info][class,load] java.lang.Object source: shared objects file
                [0.010s][info][class,load] java.lang.invoke.LambdaForm$MH/0x00007f source: __JVM_LookupDefineClass__
                [0.031s][info][class,load] a.b.Main source: file:/tmp/app/classes/
                [0.032s][info][class,load] a.b.Main$$Lambda/0x0000000801001000 source: a.b.Main
                [0.033s][info][class,load] a.b.Gone source: jar:file:/tmp/app.jar!/
                [0.034s][info][class,load] java.net.http.HttpClient source: jrt:/java.net.http
                """);

        Map<String, String> loaded = Soundness.readClassLoadLog(log);
        assertEquals(6, loaded.size());
        assertEquals(List.of("a.b.Main", "a.b.Gone"), Soundness.applicationClasses(loaded));
        Path jar = ClassPathTest.jar(dir.resolve("pruned.jar"), false, Map.of("a/b/Main.class", ClassPathTest.classFile("a/b/Main", "java/lang/Object")));
        assertEquals(List.of("a.b.Gone"), Soundness.removedButLoaded(jar, loaded));
        assertEquals(List.of(), Soundness.removedButLoaded(jar, List.of("a.b.Main")));
    }

    /**
     * The end-to-end check on jars: the unpruned application (an app jar and a library jar) and the
     * pruned jar run with -Xlog:class+load; same output, and nothing the unpruned run loaded is missing.
     */
    @Test
    void unprunedAndPrunedJarsRunAlike() throws Exception {
        Crafted app = Crafted.compile(dir.resolve("app"), Map.of("META-INF/services/t.sound.lib.Plugin", "t.sound.Hello\n"),
                """
                package t.sound;
                import java.util.*;
                import java.util.stream.*;
                import t.sound.lib.*;
                public class Main {
                    record Item(String name, int qty) { }
                    sealed interface Event permits Added, Removed { }
                    record Added(Item item) implements Event { }
                    record Removed(String name) implements Event { }
                    public static void main(String[] args) throws Exception {
                        Inventory inv = new Inventory();
                        List<Event> events = List.of(new Added(new Item("apple", 3)), new Added(new Item("pear", 1)), new Removed("pear"));
                        for (Event e : events) {
                            switch (e) {
                                case Added a -> inv.add(a.item().name(), a.item().qty());
                                case Removed r -> inv.remove(r.name());
                            }
                        }
                        System.out.println(inv + " " + events.stream().map(Object::toString).collect(Collectors.joining(";")));
                        for (Plugin p : ServiceLoader.load(Plugin.class)) System.out.println(p.run(inv.total()));
                        try { inv.remove("nothing"); } catch (NoSuchElementException x) { System.out.println("caught " + x.getMessage()); }
                    }
                }
                """,
                """
                package t.sound;
                public class Hello implements t.sound.lib.Plugin { public String run(int n) { return "hello " + n; } }
                """,
                """
                package t.sound.lib;
                import java.util.*;
                public class Inventory {
                    private final Map<String, Integer> items = new TreeMap<>();
                    public void add(String name, int qty) { items.merge(name, qty, Integer::sum); }
                    public void remove(String name) { if (items.remove(name) == null) throw new NoSuchElementException(name); }
                    public int total() { return items.values().stream().mapToInt(Integer::intValue).sum(); }
                    public String toString() { return items.toString(); }
                    public Map<String, Integer> snapshot() { return new Snapshot(items).copy(); }   // unused
                }
                """,
                "package t.sound.lib; class Snapshot { final java.util.Map<String, Integer> m; Snapshot(java.util.Map<String, Integer> m) { this.m = m; } java.util.Map<String, Integer> copy() { return java.util.Map.copyOf(m); } }",
                "package t.sound.lib; public interface Plugin { String run(int n); }",
                "package t.sound.lib; public class Unused { }");
        Path appJar = jarOf(app.classes, dir.resolve("app.jar"), false);
        Path libJar = jarOf(app.classes, dir.resolve("lib.jar"), true);
        PrunedJar pruned;
        try (ClassPath cp = ClassPath.of(List.of(appJar, libJar))) {
            Reachability reach = Reachability.builder(cp).root(Root.main(Type.getObjectType("t/sound/Main"))).analyse();
            pruned = PrunedJar.write(reach, "t.sound.Main", dir.resolve("pruned.jar"));
            assertTrue(reach.isKept("t.sound.Hello"));
            assertTrue(!reach.isKept("t.sound.lib.Snapshot") && !reach.isKept("t.sound.lib.Unused"));
        }

        Path originalLog = dir.resolve("original.log");
        Path prunedLog = dir.resolve("pruned.log");
        List<String> options = new ArrayList<>(Soundness.REFERENCE_RUN_OPTIONS);
        options.add("-Xlog:class+load:file=" + originalLog);
        Crafted.Run original = Crafted.run(Path.of(appJar + ":" + libJar), "t.sound.Main", options.toArray(String[]::new));
        Crafted.Run run = Crafted.run(pruned.path(), "t.sound.Main", "-Xverify:all", "-Xlog:class+load:file=" + prunedLog);

        assertEquals("""
                {apple=3} Added[item=Item[name=apple, qty=3]];Added[item=Item[name=pear, qty=1]];Removed[name=pear]
                hello 3
                caught nothing
                """, original.stdout(), original.stderr());
        assertEquals(original.stdout(), run.stdout(), run.stderr());
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(List.of(), Soundness.removedButLoaded(pruned.path(), Soundness.readClassLoadLog(originalLog)));
        Map<String, String> prunedLoads = Soundness.readClassLoadLog(prunedLog);
        assertTrue(Soundness.applicationClasses(prunedLoads).contains("t.sound.lib.Inventory"));
        assertEquals(List.of(), Soundness.removedButLoaded(pruned.path(), prunedLoads));
    }

    /** The application's files ({@code library} false) or the library's (t/sound/lib/) as a jar. */
    private static Path jarOf(Path classes, Path jar, boolean library) throws Exception {
        Map<String, byte[]> entries = new TreeMap<>();
        try (var files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = classes.relativize(f).toString();
                if (name.startsWith("t/sound/lib/") == library) {
                    entries.put(name, Files.readAllBytes(f));
                }
            }
        }
        return ClassPathTest.jar(jar, false, entries);
    }
}
