package dev.pith.core.dma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pith.core.buffer.DmaBuffer;
import dev.pith.core.buffer.DmaRegion;
import dev.pith.core.buffer.PacketBufferPool;
import dev.pith.core.sys.Linux;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DmaArenaTest {

    private static final long PAGE = 4096;
    private static final long HUGEPAGE = 2L << 20;

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Reads a /proc/sys number in one read: at a non-zero offset the kernel says end of file (kernel/sysctl.c). */
    private static long readSysctl(Path file) throws IOException {
        try (var channel = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(64);
            int count = channel.read(buffer, 0);
            return Long.parseLong(new String(buffer.array(), 0, Math.max(0, count),
                    java.nio.charset.StandardCharsets.US_ASCII).strip());
        }
    }

    /** Host memory with made-up physical addresses: what drivers' tests run on. */
    @Nested
    class Simulated {

        @Test
        void regionsAreAlignedAndNeverStraddleAChunk() throws IOException {
            try (DmaArena arena = DmaArena.simulated(64 * PAGE, PAGE)) {
                assertEquals(DmaArena.Backing.SIMULATED, arena.backing());
                long used = 0;
                for (int i = 0; i < 40; i++) {
                    long size = 100 + 37L * i % 3000;
                    long alignment = 1L << (i % 7);
                    DmaRegion region = arena.allocate(size, alignment);
                    used += size;
                    assertEquals(size, region.memory().byteSize());
                    assertEquals(0, region.physicalAddress() % alignment, "physical alignment");
                    assertEquals(0, region.memory().address() % alignment, "virtual alignment");
                    long first = region.physicalAddress() / PAGE;
                    long last = (region.physicalAddress() + size - 1) / PAGE;
                    assertEquals(first, last, "a region stays inside one physically contiguous page");
                    assertNotEquals(region.memory().address(), region.physicalAddress(), "made-up, not virtual");
                }
                assertTrue(arena.allocated() >= used);
            }
        }

        @Test
        void neighbouringChunksAreNotPhysicallyContiguous() throws IOException {
            try (DmaArena arena = DmaArena.simulated(4 * PAGE, PAGE)) {
                DmaRegion a = arena.allocate(PAGE, PAGE);
                DmaRegion b = arena.allocate(PAGE, PAGE);
                assertEquals(a.memory().address() + PAGE, b.memory().address(), "virtually adjacent");
                assertNotEquals(a.physicalAddress() + PAGE, b.physicalAddress(), "physically not");
            }
        }

        @Test
        void tooLargeForAChunkFailsAtOnceAndSaysWhy() throws IOException {
            try (DmaArena arena = DmaArena.simulated(64 * PAGE, PAGE)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> arena.allocate(PAGE + 1, 8));
                assertEquals("cannot allocate 4097 physically contiguous bytes: this arena's memory is contiguous in"
                        + " chunks of 4096 bytes", e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> arena.allocate(16, 3), "alignment not a power of 2");
                assertThrows(IllegalArgumentException.class, () -> arena.allocate(16, 2 * PAGE), "alignment > chunk");
                assertThrows(IllegalArgumentException.class, () -> arena.allocate(0, 1));
            }
        }

        @Test
        void runsOutLoudlyAndRefusesUseAfterClose() throws IOException {
            DmaArena arena = DmaArena.simulated(2 * PAGE, PAGE);
            arena.allocate(3000, 64);
            arena.allocate(3000, 64); // second chunk: 3000 more would straddle
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> arena.allocate(3000, 64));
            assertTrue(e.getMessage().startsWith("out of DMA memory: 3000 bytes aligned to 64 wanted"), e.getMessage());
            arena.close();
            arena.close();
            assertThrows(IllegalStateException.class, () -> arena.allocate(8, 8));
        }

        @Test
        void resolveFindsTheMemoryBehindAPhysicalAddress() throws IOException {
            try (DmaArena arena = DmaArena.simulated(8 * PAGE, PAGE)) {
                List<DmaRegion> regions = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    DmaRegion region = arena.allocate(1000, 16);
                    region.memory().set(ValueLayout.JAVA_INT, 0, 0x5eed_0000 + i);
                    regions.add(region);
                }
                for (int i = 0; i < 8; i++) {
                    DmaRegion region = regions.get(i);
                    MemorySegment seen = arena.resolve(region.physicalAddress(), 1000);
                    assertEquals(region.memory().address(), seen.address());
                    assertEquals(0x5eed_0000 + i, seen.get(ValueLayout.JAVA_INT, 0));
                    assertEquals(region.memory().address() + 10, arena.resolve(region.physicalAddress() + 10, 4).address());
                }
                DmaRegion first = regions.get(0);
                assertThrows(IllegalArgumentException.class, () -> arena.resolve(first.memory().address(), 4),
                        "a virtual address is not a physical one");
                assertThrows(IllegalArgumentException.class,
                        () -> arena.resolve(first.physicalAddress() + PAGE - 8, 16), "crosses the chunk's end");
                assertThrows(IllegalArgumentException.class, () -> arena.resolve(DmaArena.SIMULATED_BASE - 4, 4));
            }
        }

        @Test
        void packetBuffersSpanRegionsAndAreDmaBuffers() throws IOException {
            try (DmaArena arena = DmaArena.simulated(64 * PAGE, PAGE)) {
                PacketBufferPool pool = arena.packetBuffers(2048, 10); // two per 4 KiB chunk: five regions
                List<ByteBuf> buffers = new ArrayList<>();
                Set<Long> addresses = new HashSet<>();
                for (int i = 0; i < 10; i++) {
                    ByteBuf buffer = pool.tryAllocate();
                    DmaBuffer dma = assertInstanceOf(DmaBuffer.class, buffer);
                    assertTrue(addresses.add(dma.physicalAddress()));
                    buffer.writeInt(0xb0f0_0000 + i);
                    assertEquals(0xb0f0_0000 + i, arena.resolve(dma.physicalAddress(), 4)
                            .get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0),
                            "the device sees the buffer's bytes at its physical address");
                    buffers.add(buffer);
                }
                assertNull(pool.tryAllocate());
                assertEquals(1, pool.exhaustedCount());
                assertEquals(10, pool.outstanding());
                assertThrows(IllegalStateException.class, pool::close);
                buffers.forEach(ByteBuf::release);
                assertEquals(0, pool.outstanding());
                pool.close();
                assertThrows(IllegalArgumentException.class, () -> arena.packetBuffers(8192, 1));
            }
        }

        @Test
        void suppliedMemoryUsesTheTranslator() throws IOException {
            try (Arena memory = Arena.ofConfined()) {
                MemorySegment segment = memory.allocate(4 * PAGE, PAGE);
                try (DmaArena arena = DmaArena.over(segment, PAGE,
                        chunk -> 0x1000_0000L + 2 * (chunk.address() - segment.address()))) {
                    assertEquals(DmaArena.Backing.SUPPLIED, arena.backing());
                    assertEquals(0x1000_0000L, arena.allocate(PAGE, PAGE).physicalAddress());
                    assertEquals(0x1000_0000L + 2 * PAGE, arena.allocate(PAGE, PAGE).physicalAddress());
                }
                assertThrows(IllegalArgumentException.class, () -> DmaArena.over(segment, PAGE, chunk -> 12345));
            }
        }
    }

    /** Real translation on this machine; root only, as in the guest. */
    @Nested
    class AsRoot {

        @Test
        void pagemapGivesALockedPagesPhysicalAddress() throws IOException {
            assumeTrue(root(), "pagemap hides frame numbers from non-root users");
            MemorySegment page = Linux.mmap(PAGE, Linux.PROT_READ | Linux.PROT_WRITE,
                    Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS, -1, 0);
            try {
                Linux.mlock(page);
                page.set(ValueLayout.JAVA_BYTE, 0, (byte) 1); // present
                long physical = DmaArena.physicalAddress(page);
                assertNotEquals(0, physical);
                assertEquals(0, physical % PAGE, "a page's first byte is at a page boundary");
                assertEquals(physical + 123, DmaArena.physicalAddress(page.asSlice(123)));
            } finally {
                Linux.munmap(page);
            }
        }

        @Test
        void untouchedPageIsNotPresent() throws IOException {
            assumeTrue(root());
            MemorySegment page = Linux.mmap(PAGE, Linux.PROT_READ | Linux.PROT_WRITE,
                    Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS, -1, 0);
            try {
                IOException e = assertThrows(IOException.class, () -> DmaArena.physicalAddress(page));
                assertTrue(e.getMessage().contains("is not present"), e.getMessage());
            } finally {
                Linux.munmap(page);
            }
        }

        @Test
        void lockedPagesArenaTranslatesEveryPage() throws IOException {
            assumeTrue(root());
            try (DmaArena arena = DmaArena.lockedPages(16 * PAGE)) {
                assertEquals(DmaArena.Backing.LOCKED_PAGES, arena.backing());
                assertEquals(PAGE, arena.chunkSize());
                for (int i = 0; i < 16; i++) {
                    DmaRegion region = arena.allocate(PAGE, PAGE);
                    assertEquals(DmaArena.physicalAddress(region.memory()), region.physicalAddress());
                    region.memory().set(ValueLayout.JAVA_LONG, 8, 42L + i);
                    assertEquals(42L + i, arena.resolve(region.physicalAddress() + 8, 8).get(ValueLayout.JAVA_LONG, 0));
                }
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> arena.allocate(8192, 8));
                assertTrue(e.getMessage().contains("4 KiB locked pages"), e.getMessage());
            }
        }

        /**
         * Maps one real 2 MiB hugepage. If none is free, reserves one through /proc/sys/vm/nr_hugepages
         * for the test and gives it back afterwards, as the guest platform does at boot.
         */
        @Test
        void hugepageArenaIsContiguousForTwoMebibytes() throws IOException {
            assumeTrue(root());
            Path sysctl = Path.of("/proc/sys/vm/nr_hugepages");
            assumeTrue(Files.isWritable(sysctl), "no hugetlb support");
            long before = readSysctl(sysctl);
            boolean reserved = false;
            if (DmaArena.freeHugepages() < 1) {
                Files.writeString(sysctl, Long.toString(before + 1));
                reserved = true;
            }
            try {
                assumeTrue(DmaArena.freeHugepages() >= 1, "the kernel could not reserve a hugepage");
                try (DmaArena arena = DmaArena.hugepages(HUGEPAGE)) {
                    assertEquals(DmaArena.Backing.HUGEPAGES, arena.backing());
                    DmaRegion whole = arena.allocate(HUGEPAGE, PAGE);
                    assertEquals(0, whole.physicalAddress() % HUGEPAGE, "a hugepage is 2 MiB-aligned physically");
                    assertEquals(whole.physicalAddress() + HUGEPAGE - PAGE,
                            DmaArena.physicalAddress(whole.memory().asSlice(HUGEPAGE - PAGE)), "and contiguous");
                    assertFalse(whole.memory().asSlice(0, 64).elements(ValueLayout.JAVA_BYTE)
                            .anyMatch(b -> b.get(ValueLayout.JAVA_BYTE, 0) != 0), "fresh memory is zero");
                }
            } finally {
                if (reserved) {
                    Files.writeString(sysctl, Long.toString(before));
                }
            }
        }

        /**
         * The guest's path: a file on a hugetlbfs mount (here one of the test's own, on a temporary directory),
         * mapped with FileChannel.map. Reserves a hugepage if none is free and gives it back afterwards.
         */
        @Test
        void hugetlbfsFileArenaIsContiguousAndLeavesNoFile(@TempDir Path mount) throws IOException {
            assumeTrue(root());
            Path sysctl = Path.of("/proc/sys/vm/nr_hugepages");
            assumeTrue(Files.isWritable(sysctl), "no hugetlb support");
            Linux.mount("hugetlbfs", mount.toString(), "hugetlbfs", Linux.MS_NOSUID | Linux.MS_NODEV, null);
            long before = readSysctl(sysctl);
            boolean reserved = false;
            try {
                if (DmaArena.freeHugepages() < 1) {
                    Files.writeString(sysctl, Long.toString(before + 1));
                    reserved = true;
                }
                assumeTrue(DmaArena.freeHugepages() >= 1, "the kernel could not reserve a hugepage");
                try (DmaArena arena = DmaArena.hugepages(mount, HUGEPAGE)) {
                    assertEquals(DmaArena.Backing.HUGEPAGES, arena.backing());
                    try (var files = Files.list(mount)) {
                        assertEquals(0, files.count(), "the file is deleted once mapped");
                    }
                    DmaRegion whole = arena.allocate(HUGEPAGE, PAGE);
                    assertEquals(0, whole.physicalAddress() % HUGEPAGE, "a hugepage is 2 MiB-aligned physically");
                    assertEquals(whole.physicalAddress() + HUGEPAGE - PAGE,
                            DmaArena.physicalAddress(whole.memory().asSlice(HUGEPAGE - PAGE)), "and contiguous");
                    whole.memory().set(ValueLayout.JAVA_LONG, 64, 42L);
                    assertEquals(42L, arena.resolve(whole.physicalAddress() + 64, 8).get(ValueLayout.JAVA_LONG, 0));
                }
            } finally {
                Linux.umount(mount.toString());
                if (reserved) {
                    Files.writeString(sysctl, Long.toString(before));
                }
            }
        }

        @Test
        void aDirectoryThatIsNotHugetlbfsIsRefused(@TempDir Path directory) throws IOException {
            assumeTrue(root());
            // On an ordinary file system one write maps one 4 KiB page, not 2 MiB: translation finds the rest of
            // the would-be hugepage absent, or not contiguous, and nothing is left behind.
            IOException e = assertThrows(IOException.class, () -> DmaArena.hugepages(directory, HUGEPAGE));
            assertTrue(e.getMessage().startsWith(directory + " gave no 2 MiB hugepages"), e.getMessage());
            try (var files = Files.list(directory)) {
                assertEquals(0, files.count());
            }
        }

        @Test
        void hugepagesWithoutReservationFailWithAdvice() throws IOException {
            assumeTrue(root());
            long free = DmaArena.freeHugepages();
            IOException e = assertThrows(IOException.class, () -> DmaArena.hugepages((free + 1) * HUGEPAGE));
            assertTrue(e.getMessage().contains("reserve them with hugepages=N"), e.getMessage());
        }
    }
}
