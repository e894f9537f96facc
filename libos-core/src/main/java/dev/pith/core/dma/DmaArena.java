package dev.pith.core.dma;

import dev.pith.core.buffer.DmaRegion;
import dev.pith.core.buffer.PacketBufferPool;
import dev.pith.core.buffer.SlabBufferPool;
import dev.pith.core.sys.Linux;
import dev.pith.core.sys.SyscallException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Memory a device can read and write by physical address, and the {@link DmaRegion}s carved from
 * it, as ixy's src/memory.c {@code memory_allocate_dma}. There is no vIOMMU in Pith's guest and
 * VIRTIO_F_ACCESS_PLATFORM is not negotiated, so devices take guest-physical addresses.
 *
 * <p>An arena is a run of equal <em>chunks</em>, each physically contiguous, none known to be
 * contiguous with its neighbour:
 * <ul>
 *   <li>{@link #hugepages(Path, long)}: 2 MiB hugepages, a file on a hugetlbfs mount mapped with
 *       {@link FileChannel#map(MapMode, long, long, Arena)} — each one physically contiguous, which
 *       {@code /proc/self/pagemap} confirms page by page. They must be reserved first
 *       ({@code hugepages=N} on the kernel command line, or {@code /proc/sys/vm/nr_hugepages} early
 *       in boot, before memory fragments). {@link #hugepages(long)} maps the same anonymously,
 *       {@code mmap(MAP_HUGETLB|MAP_POPULATE)}, where no hugetlbfs is mounted.
 *   <li>{@link #lockedPages}: the fallback, 4 KiB pages locked with mlock, each translated.
 *   <li>{@link #simulated}: ordinary memory with made-up physical addresses, for host tests.
 *       Neighbouring chunks get far-apart, descending addresses, so a driver that assumes
 *       contiguity across chunks, or hands a device a virtual address, fails its tests.
 * </ul>
 *
 * <p>{@link #allocate} carves regions front to back and never across a chunk boundary, so a
 * region is always physically contiguous: the largest is one chunk (4 KiB on locked pages, 2 MiB
 * on hugepages), and a larger request fails at once with an explanation rather than sometimes,
 * by luck of the physical layout. Nothing is freed before {@link #close()}; this is the wasteful
 * part, as in ixy: drivers allocate their rings and buffers once, at setup.
 *
 * <p>The guest's usual path, a hugetlbfs file and pagemap, is plain Java I/O; only the fallbacks
 * (anonymous hugepages, locked pages: mmap, mlock, munmap) make FFM downcalls, whose handles cost a
 * few hundred milliseconds each under emulation (DESIGN.md §3).
 *
 * <p>Translation needs root (pagemap hides frame numbers from others since Linux 4.2). Hugepages
 * are never swapped, so they need no mlock; locked pages are not swapped but Linux may still migrate them during
 * compaction unless {@code vm.compact_unevictable_allowed} is 0 — one more reason to prefer
 * hugepages. Methods are thread-safe; {@link #close()} invalidates every region.
 */
public final class DmaArena implements AutoCloseable {

    /** The base page size of x86_64. */
    public static final long PAGE_SIZE = Pagemap.PAGE_SIZE;
    /** The default hugepage size of x86_64 ({@code Hugepagesize} in /proc/meminfo). */
    public static final long HUGEPAGE_SIZE = 2L << 20;
    /** Where the guest platform mounts hugetlbfs. */
    public static final Path HUGETLBFS = Path.of("/dev/hugepages");
    /** Where {@link #simulated} arenas' made-up physical addresses start: 256 GiB, unlike any virtual address here. */
    static final long SIMULATED_BASE = 0x40_0000_0000L;

    /** What memory backs an arena. */
    public enum Backing {
        /** 2 MiB hugepages translated through pagemap. */
        HUGEPAGES,
        /** 4 KiB locked pages translated through pagemap. */
        LOCKED_PAGES,
        /** Ordinary memory with made-up physical addresses (host tests). */
        SIMULATED,
        /** Memory and translation supplied by the caller ({@link #over}). */
        SUPPLIED
    }

    /** Finds the physical address of a chunk's first byte: pagemap in the guest, anything in tests. */
    @FunctionalInterface
    public interface Translator {
        /** Returns the physical address of {@code chunk}'s first byte; the whole chunk is contiguous from there. */
        long physicalAddress(MemorySegment chunk) throws IOException;
    }

    private final Backing backing;
    private final MemorySegment memory;
    private final long chunkSize;
    /** Physical address of each chunk, by chunk index. */
    private final long[] chunkPhysical;
    /** The same addresses sorted, and the chunk each belongs to, for {@link #resolve}. */
    private final long[] sortedPhysical;
    private final int[] sortedChunk;
    /** Numbers the hugetlbfs files of this process, which live only between their creation and their mapping. */
    private static final AtomicInteger HUGETLBFS_FILES = new AtomicInteger();

    /** Frees the memory: munmap, or closing the {@link Arena} it lives in; null if the caller owns it. */
    private final Releaser releaser;
    /** Bytes from the start already carved. Guarded by {@code this}. */
    private long cursor;
    /** Guarded by {@code this}. */
    private boolean closed;

    @FunctionalInterface
    private interface Releaser {
        void release() throws IOException;
    }

    private DmaArena(Backing backing, MemorySegment memory, long chunkSize, long[] chunkPhysical, Releaser releaser) {
        this.backing = backing;
        this.memory = memory;
        this.chunkSize = chunkSize;
        this.chunkPhysical = chunkPhysical;
        this.releaser = releaser;
        int chunks = chunkPhysical.length;
        Integer[] order = new Integer[chunks];
        for (int i = 0; i < chunks; i++) {
            order[i] = i;
            if (chunkPhysical[i] < 0 || chunkPhysical[i] % chunkSize != 0) {
                throw new IllegalArgumentException("chunk " + i + " has physical address 0x"
                        + Long.toHexString(chunkPhysical[i]) + ", not a multiple of the chunk size " + chunkSize);
            }
        }
        Arrays.sort(order, (a, b) -> Long.compare(chunkPhysical[a], chunkPhysical[b]));
        this.sortedPhysical = new long[chunks];
        this.sortedChunk = new int[chunks];
        for (int i = 0; i < chunks; i++) {
            sortedChunk[i] = order[i];
            sortedPhysical[i] = chunkPhysical[order[i]];
            if (i > 0 && sortedPhysical[i] == sortedPhysical[i - 1]) {
                throw new IllegalArgumentException("chunks " + sortedChunk[i - 1] + " and " + sortedChunk[i]
                        + " have the same physical address 0x" + Long.toHexString(sortedPhysical[i]));
            }
        }
    }

    // ---- Creation.

    /**
     * Maps {@code size} bytes (rounded up to 2 MiB) of hugepages from a file on {@code hugetlbfs}, a
     * hugetlbfs mount such as {@link #HUGETLBFS}, and translates them. The file is deleted once
     * mapped: the mapping holds the pages, which go back to the pool when the arena is closed.
     *
     * @throws IOException if too few hugepages are free (the message says how many are), the
     *     directory is not writable, or translation fails (not root); also if {@code hugetlbfs} is
     *     not hugetlbfs, which translation notices as pages that are not 2 MiB contiguous
     */
    public static DmaArena hugepages(Path hugetlbfs, long size) throws IOException {
        Objects.requireNonNull(hugetlbfs, "hugetlbfs == null");
        long length = roundUp(checkSize(size), HUGEPAGE_SIZE);
        Arena arena = Arena.ofShared();
        try {
            MemorySegment memory;
            try {
                memory = mapHugetlbfsFile(hugetlbfs, length, arena);
            } catch (IOException e) {
                throw new IOException("cannot map " + (length >> 20) + " MiB of 2 MiB hugepages from " + hugetlbfs
                        + " (" + (length / HUGEPAGE_SIZE) + " needed, " + freeHugepages() + " free): reserve them"
                        + " with hugepages=N on the kernel command line or in /proc/sys/vm/nr_hugepages", e);
            }
            // Fault each hugepage in, as MAP_POPULATE would: one write per 2 MiB maps all of it. hugetlbfs reserved
            // the pages at mmap (hugetlb_reserve_pages), so these faults cannot fail with SIGBUS.
            for (long offset = 0; offset < length; offset += HUGEPAGE_SIZE) {
                memory.set(ValueLayout.JAVA_BYTE, offset, (byte) 0);
            }
            long[] physical;
            try {
                physical = translateHugepages(memory);
            } catch (IOException e) {
                // Not root; or not hugetlbfs, where one write maps one 4 KiB page and the next is absent.
                throw new IOException(hugetlbfs + " gave no 2 MiB hugepages (not root, or not a hugetlbfs mount?): "
                        + e.getMessage(), e);
            }
            return new DmaArena(Backing.HUGEPAGES, memory, HUGEPAGE_SIZE, physical, arena::close);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Creates a file in {@code directory}, maps {@code length} bytes of it shared in {@code arena}, and deletes it.
     * FileChannel.map grows the new file to {@code length} with ftruncate, which hugetlbfs allows in whole hugepages.
     */
    private static MemorySegment mapHugetlbfsFile(Path directory, long length, Arena arena) throws IOException {
        // Not Files.createTempFile: its names come from a SecureRandom, which could wait for the kernel's entropy.
        Path file = directory.resolve("pith-dma-" + ProcessHandle.current().pid() + "-"
                + HUGETLBFS_FILES.incrementAndGet());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            return channel.map(MapMode.READ_WRITE, 0, length, arena);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Maps {@code size} bytes (rounded up to 2 MiB) of anonymous hugepages,
     * {@code mmap(MAP_HUGETLB|MAP_POPULATE)} through FFM, and translates them: for where no
     * hugetlbfs is mounted ({@link #hugepages(Path, long)} needs no downcall).
     *
     * @throws IOException if too few hugepages are free (the message says how many are), or
     *     translation fails (not root)
     */
    public static DmaArena hugepages(long size) throws IOException {
        long length = roundUp(checkSize(size), HUGEPAGE_SIZE);
        MemorySegment memory;
        try {
            // MAP_POPULATE faults every page in now: a hugepage shortage is an error here, not a SIGBUS later.
            memory = Linux.mmap(length, Linux.PROT_READ | Linux.PROT_WRITE,
                    Linux.MAP_SHARED | Linux.MAP_ANONYMOUS | Linux.MAP_HUGETLB | Linux.MAP_POPULATE, -1, 0);
        } catch (SyscallException e) {
            throw new IOException("cannot map " + (length >> 20) + " MiB of 2 MiB hugepages ("
                    + (length / HUGEPAGE_SIZE)
                    + " needed, " + freeHugepages() + " free): reserve them with hugepages=N on the kernel command line"
                    + " or in /proc/sys/vm/nr_hugepages", e);
        }
        try {
            return new DmaArena(Backing.HUGEPAGES, memory, HUGEPAGE_SIZE, translateHugepages(memory),
                    () -> Linux.munmap(memory));
        } catch (IOException | RuntimeException e) {
            unmapQuietly(memory, e);
            throw e;
        }
    }

    /**
     * Maps {@code size} bytes (rounded up to 4 KiB) of ordinary pages, locks them with mlock and
     * translates each; regions are then at most 4 KiB.
     *
     * @throws IOException if locking or translation fails (not root, RLIMIT_MEMLOCK)
     */
    public static DmaArena lockedPages(long size) throws IOException {
        long length = roundUp(checkSize(size), PAGE_SIZE);
        MemorySegment memory = Linux.mmap(length, Linux.PROT_READ | Linux.PROT_WRITE,
                Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS | Linux.MAP_POPULATE, -1, 0);
        try {
            Linux.mlock(memory); // resident for good: pagemap's answer stays true while the arena lives
            long[] physical;
            try (Pagemap pagemap = new Pagemap()) {
                physical = pagemap.physicalAddresses(memory.address(), toInt(length / PAGE_SIZE));
            }
            return new DmaArena(Backing.LOCKED_PAGES, memory, PAGE_SIZE, physical, () -> Linux.munmap(memory));
        } catch (IOException | RuntimeException e) {
            unmapQuietly(memory, e);
            throw e;
        }
    }

    /**
     * Returns anonymous hugepages if enough are free for {@code size} bytes, else locked pages;
     * {@link #allocate(long, Path)} without a hugetlbfs mount.
     */
    public static DmaArena allocate(long size) throws IOException {
        return allocate(size, null);
    }

    /**
     * Returns hugepages if enough are free for {@code size} bytes — from a file on {@code hugetlbfs}
     * if it is not null, else anonymous — and locked pages otherwise: what the guest platform uses.
     */
    public static DmaArena allocate(long size, Path hugetlbfs) throws IOException {
        if (freeHugepages() >= roundUp(checkSize(size), HUGEPAGE_SIZE) / HUGEPAGE_SIZE) {
            try {
                return hugetlbfs != null ? hugepages(hugetlbfs, size) : hugepages(size);
            } catch (IOException e) {
                // Raced with another user of the pool, or translation failed: the fallback still works.
                System.getLogger(DmaArena.class.getName()).log(System.Logger.Level.WARNING,
                        "hugepages unavailable, falling back to 4 KiB locked pages: " + e.getMessage());
            }
        }
        return lockedPages(size);
    }

    /**
     * Returns {@code size} bytes (rounded up to {@code chunkSize}) of ordinary shared memory whose
     * chunks get made-up physical addresses: descending, with a gap between neighbours. For host
     * tests; a software device finds the memory again with {@link #resolve}.
     *
     * @param chunkSize a power of two of at least 4096: 4096 behaves as {@link #lockedPages}, 2 MiB as
     *     {@link #hugepages}
     */
    public static DmaArena simulated(long size, long chunkSize) {
        if (chunkSize < PAGE_SIZE || Long.bitCount(chunkSize) != 1) {
            throw new IllegalArgumentException("chunkSize must be a power of two >= 4096: " + chunkSize);
        }
        long length = roundUp(checkSize(size), chunkSize);
        int chunks = toInt(length / chunkSize);
        Arena arena = Arena.ofShared();
        MemorySegment memory = arena.allocate(length, chunkSize);
        long[] physical = new long[chunks];
        for (int i = 0; i < chunks; i++) {
            physical[i] = SIMULATED_BASE + (long) (chunks - 1 - i) * 2 * chunkSize;
        }
        return new DmaArena(Backing.SIMULATED, memory, chunkSize, physical, arena::close);
    }

    /**
     * Returns an arena over memory the caller owns and frees (after closing the arena), with
     * physical addresses from {@code translator}, asked once per chunk.
     *
     * @param memory native memory whose address and size are multiples of {@code chunkSize}
     */
    public static DmaArena over(MemorySegment memory, long chunkSize, Translator translator) throws IOException {
        Objects.requireNonNull(memory, "memory == null");
        Objects.requireNonNull(translator, "translator == null");
        if (!memory.isNative() || chunkSize < 1 || Long.bitCount(chunkSize) != 1 || memory.byteSize() == 0
                || memory.address() % chunkSize != 0 || memory.byteSize() % chunkSize != 0) {
            throw new IllegalArgumentException("memory must be native, non-empty, and aligned to and a multiple of "
                    + "chunkSize, a power of two: " + memory + ", chunkSize " + chunkSize);
        }
        long[] physical = new long[toInt(memory.byteSize() / chunkSize)];
        for (int i = 0; i < physical.length; i++) {
            physical[i] = translator.physicalAddress(memory.asSlice(i * chunkSize, chunkSize));
        }
        return new DmaArena(Backing.SUPPLIED, memory, chunkSize, physical, null);
    }

    // ---- Use.

    /**
     * Carves a physically contiguous region of {@code size} bytes whose physical address is a
     * multiple of {@code alignment} (so is its virtual address). The memory is zero unless a
     * caller wrote to an arena's supplied memory before.
     *
     * @param alignment a power of two no larger than {@link #chunkSize()}
     * @throws IllegalArgumentException if {@code size} exceeds {@link #chunkSize()}: no region can
     *     be contiguous beyond one chunk
     * @throws IllegalStateException if the arena is used up or closed
     */
    public synchronized DmaRegion allocate(long size, long alignment) {
        if (size <= 0) {
            throw new IllegalArgumentException("size <= 0: " + size);
        }
        if (alignment < 1 || Long.bitCount(alignment) != 1 || alignment > chunkSize) {
            throw new IllegalArgumentException("alignment must be a power of two <= " + chunkSize + ": " + alignment);
        }
        if (size > chunkSize) {
            throw new IllegalArgumentException(
                    "cannot allocate " + size + " physically contiguous bytes: " + contiguity());
        }
        checkOpen();
        long offset = roundUp(cursor, alignment);
        if (offset / chunkSize != (offset + size - 1) / chunkSize) {
            offset = roundUp(offset, chunkSize); // would straddle two chunks: start at the next one
        }
        if (offset + size > memory.byteSize()) {
            throw new IllegalStateException("out of DMA memory: " + size + " bytes aligned to " + alignment
                    + " wanted, "
                    + (memory.byteSize() - cursor) + " of " + memory.byteSize() + " bytes left (" + backing + ")");
        }
        cursor = offset + size;
        long physical = chunkPhysical[(int) (offset / chunkSize)] + offset % chunkSize;
        return new DmaRegion(memory.asSlice(offset, size), physical);
    }

    /**
     * Returns a pool of {@code count} packet buffers of {@code bufferSize} bytes in this arena,
     * in as many contiguous regions as it takes (one per chunk's worth of buffers).
     *
     * @throws IllegalArgumentException if a buffer is larger than a chunk
     */
    public PacketBufferPool packetBuffers(int bufferSize, int count) {
        if (bufferSize <= 0 || count <= 0) {
            throw new IllegalArgumentException("bufferSize <= 0 or count <= 0: " + bufferSize + ", " + count);
        }
        if (bufferSize > chunkSize) {
            throw new IllegalArgumentException("a buffer of " + bufferSize + " bytes cannot be physically contiguous: "
                    + contiguity());
        }
        int perRegion = (int) Math.min(count, chunkSize / bufferSize);
        long alignment = Math.min(64, Long.lowestOneBit(bufferSize)); // cache lines for 2048-byte buffers
        if (perRegion == count) {
            return new SlabBufferPool(allocate((long) bufferSize * count, alignment), bufferSize, count);
        }
        SlabBufferPool[] slabs = new SlabBufferPool[(count + perRegion - 1) / perRegion];
        for (int i = 0, left = count; i < slabs.length; i++, left -= perRegion) {
            int buffers = Math.min(perRegion, left);
            slabs[i] = new SlabBufferPool(allocate((long) bufferSize * buffers, alignment), bufferSize, buffers);
        }
        return new DmaBufferPool(slabs);
    }

    /**
     * Returns this arena's memory at {@code physicalAddress}, {@code length} bytes: how a device
     * simulated in software reads what a descriptor points at.
     *
     * @throws IllegalArgumentException if the range is not inside one chunk of this arena — for a
     *     real device, a DMA to memory nobody gave it
     */
    public synchronized MemorySegment resolve(long physicalAddress, long length) {
        checkOpen();
        if (length < 0) {
            throw new IllegalArgumentException("length < 0: " + length);
        }
        int found = Arrays.binarySearch(sortedPhysical, physicalAddress);
        int index = found >= 0 ? found : -found - 2; // the chunk starting at or before the address
        if (index >= 0) {
            long within = physicalAddress - sortedPhysical[index];
            if (within < chunkSize && length <= chunkSize - within) {
                return memory.asSlice(sortedChunk[index] * chunkSize + within, length);
            }
        }
        throw new IllegalArgumentException("physical range 0x" + Long.toHexString(physicalAddress) + " + " + length
                + " bytes is not inside one chunk of this arena");
    }

    /**
     * Returns the physical address of {@code page}'s first byte through {@code /proc/self/pagemap}
     * (root only; the page must be present, e.g. touched and locked).
     */
    public static long physicalAddress(MemorySegment page) throws IOException {
        try (Pagemap pagemap = new Pagemap()) {
            return pagemap.physicalAddress(page.address());
        }
    }

    /** Returns {@code HugePages_Free} from /proc/meminfo: 2 MiB pages reserved and unused; 0 if unknown. */
    public static long freeHugepages() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("HugePages_Free:")) {
                    return Long.parseLong(line.substring("HugePages_Free:".length()).strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no /proc (not mounted yet), or a format this code does not know: no hugepages to count on
        }
        return 0;
    }

    public Backing backing() {
        return backing;
    }

    /** Returns the size of the physically contiguous chunks, which bounds a region's size. */
    public long chunkSize() {
        return chunkSize;
    }

    /** Returns the arena's size in bytes. */
    public long capacity() {
        return memory.byteSize();
    }

    /** Returns how many bytes are carved, padding included. */
    public synchronized long allocated() {
        return cursor;
    }

    /** Frees the memory; does nothing if already closed. Close the pools and queues over it first. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (releaser != null) {
            releaser.release();
        }
    }

    @Override
    public synchronized String toString() {
        return "DmaArena[" + backing + ", " + memory.byteSize() + " bytes in chunks of " + chunkSize + ", " + cursor
                + " allocated" + (closed ? ", closed]" : "]");
    }

    // ---- Helpers.

    private String contiguity() {
        return switch (backing) {
            case LOCKED_PAGES -> "this arena is 4 KiB locked pages, contiguous only within a page; reserve hugepages"
                    + " (hugepages=N on the kernel command line) for regions up to 2 MiB";
            case HUGEPAGES -> "this arena is 2 MiB hugepages; a region cannot span two of them";
            default -> "this arena's memory is contiguous in chunks of " + chunkSize + " bytes";
        };
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("DMA arena closed");
        }
    }

    private static long[] translateHugepages(MemorySegment memory) throws IOException {
        int pagesPerHugepage = (int) (HUGEPAGE_SIZE / PAGE_SIZE);
        long[] perPage;
        try (Pagemap pagemap = new Pagemap()) {
            perPage = pagemap.physicalAddresses(memory.address(), toInt(memory.byteSize() / PAGE_SIZE));
        }
        long[] physical = new long[perPage.length / pagesPerHugepage];
        for (int chunk = 0; chunk < physical.length; chunk++) {
            physical[chunk] = perPage[chunk * pagesPerHugepage];
            for (int page = 1; page < pagesPerHugepage; page++) {
                // A hugepage is one physical extent; check rather than trust, it costs nothing more than the read.
                if (perPage[chunk * pagesPerHugepage + page] != physical[chunk] + page * PAGE_SIZE) {
                    throw new IOException("hugepage " + chunk + " at 0x" + Long.toHexString(physical[chunk])
                            + " is not physically contiguous at its page " + page);
                }
            }
        }
        return physical;
    }

    private static void unmapQuietly(MemorySegment memory, Exception cause) {
        try {
            Linux.munmap(memory);
        } catch (SyscallException e) {
            cause.addSuppressed(e);
        }
    }

    private static long checkSize(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("size <= 0: " + size);
        }
        return size;
    }

    private static long roundUp(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    private static int toInt(long count) {
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too large: " + count + " chunks");
        }
        return (int) count;
    }
}
