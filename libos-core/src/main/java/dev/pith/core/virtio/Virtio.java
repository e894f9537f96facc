package dev.pith.core.virtio;

/**
 * Numbers from the virtio 1.2 specification that every driver needs: PCI IDs (§4.1.2), device
 * status bits (§2.1) and the reserved, device-independent feature bits (§6). Device types add
 * their own feature bits (0–23) in their drivers.
 */
public final class Virtio {
    private Virtio() {}

    // ---- §4.1.2 PCI Device Discovery.

    /** Every virtio PCI device has vendor ID 0x1af4. */
    public static final int PCI_VENDOR_ID = 0x1af4;
    /** A modern device's PCI device ID is 0x1040 + its virtio device ID. */
    public static final int PCI_DEVICE_ID_MODERN_BASE = 0x1040;
    /** Virtio device ID of a network card (§5.1). */
    public static final int DEVICE_ID_NET = 1;
    /** Virtio device ID of a block device (§5.2). */
    public static final int DEVICE_ID_BLOCK = 2;
    /** Modern-only virtio-net: QEMU's {@code -device virtio-net-pci,disable-legacy=on}. */
    public static final int PCI_DEVICE_ID_NET = PCI_DEVICE_ID_MODERN_BASE + DEVICE_ID_NET;
    /** Modern-only virtio-blk. */
    public static final int PCI_DEVICE_ID_BLOCK = PCI_DEVICE_ID_MODERN_BASE + DEVICE_ID_BLOCK;
    /** Transitional virtio-net, which also offers the modern interface Pith uses. */
    public static final int PCI_DEVICE_ID_NET_TRANSITIONAL = 0x1000;
    /** Transitional virtio-blk. */
    public static final int PCI_DEVICE_ID_BLOCK_TRANSITIONAL = 0x1001;

    // ---- §2.1 Device Status Field.

    /** The guest OS has found the device and recognised it as a valid virtio device. */
    public static final int ACKNOWLEDGE = 1;
    /** The guest OS knows how to drive the device. */
    public static final int DRIVER = 2;
    /** The driver is set up and ready to drive the device. */
    public static final int DRIVER_OK = 4;
    /** The driver has acknowledged all the features it understands; feature negotiation is complete. */
    public static final int FEATURES_OK = 8;
    /** The device has hit an error from which it cannot recover. */
    public static final int DEVICE_NEEDS_RESET = 64;
    /** Something went wrong in the guest and it has given up on the device. */
    public static final int FAILED = 128;

    // ---- §6 Reserved Feature Bits: bit numbers, as the specification gives them.

    /** Descriptors may refer to tables of descriptors (§2.7.5.3). Pith does not use it. */
    public static final int F_INDIRECT_DESC = 28;
    /** The {@code used_event} and {@code avail_event} fields suppress notifications (§2.7.7, §2.7.10). */
    public static final int F_EVENT_IDX = 29;
    /** Compliance with this specification, not the legacy interface: required by Pith. */
    public static final int F_VERSION_1 = 32;
    /** The device sits behind an IOMMU or similar; Pith never accepts it (guest-physical addresses only). */
    public static final int F_ACCESS_PLATFORM = 33;
    /** Packed virtqueues (§2.8); Pith uses split virtqueues. */
    public static final int F_RING_PACKED = 34;
    /** Buffers are used in the order they were made available. */
    public static final int F_IN_ORDER = 35;
    /** Hardware needs platform memory ordering; not for a software device like QEMU's. */
    public static final int F_ORDER_PLATFORM = 36;
    /** Single Root I/O Virtualization. */
    public static final int F_SR_IOV = 37;
    /** Notifications carry extra data. Pith writes the plain 16-bit queue index. */
    public static final int F_NOTIFICATION_DATA = 38;

    /** Returns the mask of feature bit {@code feature}: {@code 1L << feature}. */
    public static long feature(int feature) {
        if (feature < 0 || feature > 63) {
            throw new IllegalArgumentException("feature bit outside 0..63: " + feature);
        }
        return 1L << feature;
    }

    /** Spells a feature set for messages: names for the bits of §6, numbers for the rest, e.g. "VERSION_1|5". */
    public static String featureNames(long features) {
        if (features == 0) {
            return "none";
        }
        StringBuilder names = new StringBuilder();
        for (int bit = 0; bit < 64; bit++) {
            if ((features & (1L << bit)) != 0) {
                if (!names.isEmpty()) {
                    names.append('|');
                }
                names.append(switch (bit) {
                    case F_INDIRECT_DESC -> "INDIRECT_DESC";
                    case F_EVENT_IDX -> "EVENT_IDX";
                    case F_VERSION_1 -> "VERSION_1";
                    case F_ACCESS_PLATFORM -> "ACCESS_PLATFORM";
                    case F_RING_PACKED -> "RING_PACKED";
                    case F_IN_ORDER -> "IN_ORDER";
                    case F_ORDER_PLATFORM -> "ORDER_PLATFORM";
                    case F_SR_IOV -> "SR_IOV";
                    case F_NOTIFICATION_DATA -> "NOTIFICATION_DATA";
                    default -> Integer.toString(bit);
                });
            }
        }
        return names.toString();
    }

    /** Spells a device status for messages, e.g. "ACKNOWLEDGE|DRIVER|FEATURES_OK"; 0 is "reset". */
    public static String statusNames(int status) {
        if (status == 0) {
            return "reset";
        }
        StringBuilder names = new StringBuilder();
        String[] bitNames = {"ACKNOWLEDGE", "DRIVER", "DRIVER_OK", "FEATURES_OK", "16", "32", "DEVICE_NEEDS_RESET",
                "FAILED"};
        for (int bit = 0; bit < 8; bit++) {
            if ((status & (1 << bit)) != 0) {
                names.append(names.isEmpty() ? "" : "|").append(bitNames[bit]);
            }
        }
        return names.toString();
    }
}
