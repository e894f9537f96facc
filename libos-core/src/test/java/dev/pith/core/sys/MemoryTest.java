package dev.pith.core.sys;

import static dev.pith.core.sys.Linux.MAP_ANONYMOUS;
import static dev.pith.core.sys.Linux.MAP_PRIVATE;
import static dev.pith.core.sys.Linux.MAP_SHARED;
import static dev.pith.core.sys.Linux.MS_SYNC;
import static dev.pith.core.sys.Linux.O_CLOEXEC;
import static dev.pith.core.sys.Linux.O_RDWR;
import static dev.pith.core.sys.Linux.PROT_READ;
import static dev.pith.core.sys.Linux.PROT_WRITE;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mmap, msync, munmap and mlock on a file and on anonymous memory. */
class MemoryTest {
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    @Test
    void sharedFileMappingSeesFileWritesAndWritesThroughToTheFile() throws Exception {
        Path file = dir.resolve("mapped");
        byte[] initial = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            initial[i] = (byte) i;
        }
        Files.write(file, initial);

        int fd = Linux.open(file.toString(), O_RDWR | O_CLOEXEC, 0);
        MemorySegment mapping;
        try {
            mapping = Linux.mmap(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        } finally {
            Linux.close(fd); // a mapping outlives its descriptor (man 2 mmap)
        }
        assertEquals(PAGE, mapping.byteSize());
        assertEquals(0, mapping.address() % PAGE, "the kernel picks a page-aligned address");
        assertArrayEquals(initial, mapping.toArray(JAVA_BYTE));

        // java.nio writes through the page cache the mapping shares.
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap("nio".getBytes(US_ASCII)), 100);
        }
        assertEquals("nio", new String(mapping.asSlice(100, 3).toArray(JAVA_BYTE), US_ASCII));

        mapping.asSlice(200, 4).copyFrom(MemorySegment.ofArray("mmap".getBytes(US_ASCII)));
        Linux.msync(mapping, MS_SYNC);
        Linux.munmap(mapping);

        byte[] after = Files.readAllBytes(file);
        assertEquals("mmap", new String(after, 200, 4, US_ASCII));
        assertEquals("nio", new String(after, 100, 3, US_ASCII));
        assertEquals((byte) 255, after[255], "untouched bytes stay");
    }

    @Test
    void anonymousMappingCanBeLockedFilledAndUnmapped() throws Exception {
        long length = 16 * PAGE;
        MemorySegment memory = Linux.mmap(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        try {
            assertEquals(length, memory.byteSize());
            assertTrue(memory.elements(JAVA_BYTE).allMatch(b -> b.get(JAVA_BYTE, 0) == 0), "anonymous memory is zero");
            Linux.mlock(memory);
            memory.fill((byte) 0x5a);
            assertEquals((byte) 0x5a, memory.get(JAVA_BYTE, length - 1));
        } finally {
            Linux.munmap(memory);
        }
    }

    @Test
    void failedMmapNamesItsArguments() {
        // MAP_SHARED and MAP_PRIVATE together are neither: EINVAL (man 2 mmap).
        SyscallException e = assertThrows(SyscallException.class,
                () -> Linux.mmap(PAGE, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));

        assertEquals("mmap", e.call());
        assertEquals(Errno.EINVAL, e.errnoValue());
        assertEquals("mmap(length 4096, prot 0x1, flags 0x23, fd -1, offset 0) failed: EINVAL (Invalid argument)",
                e.getMessage());
    }
}
