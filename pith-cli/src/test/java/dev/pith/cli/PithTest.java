package dev.pith.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.link.ImageManifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line without QEMU or a link: parsing, help, errors, and the image listing. */
class PithTest {
    @TempDir
    Path home;

    /** What one invocation printed and returned. */
    record Result(int status, String out, String err) { }

    Result pith(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Pith.execute(home, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** An image directory as the linker leaves it, with tiny files. */
    static Path fakeImage(Path dir, String name, List<String> ports, boolean disk) throws IOException {
        Files.createDirectories(dir.resolve("boot"));
        Files.write(dir.resolve("boot/vmlinuz"), new byte[1_000_000]);
        Files.write(dir.resolve("boot/initrd.cpio.lz4"), new byte[2_500_000]);
        Files.writeString(dir.resolve("boot/cmdline"), "console=ttyS0 rdinit=/jre/bin/java -- -cp /app/app.jar Boot\n");
        if (disk) {
            Files.write(dir.resolve(name + ".img"), new byte[5_000_000]);
        }
        new ImageManifest(name, "com.example.App", 64, 1, ports, "boot/vmlinuz", "boot/initrd.cpio.lz4", "boot/cmdline",
                disk ? name + ".img" : "", 7_500_000).write(dir);
        return dir;
    }

    /** A jar of {@code source} (one class, compiled here), with {@code mainClass} in its manifest if not null. */
    static Path jar(Path dir, String className, String source, String mainClass) throws IOException {
        Path src = dir.resolve("src").resolve(className.replace('.', '/') + ".java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, "-d", classes.toString(), src.toString()));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (mainClass != null) {
            manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        }
        Path jar = dir.resolve("app.jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            String entry = className.replace('.', '/') + ".class";
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(classes.resolve(entry)));
            out.closeEntry();
        }
        return jar;
    }

    @Nested
    class Help {
        @Test
        void noArgumentsPrintsUsage() {
            Result r = pith();
            assertEquals(0, r.status());
            assertTrue(r.out().contains("Usage: pith"), r.out());
        }

        @Test
        void helpNamesTheCommandsAndTheConvention() {
            Result r = pith("--help");
            assertEquals(0, r.status());
            for (String s : List.of("build", "run", "images", "public static Unikernel unikernel()", "Main-Class",
                    "~/.pith/images", "pith run -p 8080 app.jar")) {
                assertTrue(r.out().contains(s), s + " in\n" + r.out());
            }
        }

        @Test
        void buildHelpStatesTheConvention() {
            Result r = pith("build", "--help");
            assertEquals(0, r.status());
            assertTrue(r.out().contains("public static Unikernel unikernel()"), r.out());
            assertTrue(r.out().contains("--composition"), r.out());
            assertTrue(r.out().contains("--class-path"), r.out());
        }

        @Test
        void runHelpListsTheOptions() {
            Result r = pith("help", "run");
            assertEquals(0, r.status());
            for (String s : List.of("-p, --port=[HOST:]GUEST", "--memory", "--cpus", "--disk", "--accel", "Ctrl-C")) {
                assertTrue(r.out().contains(s), s + " in\n" + r.out());
            }
        }

        @Test
        void versionComesFromTheManifestOrSaysDevelopment() {
            Result r = pith("--version");
            assertEquals(0, r.status());
            assertTrue(r.out().startsWith("pith "), r.out());
        }
    }

    @Nested
    class RunArguments {
        @Test
        void portsMemoryCpusAndAcceleratorReachQemu() throws IOException {
            Path image = fakeImage(home.resolve("img"), "echo", List.of("8080/tcp"), true);
            Result r = pith("run", "--dry-run", "--accel", "tcg", "-p", "8080", "--port", "18081:9090", "--memory", "300",
                    "--cpus", "2", image.toString());
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().contains("-accel tcg -m 300 -smp 2"), r.out());
            assertTrue(r.out().contains("hostfwd=tcp:127.0.0.1:8080-:8080,hostfwd=tcp:127.0.0.1:18081-:9090"), r.out());
            assertTrue(r.out().contains("-kernel " + image.resolve("boot/vmlinuz")), r.out());
            assertTrue(r.out().contains("'console=ttyS0 rdinit=/jre/bin/java -- -cp /app/app.jar Boot'"), r.out());
        }

        @Test
        void anImageByNameAndItsRawDisk() throws IOException {
            Path image = fakeImage(home.resolve("images/echo"), "echo", List.of("8080/tcp"), true);
            Result r = pith("run", "--dry-run", "--accel=TCG", "--disk", "echo");
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().contains("-drive file=" + image.resolve("echo.img") + ",format=raw"), r.out());
            assertTrue(r.out().contains("-m 128 "), r.out()); // 64 MiB asked, raised for a 2.5 + 7.5 MB initramfs
        }

        @Test
        void aMalformedPortIsAUsageError() {
            Result r = pith("run", "-p", "80x0", "echo");
            assertEquals(2, r.status());
            assertTrue(r.err().contains("'80x0' is not a port forward"), r.err());
            assertTrue(r.err().contains("Try 'pith run --help'"), r.err());
        }

        @Test
        void anUnknownAcceleratorIsAUsageError() {
            Result r = pith("run", "--accel", "hvf", "echo");
            assertEquals(2, r.status());
            assertTrue(r.err().contains("'hvf' is not one of auto, kvm, tcg"), r.err());
        }

        @Test
        void aMissingTargetIsAUsageError() {
            Result r = pith("run", "-p", "8080");
            assertEquals(2, r.status());
            assertTrue(r.err().contains("Missing required parameter: 'TARGET'"), r.err());
        }

        @Test
        void anUnknownImageNameSaysHowToGetOne() {
            Result r = pith("run", "nope");
            assertEquals(1, r.status());
            assertTrue(r.err().contains("no image 'nope'"), r.err());
            assertTrue(r.err().contains("pith build app.jar"), r.err());
        }

        @Test
        void diskWithoutADiskSaysSo() throws IOException {
            fakeImage(home.resolve("images/nodisk"), "nodisk", List.of(), false);
            Result r = pith("run", "--dry-run", "--accel", "tcg", "--disk", "nodisk");
            assertEquals(1, r.status());
            assertTrue(r.err().contains("has no raw disk"), r.err());
        }
    }

    @Nested
    class BuildErrors {
        @TempDir
        Path work;

        @Test
        void aMissingJar() {
            Result r = pith("build", work.resolve("app.jar").toString());
            assertEquals(1, r.status());
            assertTrue(r.err().contains("app.jar does not exist"), r.err());
            assertTrue(r.err().contains("Fix:"), r.err());
        }

        @Test
        void aFileThatIsNoJar() throws IOException {
            Path notJar = Files.writeString(work.resolve("app.jar"), "not a zip");
            Result r = pith("build", notJar.toString());
            assertEquals(1, r.status());
            assertTrue(r.err().contains("is not a jar"), r.err());
        }

        @Test
        void aJarWithoutMainClassAsksForTheComposition() throws IOException {
            Path jar = jar(work, "t.App", "package t; public class App { }", null);
            Result r = pith("build", jar.toString());
            assertEquals(1, r.status());
            assertTrue(r.err().contains("has no Main-Class"), r.err());
            assertTrue(r.err().contains("--composition com.example.App"), r.err());
        }

        @Test
        void aMainClassWithoutUnikernelMethod() throws IOException {
            Path jar = jar(work, "t.Main", "package t; public class Main { public static void main(String[] a) { } }", "t.Main");
            Result r = pith("run", jar.toString());
            assertEquals(1, r.status());
            assertTrue(r.err().contains("t.Main has no public method unikernel()"), r.err());
            assertTrue(r.err().contains("public static Unikernel unikernel()"), r.err());
            assertTrue(r.err().contains("--composition"), r.err());
        }

        @Test
        void aCompositionNotOnTheClassPath() throws IOException {
            Path jar = jar(work, "t.Main", "package t; public class Main { }", "t.Main");
            Result r = pith("build", "--composition", "t.Missing", jar.toString());
            assertEquals(1, r.status());
            assertTrue(r.err().contains("t.Missing is not on the class path"), r.err());
        }

        @Test
        void aMissingClassPathEntry() throws IOException {
            Path jar = jar(work, "t.Main", "package t; public class Main { }", "t.Main");
            Result r = pith("build", "--class-path", work.resolve("lib.jar").toString(), jar.toString());
            assertEquals(1, r.status());
            assertTrue(r.err().contains("lib.jar does not exist"), r.err());
        }
    }

    @Nested
    class Images {
        @Test
        void noImagesYet() {
            Result r = pith("images");
            assertEquals(0, r.status());
            assertTrue(r.out().contains("no images in " + home.resolve("images")), r.out());
        }

        @Test
        void listsEachImageWithSizeDiskAndPorts() throws IOException {
            fakeImage(home.resolve("images/echo"), "echo", List.of("8080/tcp"), true);
            fakeImage(home.resolve("images/batch"), "batch", List.of(), false);
            Files.createDirectories(home.resolve("images/not-an-image"));
            Result r = pith("images");
            assertEquals(0, r.status(), r.err());
            List<String> lines = r.out().lines().toList();
            assertEquals(3, lines.size(), r.out());
            assertTrue(lines.get(0).matches("NAME +SIZE +DISK +BUILT +PORTS"), lines.get(0));
            assertTrue(lines.get(1).matches("batch +3\\.5 MB +- +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +-"), lines.get(1));
            assertTrue(lines.get(2).matches("echo +3\\.5 MB +5\\.0 MB +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +8080/tcp"), lines.get(2));
        }
    }
}
