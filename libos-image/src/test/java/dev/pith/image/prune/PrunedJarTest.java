package dev.pith.image.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.Type;

class PrunedJarTest {
    @TempDir
    Path dir;

    private static final String MAIN = """
            package t.jar;
            public class Main {
                public static void main(String[] args) {
                    for (Codec c : java.util.ServiceLoader.load(Codec.class)) System.out.println(c.name());
                    System.out.println(Main.class.getResource("/config.properties") != null);
                }
            }
            """;

    private Path library() throws IOException {
        byte[] lib = "t.jar.LibCodec\n".getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> entries = new TreeMap<>();
        entries.put("META-INF/services/t.jar.Codec", lib);
        entries.put("META-INF/LIB.SF", new byte[] {1});
        entries.put("META-INF/LIB.RSA", new byte[] {2});
        entries.put("META-INF/maven/t/lib/pom.xml", "<project/>".getBytes(StandardCharsets.UTF_8));
        entries.put("META-INF/INDEX.LIST", new byte[] {3});
        entries.put("module-info.class", new byte[] {4});
        entries.put("config.properties", "shadowed=true".getBytes(StandardCharsets.UTF_8));
        entries.put("lib-data.bin", new byte[] {5, 6});
        return ClassPathTest.jar(dir.resolve("lib.jar"), false, entries);
    }

    private PrunedJar prune(Path out) throws IOException {
        Crafted program = Crafted.compile(dir.resolve("app"), Map.of(
                        "META-INF/services/t.jar.Codec", "t.jar.AppCodec\n",
                        "config.properties", "app=true"),
                MAIN,
                "package t.jar; public interface Codec { String name(); }",
                "package t.jar; public class AppCodec implements Codec { public String name() { return \"app\"; } }",
                "package t.jar; public class LibCodec implements Codec { public String name() { return \"lib\"; } }");
        try (ClassPath cp = ClassPath.of(List.of(program.classes, library()))) {
            Reachability reach = Reachability.builder(cp).root(Root.main(Type.getObjectType("t/jar/Main"))).analyse();
            return PrunedJar.write(reach, "t.jar.Main", out);
        }
    }

    @Test
    void sameInputSameBytes() throws IOException {
        PrunedJar first = prune(dir.resolve("one/app.jar"));
        PrunedJar second = prune(dir.resolve("two/app.jar"));

        assertArrayEquals(Files.readAllBytes(first.path()), Files.readAllBytes(second.path()));
    }

    @Test
    void manifestFirstEntriesSortedOneTimestamp() throws IOException {
        PrunedJar jar = prune(dir.resolve("app.jar"));

        try (JarFile j = new JarFile(jar.path().toFile())) {
            assertEquals("t.jar.Main", j.getManifest().getMainAttributes().getValue("Main-Class"));
            List<String> names = new ArrayList<>();
            for (JarEntry e : j.stream().toList()) {
                names.add(e.getName());
                assertEquals(PrunedJar.TIMESTAMP, e.getTimeLocal(), e.getName());
                assertEquals(ZipEntry.DEFLATED, e.getMethod());
            }
            assertEquals(JarFile.MANIFEST_NAME, names.getFirst());
            List<String> rest = names.subList(1, names.size());
            assertEquals(rest.stream().sorted().toList(), rest);
            assertEquals(List.of("META-INF/MANIFEST.MF", "META-INF/services/t.jar.Codec", "config.properties", "lib-data.bin",
                    "t/jar/AppCodec.class", "t/jar/Codec.class", "t/jar/LibCodec.class", "t/jar/Main.class"), names);
        }
    }

    @Test
    void resourcesKeptMergedAndLeftOut() throws Exception {
        PrunedJar jar = prune(dir.resolve("app.jar"));

        try (JarFile j = new JarFile(jar.path().toFile())) {
            assertEquals("t.jar.AppCodec\nt.jar.LibCodec\n",
                    new String(j.getInputStream(j.getEntry("META-INF/services/t.jar.Codec")).readAllBytes(), StandardCharsets.UTF_8));
            assertEquals("app=true", new String(j.getInputStream(j.getEntry("config.properties")).readAllBytes(), StandardCharsets.UTF_8));
        }
        String dropped = String.join("\n", jar.droppedResources());
        for (String expected : List.of("lib.jar!/META-INF/LIB.SF: a signature", "lib.jar!/META-INF/LIB.RSA: a signature",
                "lib.jar!/META-INF/maven/t/lib/pom.xml: Maven build metadata", "lib.jar!/META-INF/INDEX.LIST",
                "lib.jar!/module-info.class: a module descriptor", "lib.jar!/config.properties: shadowed by an earlier entry",
                "lib.jar!/META-INF/MANIFEST.MF: the pruned jar has its own manifest")) {
            assertTrue(dropped.contains(expected), expected + " not in\n" + dropped);
        }
        Crafted.Run run = Crafted.run(jar.path(), "t.jar.Main", "-Xverify:all");
        assertEquals("app\nlib\ntrue\n", run.stdout(), run.stderr());
    }

    @Test
    void keptMainClassIsRequired() throws IOException {
        Crafted program = Crafted.compile(dir, "package t.m; public class Main { public static void main(String[] a) { } }");
        try (ClassPath cp = ClassPath.of(List.of(program.classes))) {
            Reachability reach = Reachability.builder(cp).root(Root.main(Type.getObjectType("t/m/Main"))).analyse();
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> PrunedJar.write(reach, "t.m.Other", dir.resolve("x.jar")));
            assertTrue(e.getMessage().contains("t.m.Other is not kept"), e.getMessage());
        }
    }
}
