package dev.pith.core.dma;

import dev.pith.core.sys.Linux;
import dev.pith.core.sys.SyscallException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Virtual-to-physical translation through {@code /proc/self/pagemap}
 * (Documentation/admin-guide/mm/pagemap.rst): one 64-bit entry per 4 KiB virtual page, bits 0–54
 * the page frame number when bit 63 (present) is set. Since Linux 4.2 the PFN reads as 0 without
 * CAP_SYS_ADMIN, so this works for root only, as in ixy's src/memory.c.
 */
final class Pagemap implements AutoCloseable {

    /** x86_64's base page size; pagemap has one entry per base page even inside a hugepage. */
    static final long PAGE_SIZE = 4096;
    private static final long PRESENT = 1L << 63;
    /** Bits 0-54 are the page frame number. */
    private static final long PFN_MASK = (1L << 55) - 1;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment entry = arena.allocate(ValueLayout.JAVA_LONG);
    private final int fd;

    Pagemap() throws SyscallException {
        fd = Linux.open("/proc/self/pagemap", Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
    }

    /**
     * Returns the physical address of the byte at {@code virtualAddress}.
     *
     * @throws IOException if the page is not present (never touched, or swapped out: lock it) or
     *     the kernel hides the frame number (not root)
     */
    long physicalAddress(long virtualAddress) throws IOException {
        long count = Linux.pread(fd, entry, (virtualAddress / PAGE_SIZE) * Long.BYTES);
        if (count != Long.BYTES) {
            throw new IOException("/proc/self/pagemap: short read for 0x" + Long.toHexString(virtualAddress)
                    + ": " + count + " bytes");
        }
        return decode(entry.get(ValueLayout.JAVA_LONG, 0), virtualAddress);
    }

    /** Turns one pagemap entry (a native-order u64) into the physical address of {@code virtualAddress}. */
    private static long decode(long value, long virtualAddress) throws IOException {
        if ((value & PRESENT) == 0) {
            throw new IOException("page at 0x" + Long.toHexString(virtualAddress)
                    + " is not present (never touched, or swapped out; DMA memory must be populated and locked)");
        }
        long frame = value & PFN_MASK;
        if (frame == 0) {
            throw new IOException(
                    "/proc/self/pagemap hides page frame numbers: reading them needs CAP_SYS_ADMIN (root)");
        }
        return frame * PAGE_SIZE + (virtualAddress & (PAGE_SIZE - 1));
    }

    /**
     * Returns the physical address of each of the {@code pages} 4 KiB pages from
     * {@code virtualAddress} (page-aligned), with one pread of all their entries.
     *
     * @throws IOException as {@link #physicalAddress}, naming the first bad page
     */
    long[] physicalAddresses(long virtualAddress, int pages) throws IOException {
        if (virtualAddress % PAGE_SIZE != 0 || pages < 1) {
            throw new IllegalArgumentException("not page-aligned or no pages: 0x" + Long.toHexString(virtualAddress)
                    + ", " + pages);
        }
        long[] physical = new long[pages];
        try (Arena entries = Arena.ofConfined()) {
            MemorySegment buffer = entries.allocate(ValueLayout.JAVA_LONG, pages);
            long count = Linux.pread(fd, buffer, (virtualAddress / PAGE_SIZE) * Long.BYTES);
            if (count != buffer.byteSize()) {
                throw new IOException("/proc/self/pagemap: short read for " + pages + " pages at 0x"
                        + Long.toHexString(virtualAddress) + ": " + count + " of " + buffer.byteSize() + " bytes");
            }
            for (int i = 0; i < pages; i++) {
                physical[i] = decode(buffer.getAtIndex(ValueLayout.JAVA_LONG, i), virtualAddress + i * PAGE_SIZE);
            }
        }
        return physical;
    }

    @Override
    public void close() throws SyscallException {
        try {
            Linux.close(fd);
        } finally {
            arena.close();
        }
    }
}
