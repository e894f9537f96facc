package dev.pith.image.initramfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.ImageException;
import dev.pith.image.TestTools;
import dev.pith.image.runtime.HostFile;
import dev.pith.image.runtime.RuntimeImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitramfsBuilderTest {
    @TempDir
    Path tmp;

    /** A stand-in runtime: the layout only, no real JVM. */
    private RuntimeImage fakeRuntime() throws Exception {
        Path home = tmp.resolve("jre");
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("lib/server"));
        Files.writeString(home.resolve("bin/java"), "launcher");
        Files.setPosixFilePermissions(home.resolve("bin/java"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(home.resolve("lib/server/libjvm.so"), "jvm");
        Files.writeString(home.resolve("lib/modules"), "modules");
        Files.writeString(home.resolve("release"), "MODULES=\"java.base\"\n");
        return RuntimeImage.at(home);
    }

    @Test
    void holdsTheRuntimeHostFilesAppJarAndMountPointsAndNothingElse() throws Exception {
        TestTools.requireTool("cpio", "cpio");
        Path libc = tmp.resolve("libc.so.6");
        Files.writeString(libc, "libc");
        Path jar = tmp.resolve("app.jar");
        Files.writeString(jar, "jar");
        Path initrd = tmp.resolve("initrd.cpio");
        InitramfsBuilder.Initramfs written = InitramfsBuilder.create().compression(Compression.NONE)
                .runtime(fakeRuntime(), List.of(new HostFile(libc, "/lib/x86_64-linux-gnu/libc.so.6")))
                .appJar(jar)
                .write(initrd);
        assertEquals(Files.size(initrd), written.bytes());
        assertEquals(written.bytes(), written.uncompressedBytes());

        Path root = Files.createDirectory(tmp.resolve("root"));
        TestTools.run(tmp, initrd, "cpio", "-idm", "--no-absolute-filenames", "-D", root.toString()).check();
        Set<String> paths = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(p -> !p.equals(root)).forEach(p -> paths.add("/" + root.relativize(p)));
        }
        assertEquals(new TreeSet<>(List.of("/app", "/app/app.jar", "/dev", "/jre", "/jre/bin", "/jre/bin/java", "/jre/lib",
                "/jre/lib/modules", "/jre/lib/server", "/jre/lib/server/libjvm.so", "/jre/release", "/lib",
                "/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu/libc.so.6", "/proc", "/sys", "/tmp")), paths);
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("jre/bin/java"))));
        assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("tmp"))));
        assertArrayEquals("libc".getBytes(), Files.readAllBytes(root.resolve("lib/x86_64-linux-gnu/libc.so.6")));
    }

    @Test
    void sameInputsGiveTheSameArchive() throws Exception {
        RuntimeImage runtime = fakeRuntime();
        Path jar = tmp.resolve("app.jar");
        Files.writeString(jar, "jar");
        InitramfsBuilder.Initramfs a = InitramfsBuilder.create().runtime(runtime, List.of()).appJar(jar).write(tmp.resolve("a"));
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(123_000)); // host mtimes do not leak in
        InitramfsBuilder.Initramfs b = InitramfsBuilder.create().runtime(runtime, List.of()).appJar(jar).write(tmp.resolve("b"));
        assertArrayEquals(Files.readAllBytes(a.path()), Files.readAllBytes(b.path()));
    }

    @Test
    void aMissingInputIsNamedWithItsFix() throws Exception {
        ImageException e = assertThrows(ImageException.class,
                () -> InitramfsBuilder.create().appJar(tmp.resolve("missing.jar")));
        assertTrue(e.getMessage().contains("missing.jar") && e.getMessage().contains("Fix:"), e.getMessage());
        Path initrd = tmp.resolve("x.cpio");
        ImageException e2 = assertThrows(ImageException.class, () -> InitramfsBuilder.create()
                .hostFile("/lib/libfoo.so", tmp.resolve("libfoo.so")).write(initrd));
        assertTrue(e2.getMessage().contains("libfoo.so"), e2.getMessage());
        assertTrue(Files.notExists(initrd), "no half-written archive is left");
    }
}
