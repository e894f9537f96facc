package dev.pith.core.pci;

/**
 * One Base Address Register's window as the kernel assigned it: a line of sysfs's {@code resource}
 * file ({@code 0x<start> 0x<end> 0x<flags>}, drivers/pci/pci-sysfs.c {@code resource_show}).
 *
 * @param index the BAR number, 0 to 5
 * @param start the first host address of the window (0 if the BAR is unused)
 * @param size the window's size in bytes (0 if the BAR is unused)
 * @param flags the kernel's {@code IORESOURCE_*} bits (include/linux/ioport.h)
 */
public record PciBar(int index, long start, long size, long flags) {

    /** {@code IORESOURCE_IO}: an I/O port window. */
    public static final long IORESOURCE_IO = 0x100;
    /** {@code IORESOURCE_MEM}: a memory window. */
    public static final long IORESOURCE_MEM = 0x200;
    /** {@code IORESOURCE_PREFETCH}. */
    public static final long IORESOURCE_PREFETCH = 0x2000;
    /** {@code IORESOURCE_MEM_64}: a 64-bit BAR (it uses the next BAR's register for its high half). */
    public static final long IORESOURCE_MEM_64 = 0x0010_0000;

    /** Returns whether the BAR has a window at all. */
    public boolean isPresent() {
        return size > 0;
    }

    /** Returns whether the window is memory, which {@link PciDevice#mapBar} can map. */
    public boolean isMemory() {
        return isPresent() && (flags & IORESOURCE_MEM) != 0;
    }

    /** Returns whether the window is I/O ports, which Java can reach only through pread/pwrite of {@code resourceN}. */
    public boolean isIo() {
        return isPresent() && (flags & IORESOURCE_IO) != 0;
    }

    @Override
    public String toString() {
        return isPresent()
                ? String.format("BAR%d %s 0x%x+0x%x flags 0x%x", index, isMemory() ? "mem" : isIo() ? "io" : "?",
                        start, size, flags)
                : "BAR" + index + " unused";
    }
}
