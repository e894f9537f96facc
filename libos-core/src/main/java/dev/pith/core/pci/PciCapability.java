package dev.pith.core.pci;

/**
 * One entry of a function's capability list (PCI Local Bus 3.0 §6.7): its ID and where it sits
 * in configuration space. The body is read with {@link PciDevice#readConfig8} and its kin.
 *
 * @param id the capability ID, e.g. {@link PciDevice#CAP_ID_VENDOR} (0x09) or 0x11 (MSI-X)
 * @param offset the configuration-space offset of the capability's first byte (its ID)
 */
public record PciCapability(int id, int offset) {

    public PciCapability {
        if (id < 0 || id > 0xff || offset < PciDevice.HEADER_SIZE || offset > 0xfc) {
            throw new IllegalArgumentException("not a capability: id " + id + " at offset " + offset);
        }
    }

    @Override
    public String toString() {
        return String.format("cap 0x%02x @0x%02x", id, offset);
    }
}
