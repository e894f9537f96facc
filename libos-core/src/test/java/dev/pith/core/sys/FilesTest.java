package dev.pith.core.sys;

import static dev.pith.core.sys.Linux.O_CLOEXEC;
import static dev.pith.core.sys.Linux.O_CREAT;
import static dev.pith.core.sys.Linux.O_NONBLOCK;
import static dev.pith.core.sys.Linux.O_RDONLY;
import static dev.pith.core.sys.Linux.O_RDWR;
import static dev.pith.core.sys.Linux.O_TRUNC;
import static dev.pith.core.sys.Linux.O_WRONLY;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** open, close, read, write, pread, pwrite and ioctl on real files and pipes. */
class FilesTest {
    @TempDir
    Path dir;

    @Test
    void openOfMissingFileNamesPathAndErrno() {
        String path = dir.resolve("nope").toString();

        SyscallException e = assertThrows(SyscallException.class, () -> Linux.open(path, O_RDONLY, 0));

        assertEquals("open", e.call());
        assertEquals(Errno.ENOENT, e.errnoValue());
        assertEquals(2, e.errno());
        assertEquals("open(\"" + path + "\", O_RDONLY) failed: ENOENT (No such file or directory)", e.getMessage());
    }

    @Test
    void openMessageSpellsFlagsAndModeInOctal() {
        String path = dir.resolve("missing-dir/file").toString();

        SyscallException e = assertThrows(SyscallException.class,
                () -> Linux.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));

        assertEquals("open(\"" + path + "\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644) failed: "
                + "ENOENT (No such file or directory)", e.getMessage());
    }

    @Test
    void pathWithNulIsRefusedBeforeTheCall() {
        var e = assertThrows(IllegalArgumentException.class, () -> Linux.open("/etc\0/passwd", O_RDONLY, 0));
        assertEquals("path contains a NUL character: \"/etc\\0/passwd\"", e.getMessage());
    }

    @Test
    void pwriteThenPreadRoundTripsAndLeavesFileOffsetAlone() throws Exception {
        Path file = dir.resolve("data");
        int fd = Linux.open(file.toString(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = segment(arena, "hello");

            assertEquals(5, Linux.pwrite(fd, out, 4096));
            MemorySegment in = arena.allocate(5);
            assertEquals(5, Linux.pread(fd, in, 4096));

            assertEquals("hello", new String(in.toArray(ValueLayout.JAVA_BYTE), US_ASCII));
            assertEquals(4101, Files.size(file));
            // The file offset is still 0, so read sees the hole before byte 4096.
            MemorySegment head = arena.allocate(8);
            head.fill((byte) 0x55);
            assertEquals(8, Linux.read(fd, head));
            assertArrayEquals(new byte[8], head.toArray(ValueLayout.JAVA_BYTE));
        } finally {
            Linux.close(fd);
        }
    }

    @Test
    void writeThenReadOnAFile() throws Exception {
        Path file = dir.resolve("written");
        try (Arena arena = Arena.ofConfined()) {
            int out = Linux.open(file.toString(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            assertEquals(3, Linux.write(out, segment(arena, "abc")));
            Linux.close(out);

            int in = Linux.open(file.toString(), O_RDONLY | O_CLOEXEC, 0);
            MemorySegment buf = arena.allocate(16);
            assertEquals(3, Linux.read(in, buf));
            assertEquals(0, Linux.read(in, buf), "end of file");
            Linux.close(in);
            assertEquals("abc", new String(buf.asSlice(0, 3).toArray(ValueLayout.JAVA_BYTE), US_ASCII));
        }
    }

    @Test
    void writeThenReadOnAPipe() throws Throwable {
        try (TestLibc.Pipe pipe = TestLibc.pipe(O_CLOEXEC); Arena arena = Arena.ofConfined()) {
            assertEquals(4, Linux.write(pipe.writeEnd, segment(arena, "ping")));
            MemorySegment buf = arena.allocate(64);
            assertEquals(4, Linux.read(pipe.readEnd, buf));
            assertEquals("ping", new String(buf.asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE), US_ASCII));
        }
    }

    /** read and write are linked critical: these prove errno still arrives through captureCallState. */
    @Test
    void readOfEmptyNonBlockingPipeThrowsEagain() throws Throwable {
        try (TestLibc.Pipe pipe = TestLibc.pipe(O_NONBLOCK | O_CLOEXEC); Arena arena = Arena.ofConfined()) {
            SyscallException e = assertThrows(SyscallException.class,
                    () -> Linux.read(pipe.readEnd, arena.allocate(16)));
            assertEquals(Errno.EAGAIN, e.errnoValue());
            assertEquals("read(fd " + pipe.readEnd + ") failed: EAGAIN (Resource temporarily unavailable)",
                    e.getMessage());
        }
    }

    @Test
    void writeToReadOnlyDescriptorThrowsEbadf() throws Throwable {
        Path file = Files.writeString(dir.resolve("ro"), "x");
        int fd = Linux.open(file.toString(), O_RDONLY | O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            SyscallException e = assertThrows(SyscallException.class, () -> Linux.write(fd, segment(arena, "y")));
            assertEquals("write", e.call());
            assertEquals(Errno.EBADF, e.errnoValue());
        } finally {
            Linux.close(fd);
        }
    }

    @Test
    void heapBuffersAreRefused() throws Throwable {
        try (TestLibc.Pipe pipe = TestLibc.pipe(O_CLOEXEC)) {
            MemorySegment heap = MemorySegment.ofArray(new byte[4]);
            assertThrows(IllegalArgumentException.class, () -> Linux.write(pipe.writeEnd, heap));
        }
    }

    @Test
    void closeOfClosedDescriptorThrowsEbadf() throws Exception {
        Path file = Files.writeString(dir.resolve("closed"), "x");
        int fd = Linux.open(file.toString(), O_RDONLY | O_CLOEXEC, 0);
        Linux.close(fd);

        // The number could be reused by another thread's open between the two calls; nothing in this JVM opens
        // files concurrently with the test, and the window is two downcalls wide.
        SyscallException e = assertThrows(SyscallException.class, () -> Linux.close(fd));

        assertEquals("close", e.call());
        assertEquals(Errno.EBADF, e.errnoValue());
        assertEquals("close(fd " + fd + ") failed: EBADF (Bad file descriptor)", e.getMessage());
    }

    @Test
    void ioctlWithForeignRequestOnRegularFileThrowsEnotty() throws Exception {
        long tunsetiff = 0x400454caL; // _IOW('T', 202, int), meaningful only on /dev/net/tun
        Path file = Files.writeString(dir.resolve("plain"), "x");
        int fd = Linux.open(file.toString(), O_RDONLY | O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            SyscallException e = assertThrows(SyscallException.class,
                    () -> Linux.ioctl(fd, tunsetiff, arena.allocate(40)));
            assertEquals("ioctl", e.call());
            assertEquals(Errno.ENOTTY, e.errnoValue());
            assertEquals("ioctl(fd " + fd + ", 0x400454ca) failed: ENOTTY (Inappropriate ioctl for device)",
                    e.getMessage());

            SyscallException withValue = assertThrows(SyscallException.class, () -> Linux.ioctl(fd, tunsetiff, 1L));
            assertEquals(Errno.ENOTTY, withValue.errnoValue());
        } finally {
            Linux.close(fd);
        }
    }

    private static MemorySegment segment(Arena arena, String ascii) {
        return arena.allocateFrom(ValueLayout.JAVA_BYTE, ascii.getBytes(US_ASCII));
    }
}
