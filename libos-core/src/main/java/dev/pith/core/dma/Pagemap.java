package dev.pith.core.dma;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Virtual-to-physical translation through {@code /proc/self/pagemap}
 * (Documentation/admin-guide/mm/pagemap.rst): one 64-bit entry per 4 KiB virtual page, bits 0–54
 * the page frame number when bit 63 (present) is set. Since Linux 4.2 the PFN reads as 0 without
 * CAP_SYS_ADMIN, so this works for root only, as in ixy's src/memory.c. Entries are read with
 * positional {@link FileChannel} reads (one pread each), not FFM: see {@link DmaArena}.
 */
final class Pagemap implements AutoCloseable {

    /** x86_64's base page size; pagemap has one entry per base page even inside a hugepage. */
    static final long PAGE_SIZE = 4096;
    private static final long PRESENT = 1L << 63;
    /** Bits 0-54 are the page frame number. */
    private static final long PFN_MASK = (1L << 55) - 1;

    private final FileChannel file;

    Pagemap() throws IOException {
        file = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ);
    }

    /**
     * Returns the physical address of the byte at {@code virtualAddress}.
     *
     * @throws IOException if the page is not present (never touched, or swapped out: lock it) or
     *     the kernel hides the frame number (not root)
     */
    long physicalAddress(long virtualAddress) throws IOException {
        return decode(read(virtualAddress, 1).getLong(0), virtualAddress);
    }

    /**
     * Returns the physical address of each of the {@code pages} 4 KiB pages from
     * {@code virtualAddress} (page-aligned), with one read of all their entries.
     *
     * @throws IOException as {@link #physicalAddress}, naming the first bad page
     */
    long[] physicalAddresses(long virtualAddress, int pages) throws IOException {
        if (virtualAddress % PAGE_SIZE != 0 || pages < 1) {
            throw new IllegalArgumentException("not page-aligned or no pages: 0x" + Long.toHexString(virtualAddress)
                    + ", " + pages);
        }
        ByteBuffer entries = read(virtualAddress, pages);
        long[] physical = new long[pages];
        for (int i = 0; i < pages; i++) {
            physical[i] = decode(entries.getLong(i * Long.BYTES), virtualAddress + i * PAGE_SIZE);
        }
        return physical;
    }

    /** Reads the native-order u64 entries of {@code pages} pages from the one of {@code virtualAddress}. */
    private ByteBuffer read(long virtualAddress, int pages) throws IOException {
        ByteBuffer entries = ByteBuffer.allocateDirect(pages * Long.BYTES).order(ByteOrder.nativeOrder());
        long position = (virtualAddress / PAGE_SIZE) * Long.BYTES;
        // pagemap answers a whole read at once (pagemap_read in fs/proc/task_mmu.c); -1 would be end of file.
        int count = Math.max(0, file.read(entries, position));
        if (count != entries.capacity()) {
            throw new IOException("/proc/self/pagemap: short read for " + pages + " pages at 0x"
                    + Long.toHexString(virtualAddress) + ": " + count + " of " + entries.capacity() + " bytes");
        }
        return entries;
    }

    /** Turns one pagemap entry into the physical address of {@code virtualAddress}. */
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

    @Override
    public void close() throws IOException {
        file.close();
    }
}
