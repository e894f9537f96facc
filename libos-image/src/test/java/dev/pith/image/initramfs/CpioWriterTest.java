package dev.pith.image.initramfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.TestTools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CpioWriterTest {
    private static final long MTIME = 1_700_000_000L;

    @TempDir
    Path tmp;

    /** Files of the sample archive: path, mode, content (odd sizes exercise the 4-byte padding). */
    private static final Map<String, byte[]> FILES = Map.of(
            "jre/bin/java", "#!not really\n".getBytes(StandardCharsets.UTF_8),
            "jre/lib/modules", random(300_001, 1),
            "app/app.jar", random(7, 2),
            "etc/empty", new byte[0],
            "etc/secret", "s".getBytes(StandardCharsets.UTF_8));
    private static final Map<String, Integer> MODES = Map.of(
            "jre/bin/java", 0755, "jre/lib/modules", 0644, "app/app.jar", 0644, "etc/empty", 0644, "etc/secret", 0600);

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private void writeSample(OutputStream sink, Compression compression) throws IOException {
        Path host = tmp.resolve("host-file");
        Files.write(host, FILES.get("jre/lib/modules"));
        try (CpioWriter cpio = new CpioWriter(sink, compression, MTIME)) {
            cpio.directory("/proc", 0755);
            cpio.directory("/tmp", 01777);
            cpio.file("/jre/bin/java", 0755, FILES.get("jre/bin/java")); // parents /jre, /jre/bin made implicitly
            cpio.file("/jre/lib/modules", 0644, host);
            cpio.file("app/app.jar", 0644, FILES.get("app/app.jar"));
            cpio.file("/etc/empty", 0644, new byte[0]);
            cpio.file("/etc/secret", 0600, FILES.get("etc/secret"));
            cpio.symlink("/lib64", "lib");
            cpio.symlink("/jre/bin/java-link", "/jre/bin/java");
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void gnuCpioReadsTheArchiveBack(Compression compression) throws Exception {
        TestTools.requireTool("cpio", "cpio");
        Path archive = tmp.resolve("initrd" + compression.fileSuffix());
        try (OutputStream out = Files.newOutputStream(archive)) {
            writeSample(out, compression);
        }
        Path raw = decompress(archive, compression);
        Path root = Files.createDirectory(tmp.resolve("root"));
        TestTools.Output listing = TestTools.run(tmp, raw, "cpio", "-idmv", "--no-absolute-filenames", "-D", root.toString()).check();

        for (var e : FILES.entrySet()) {
            Path f = root.resolve(e.getKey());
            assertArrayEquals(e.getValue(), Files.readAllBytes(f), e.getKey());
            assertEquals(MODES.get(e.getKey()), mode(f), e.getKey() + " mode");
            assertEquals(MTIME, Files.getLastModifiedTime(f).toMillis() / 1000, e.getKey() + " mtime");
        }
        assertEquals("lib", Files.readSymbolicLink(root.resolve("lib64")).toString());
        assertEquals("/jre/bin/java", Files.readSymbolicLink(root.resolve("jre/bin/java-link")).toString());
        assertEquals(01777, mode(root.resolve("tmp")));
        assertEquals(0755, mode(root.resolve("jre/bin")), "implicit parent directory");
        assertTrue(Files.isDirectory(root.resolve("proc")));
        assertTrue(listing.stderr().contains("jre/lib/modules"), listing.stderr());
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void sameInputsGiveTheSameBytes(Compression compression) throws IOException {
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        writeSample(a, compression);
        writeSample(b, compression);
        assertArrayEquals(a.toByteArray(), b.toByteArray());
    }

    @Test
    void headerFieldsAndPaddingFollowNewc() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CpioWriter cpio = new CpioWriter(out)) {
            cpio.file("/ab", 0644, "xyz".getBytes(StandardCharsets.US_ASCII));
        }
        String s = out.toString(StandardCharsets.ISO_8859_1);
        String expectedHeader = "070701" + "00000001" + "000081A4" + "00000000" + "00000000" + "00000001"
                + "00000000" + "00000003" + "00000000" + "00000000" + "00000000" + "00000000" + "00000003" + "00000000";
        assertEquals(expectedHeader, s.substring(0, 110));
        assertEquals("ab\0", s.substring(110, 113));
        assertEquals("\0\0\0", s.substring(113, 116), "header and name padded to 4 bytes");
        assertEquals("xyz\0", s.substring(116, 120), "data padded to 4 bytes");
        assertTrue(s.startsWith("070701", 120), "next header is 4-byte aligned");
        assertTrue(s.startsWith("TRAILER!!!\0", 120 + 110));
        assertEquals(0, out.size() % 512, "archive padded to 512 bytes");
    }

    @Test
    void rejectsWhatTheKernelCannotUnpack() throws IOException {
        try (CpioWriter cpio = new CpioWriter(new ByteArrayOutputStream())) {
            cpio.file("/a", 0644, new byte[1]);
            assertThrows(IllegalArgumentException.class, () -> cpio.file("/a", 0644, new byte[1]), "duplicate");
            assertThrows(IllegalArgumentException.class, () -> cpio.file("/a/b", 0644, new byte[1]), "parent is a file");
            assertThrows(IllegalArgumentException.class, () -> cpio.file("/x/../y", 0644, new byte[1]), "..");
            assertThrows(IllegalArgumentException.class, () -> cpio.file("/", 0644, new byte[1]), "root");
            assertThrows(IllegalArgumentException.class, () -> cpio.file("/c", 0100644, new byte[1]), "type bits in mode");
            assertThrows(IllegalArgumentException.class, () -> cpio.symlink("/d", ""), "empty target");
            cpio.finish();
            assertThrows(IllegalStateException.class, () -> cpio.directory("/late", 0755));
        }
    }

    @Test
    void aStreamShorterThanAnnouncedFails() throws IOException {
        try (CpioWriter cpio = new CpioWriter(new ByteArrayOutputStream())) {
            IOException e = assertThrows(IOException.class,
                    () -> cpio.file("/f", 0644, 10, 0, new java.io.ByteArrayInputStream(new byte[3])));
            assertTrue(e.getMessage().contains("/f"), e.getMessage());
        }
    }

    /** Decompresses with the reference tools: gzip -d, lz4 -d. */
    static Path decompress(Path archive, Compression compression) throws Exception {
        Path dir = archive.getParent();
        Path raw = dir.resolve(archive.getFileName() + ".raw");
        switch (compression) {
            case NONE -> Files.copy(archive, raw);
            case GZIP -> {
                TestTools.requireTool("gzip", "gzip");
                Path gz = dir.resolve("copy.cpio.gz");
                Files.copy(archive, gz);
                TestTools.run(dir, null, "gzip", "-d", "-f", gz.toString()).check();
                Files.move(dir.resolve("copy.cpio"), raw);
            }
            case LZ4, LZ4_FAST -> {
                TestTools.requireTool("lz4", "lz4");
                TestTools.run(dir, null, "lz4", "-d", "-f", "-q", archive.toString(), raw.toString()).check();
            }
        }
        return raw;
    }

    private static int mode(Path p) throws IOException {
        String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        int mode = 0;
        for (int i = 0; i < 9; i++) {
            mode = (mode << 1) | (perms.charAt(i) == '-' ? 0 : 1);
        }
        Object raw = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return ((Integer) raw) & 07777 | mode;
    }
}
