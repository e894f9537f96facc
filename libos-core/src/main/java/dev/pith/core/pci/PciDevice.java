package dev.pith.core.pci;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One PCI function, driven from user space through sysfs ({@code Documentation/PCI/sysfs-pci.rst}):
 * configuration space through the {@code config} file, memory BARs mapped from {@code resourceN}.
 * As ixy's src/pci.c, this is all a user-space driver needs of PCI.
 *
 * <pre>{@code
 * for (PciAddress address : PciDevice.scan(PciDevice.SYSFS, 0x1af4, 0x1041)) {   // virtio-net, modern
 *     PciDevice pci = PciDevice.open(PciDevice.SYSFS, address);
 *     MemorySegment bar4 = pci.mapBar(4);
 *     pci.enableBusMaster();
 * }
 * }</pre>
 *
 * <p>Configuration accesses are positional {@link FileChannel} reads and writes of exactly 1, 2 or 4
 * bytes at the register's offset, little-endian (PCI is little-endian): the JDK makes each one
 * pread or pwrite of that length, and the kernel turns it into one configuration cycle of that
 * width ({@code pci_read_config_byte/word/dword} in drivers/pci/pci-sysfs.c). Without root, reads
 * beyond the first 64 bytes return nothing; this class then reports a short read instead of
 * inventing zeros.
 *
 * <p>All of it is plain Java I/O, no FFM downcall: under emulation each downcall handle costs a few
 * hundred milliseconds to make (DESIGN.md §3), and a guest opens its devices while it boots.
 *
 * <p>The sysfs root is a parameter so that tests can build a fake tree in a temporary directory:
 * {@code <root>/bus/pci/devices/<address>/{vendor,device,class,config,resource,resourceN}}.
 *
 * <p>Not thread-safe: drivers set devices up on one thread. {@link #close()} unmaps every BAR this
 * object mapped; touching a mapping afterwards is a SIGSEGV, not an exception.
 */
public final class PciDevice implements AutoCloseable {

    /** Where Linux mounts sysfs. */
    public static final Path SYSFS = Path.of("/sys");

    /** Size of the type 0 header; capabilities live after it (PCI Local Bus 3.0 §6.1). */
    public static final int HEADER_SIZE = 0x40;
    /** Command register, 16 bits (PCI Local Bus 3.0 §6.2.2). */
    public static final int COMMAND = 0x04;
    /** Status register, 16 bits (§6.2.3). */
    public static final int STATUS = 0x06;
    /** Capabilities Pointer, 8 bits (§6.7). */
    public static final int CAPABILITIES_POINTER = 0x34;
    /** Command bit 1: respond to memory space accesses (§6.2.2). */
    public static final int COMMAND_MEMORY_SPACE = 1 << 1;
    /** Command bit 2: Bus Master Enable, without which the device cannot DMA (§6.2.2). */
    public static final int COMMAND_BUS_MASTER = 1 << 2;
    /** Command bit 10: INTx emulation disable (§6.2.2); uio_pci_generic re-arms INTx by clearing it. */
    public static final int COMMAND_INTX_DISABLE = 1 << 10;
    /** Status bit 4: the capability list exists (§6.2.3). */
    public static final int STATUS_CAPABILITIES_LIST = 1 << 4;
    /** Capability ID of vendor-specific capabilities, which virtio uses for its structures. */
    public static final int CAP_ID_VENDOR = 0x09;
    /** Capability ID of MSI-X. */
    public static final int CAP_ID_MSIX = 0x11;
    /** At most this many capabilities fit after the header, 4 bytes each: (256 - 64) / 4. A longer walk is a loop. */
    public static final int MAX_CAPABILITIES = 48;

    private final PciAddress address;
    private final Path directory;
    private final int vendorId;
    private final int deviceId;
    private final int classCode;
    private final long configSize;
    private final FileChannel config;
    /** Owns the BAR mappings: closing it unmaps them. */
    private final Arena arena = Arena.ofShared();
    /** 4 bytes for config accesses, little-endian; direct, so the JDK reads into it without a bounce buffer. */
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(4).order(ByteOrder.LITTLE_ENDIAN);
    /** BAR mappings by index, made on first {@link #mapBar}; null until then. */
    private final MemorySegment[] mappedBars = new MemorySegment[6];
    private boolean closed;

    private PciDevice(PciAddress address, Path directory, int vendorId, int deviceId, int classCode,
            long configSize, FileChannel config) {
        this.address = address;
        this.directory = directory;
        this.vendorId = vendorId;
        this.deviceId = deviceId;
        this.classCode = classCode;
        this.configSize = configSize;
        this.config = config;
    }

    // ---- Discovery.

    /** Returns every PCI function under {@code sysfsRoot}/bus/pci/devices, in address order; none without PCI. */
    public static List<PciAddress> scan(Path sysfsRoot) throws IOException {
        Path devices = devicesDirectory(sysfsRoot);
        List<PciAddress> found = new ArrayList<>();
        if (!Files.isDirectory(devices)) {
            return found;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(devices)) {
            for (Path entry : entries) {
                found.add(PciAddress.parse(entry.getFileName().toString()));
            }
        }
        found.sort(null); // PciAddress orders as sysfs names do
        return found;
    }

    /** Returns the functions with this vendor and device ID, e.g. 0x1af4 and 0x1041 for a modern virtio-net device. */
    public static List<PciAddress> scan(Path sysfsRoot, int vendorId, int deviceId) throws IOException {
        List<PciAddress> matching = new ArrayList<>();
        for (PciAddress address : scan(sysfsRoot)) {
            Path directory = devicesDirectory(sysfsRoot).resolve(address.toString());
            if (readHex(directory, "vendor") == vendorId && readHex(directory, "device") == deviceId) {
                matching.add(address);
            }
        }
        return matching;
    }

    /**
     * Opens the function at {@code address}: reads its IDs and opens its configuration space for
     * reading and writing.
     *
     * @throws IOException if the function does not exist or its files cannot be read or opened
     */
    public static PciDevice open(Path sysfsRoot, PciAddress address) throws IOException {
        Objects.requireNonNull(address, "address == null");
        Path directory = devicesDirectory(sysfsRoot).resolve(address.toString());
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "no PCI function " + address);
        }
        int vendorId = readHex(directory, "vendor");
        int deviceId = readHex(directory, "device");
        int classCode = readHex(directory, "class");
        FileChannel config = FileChannel.open(directory.resolve("config"), StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            long configSize = config.size(); // 256 for conventional PCI, 4096 for PCI Express
            return new PciDevice(address, directory, vendorId, deviceId, classCode, configSize, config);
        } catch (IOException | RuntimeException e) {
            config.close();
            throw e;
        }
    }

    private static Path devicesDirectory(Path sysfsRoot) {
        return Objects.requireNonNull(sysfsRoot, "sysfsRoot == null").resolve("bus/pci/devices");
    }

    /** Reads a sysfs attribute such as {@code vendor}: one hex number, "0x1af4\n". */
    private static int readHex(Path directory, String name) throws IOException {
        String text = Files.readString(directory.resolve(name)).strip();
        try {
            return Integer.parseUnsignedInt(text.startsWith("0x") ? text.substring(2) : text, 16);
        } catch (NumberFormatException e) {
            throw new IOException(directory.getFileName() + ": " + name + " is not a hex number: \"" + text + "\"", e);
        }
    }

    // ---- Identity.

    public PciAddress address() {
        return address;
    }

    /** Returns the vendor ID, e.g. 0x1af4 (Red Hat, virtio). */
    public int vendorId() {
        return vendorId;
    }

    /** Returns the device ID, e.g. 0x1041 (modern virtio-net). */
    public int deviceId() {
        return deviceId;
    }

    /** Returns the 24-bit class code: base class, subclass, programming interface (0x020000 is Ethernet). */
    public int classCode() {
        return classCode;
    }

    // ---- Configuration space.

    /** Reads the byte at {@code offset} of configuration space. */
    public int readConfig8(int offset) throws IOException {
        readConfig(offset, 1);
        return Byte.toUnsignedInt(scratch.get(0));
    }

    /** Reads the 16-bit little-endian register at {@code offset}, which must be 2-aligned. */
    public int readConfig16(int offset) throws IOException {
        readConfig(offset, 2);
        return Short.toUnsignedInt(scratch.getShort(0));
    }

    /** Reads the 32-bit little-endian register at {@code offset}, which must be 4-aligned. */
    public int readConfig32(int offset) throws IOException {
        readConfig(offset, 4);
        return scratch.getInt(0);
    }

    /** Writes the byte at {@code offset} of configuration space. */
    public void writeConfig8(int offset, int value) throws IOException {
        scratch.clear().put(0, (byte) value);
        writeConfig(offset, 1);
    }

    /** Writes the 16-bit little-endian register at {@code offset}, which must be 2-aligned. */
    public void writeConfig16(int offset, int value) throws IOException {
        scratch.clear().putShort(0, (short) value);
        writeConfig(offset, 2);
    }

    /** Writes the 32-bit little-endian register at {@code offset}, which must be 4-aligned. */
    public void writeConfig32(int offset, int value) throws IOException {
        scratch.clear().putInt(0, value);
        writeConfig(offset, 4);
    }

    private void readConfig(int offset, int width) throws IOException {
        checkConfigAccess(offset, width);
        // One pread of exactly width bytes (FileChannelImpl retries only on EINTR); -1 is end of file.
        int count = Math.max(0, config.read(scratch.clear().limit(width), offset));
        if (count != width) {
            // sysfs gives non-root readers only the first 64 bytes (pci_read_config in drivers/pci/pci-sysfs.c).
            throw new IOException(address + ": short read of config space at 0x" + Integer.toHexString(offset)
                    + ": " + count + " of " + width + " bytes" + (offset >= HEADER_SIZE ? " (not root?)" : ""));
        }
    }

    private void writeConfig(int offset, int width) throws IOException {
        checkConfigAccess(offset, width);
        int count = config.write(scratch.clear().limit(width), offset);
        if (count != width) {
            throw new IOException(address + ": short write of config space at 0x" + Integer.toHexString(offset)
                    + ": " + count + " of " + width + " bytes");
        }
    }

    private void checkConfigAccess(int offset, int width) {
        if (closed) {
            throw new IllegalStateException(address + " is closed");
        }
        if (offset < 0 || offset % width != 0 || offset + width > configSize) {
            throw new IllegalArgumentException(address + ": config access of " + width + " bytes at 0x"
                    + Integer.toHexString(offset) + " is unaligned or outside the " + configSize
                    + "-byte config space");
        }
    }

    /**
     * Walks the capability list (PCI Local Bus 3.0 §6.7) from the pointer at 0x34: an empty list
     * if status bit 4 says there is none. The two low bits of every pointer are reserved and
     * masked, as Linux's {@code __pci_find_next_cap_ttl} does.
     *
     * @throws IOException naming the device and offset if a pointer leaves 0x40..0xfc, or the list
     *     has more than {@value #MAX_CAPABILITIES} entries (a loop)
     */
    public List<PciCapability> capabilities() throws IOException {
        List<PciCapability> capabilities = new ArrayList<>();
        if ((readConfig16(STATUS) & STATUS_CAPABILITIES_LIST) == 0) {
            return capabilities;
        }
        int pointerAt = CAPABILITIES_POINTER;
        int pointer = readConfig8(pointerAt) & ~3;
        while (pointer != 0) {
            if (pointer < HEADER_SIZE || pointer > 0xfc) {
                throw new IOException(address + ": malformed capability list: pointer 0x" + Integer.toHexString(pointer)
                        + " at config offset 0x" + Integer.toHexString(pointerAt) + " is outside 0x40..0xfc");
            }
            if (capabilities.size() == MAX_CAPABILITIES) {
                throw new IOException(address + ": malformed capability list: more than " + MAX_CAPABILITIES
                        + " entries (a loop?), last pointer 0x" + Integer.toHexString(pointer) + " at config offset 0x"
                        + Integer.toHexString(pointerAt));
            }
            capabilities.add(new PciCapability(readConfig8(pointer), pointer));
            pointerAt = pointer + 1;
            pointer = readConfig8(pointerAt) & ~3;
        }
        return capabilities;
    }

    /**
     * Sets Memory Space and Bus Master Enable in the command register (PCI Local Bus 3.0 §6.2.2):
     * the device then answers accesses to its memory BARs and may read and write guest memory.
     */
    public void enableBusMaster() throws IOException {
        int command = readConfig16(COMMAND);
        int wanted = command | COMMAND_MEMORY_SPACE | COMMAND_BUS_MASTER;
        if (wanted != command) {
            writeConfig16(COMMAND, wanted);
        }
    }

    // ---- BARs.

    /** Returns BAR {@code index} as the {@code resource} file describes it (line {@code index}). */
    public PciBar bar(int index) throws IOException {
        Objects.checkIndex(index, 6);
        List<String> lines = Files.readAllLines(directory.resolve("resource"));
        if (index >= lines.size()) {
            throw new IOException(address + ": resource file has " + lines.size() + " lines, no BAR " + index);
        }
        String[] fields = lines.get(index).strip().split("\\s+");
        try {
            long start = Long.decode(fields[0]);
            long end = Long.decode(fields[1]);
            long flags = Long.decode(fields[2]);
            long size = (start == 0 && end == 0) ? 0 : end - start + 1;
            if (size < 0) {
                throw new IOException(address + ": BAR " + index + " ends before it starts: " + lines.get(index));
            }
            return new PciBar(index, start, size, flags);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new IOException(address + ": resource line " + index + " is not \"start end flags\": \""
                    + lines.get(index) + "\"", e);
        }
    }

    /**
     * Maps memory BAR {@code index} from sysfs {@code resourceN} ({@code MAP_SHARED}, through
     * {@link FileChannel#map(MapMode, long, long, Arena)}), whole, once: later calls return the same
     * mapping, which {@link #close()} unmaps. Access it only with single, aligned, exact-width loads
     * and stores (see {@code dev.pith.core.virtio.Registers}).
     *
     * <p>Uncached without O_SYNC: for {@code resourceN} the kernel sets the page attributes itself,
     * always UC- ({@code pci_mmap_resource_range} in drivers/pci/mmap.c applies
     * {@code pgprot_device}, which is {@code pgprot_noncached} on x86); only {@code resourceN_wc},
     * offered for prefetchable BARs, maps write-combining. O_SYNC selects uncached pages only for
     * {@code /dev/mem} ({@code phys_mem_access_prot_allowed} in arch/x86/mm/pat/memtype.c tests
     * O_DSYNC), which this class does not use.
     *
     * @throws IOException if the BAR is unused or an I/O BAR, or the file cannot be mapped
     */
    public MemorySegment mapBar(int index) throws IOException {
        Objects.checkIndex(index, 6);
        if (closed) {
            throw new IllegalStateException(address + " is closed");
        }
        if (mappedBars[index] != null) {
            return mappedBars[index];
        }
        PciBar bar = bar(index);
        if (!bar.isPresent()) {
            throw new IOException(address + ": BAR " + index + " is unused");
        }
        if (!bar.isMemory()) {
            throw new IOException(address + ": " + bar + " is not a memory BAR; only memory BARs can be mapped");
        }
        // The file's size is the BAR's (pci_create_attr sets it), so map() has nothing to extend.
        try (FileChannel resource = FileChannel.open(directory.resolve("resource" + index), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            mappedBars[index] = resource.map(MapMode.READ_WRITE, 0, bar.size(), arena);
        } // the mapping outlives the descriptor (man 2 mmap)
        return mappedBars[index];
    }

    /** Unmaps the BARs this object mapped and closes configuration space; does nothing if already closed. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        Arrays.fill(mappedBars, null);
        try {
            config.close();
        } finally {
            arena.close(); // munmap of every BAR
        }
    }

    @Override
    public String toString() {
        return String.format("%s [%04x:%04x] class %06x", address, vendorId, deviceId, classCode);
    }
}
