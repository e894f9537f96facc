package dev.pith.core.pci;

/**
 * The address of one PCI function as sysfs names it, {@code domain:bus:device.function} in hex:
 * {@code 0000:00:03.0}. Addresses order as sysfs lists them: by domain, bus, device, then function.
 *
 * @param domain PCI segment group, 0 to 0xffff (QEMU's PC has one, 0)
 * @param bus 0 to 0xff
 * @param device 0 to 0x1f
 * @param function 0 to 7
 */
public record PciAddress(int domain, int bus, int device, int function) implements Comparable<PciAddress> {

    public PciAddress {
        if (domain < 0 || domain > 0xffff || bus < 0 || bus > 0xff || device < 0 || device > 0x1f
                || function < 0 || function > 7) {
            throw new IllegalArgumentException("not a PCI address: domain " + domain + ", bus " + bus + ", device "
                    + device + ", function " + function);
        }
    }

    /**
     * Parses {@code "0000:00:03.0"}, the name of a directory under {@code /sys/bus/pci/devices}.
     *
     * @throws IllegalArgumentException if {@code text} is not of that form
     */
    public static PciAddress parse(String text) {
        // Exactly "DDDD:BB:dd.f": 4, 2, 2 and 1 hex digits.
        if (text.length() != 12 || text.charAt(4) != ':' || text.charAt(7) != ':' || text.charAt(10) != '.') {
            throw new IllegalArgumentException("not a PCI address (want dddd:bb:dd.f): \"" + text + "\"");
        }
        try {
            return new PciAddress(Integer.parseInt(text, 0, 4, 16), Integer.parseInt(text, 5, 7, 16),
                    Integer.parseInt(text, 8, 10, 16), Integer.parseInt(text, 11, 12, 16));
        } catch (IllegalArgumentException e) { // NumberFormatException included
            throw new IllegalArgumentException("not a PCI address (want dddd:bb:dd.f): \"" + text + "\"", e);
        }
    }

    @Override
    public int compareTo(PciAddress other) {
        return Long.compare(ordinal(), other.ordinal());
    }

    /** Domain, bus, device and function as one number, in that order of significance. */
    private long ordinal() {
        return (long) domain << 16 | bus << 8 | device << 3 | function;
    }

    /** Returns the sysfs name, e.g. {@code 0000:00:03.0}. */
    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%x", domain, bus, device, function);
    }
}
