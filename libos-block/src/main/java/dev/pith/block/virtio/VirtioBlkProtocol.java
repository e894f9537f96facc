package dev.pith.block.virtio;

/**
 * The numbers of the virtio-blk device (virtio 1.2 §5.2): feature bits, the device configuration's
 * field offsets, request types and status values, and the request header's layout.
 */
final class VirtioBlkProtocol {
    private VirtioBlkProtocol() {}

    // ---- §5.2.3 Feature bits (bit numbers).

    /** Maximum size of any single segment is in {@code size_max}. */
    static final int F_SIZE_MAX = 1;
    /** Maximum number of segments in a request is in {@code seg_max}. */
    static final int F_SEG_MAX = 2;
    /** Disk-style geometry in {@code geometry}; not used by Pith. */
    static final int F_GEOMETRY = 4;
    /** The device is read-only: any write request fails (§5.2.6.2). */
    static final int F_RO = 5;
    /** The device's block size is in {@code blk_size}. */
    static final int F_BLK_SIZE = 6;
    /** The device takes VIRTIO_BLK_T_FLUSH: it has a volatile write cache. */
    static final int F_FLUSH = 9;
    /** Alignment hints in {@code topology}; not used by Pith. */
    static final int F_TOPOLOGY = 10;
    /** The driver may switch the cache between writeback and writethrough; not used by Pith. */
    static final int F_CONFIG_WCE = 11;
    /** Several request queues; Pith uses one. */
    static final int F_MQ = 12;
    /** VIRTIO_BLK_T_DISCARD; not used by Pith. */
    static final int F_DISCARD = 13;
    /** VIRTIO_BLK_T_WRITE_ZEROES; not used by Pith. */
    static final int F_WRITE_ZEROES = 14;

    // ---- §5.2.4 struct virtio_blk_config: byte offsets, all fields little-endian.

    /** le64 capacity, in 512-byte sectors whatever {@code blk_size} says. */
    static final int CONFIG_CAPACITY = 0;
    /** le32 size_max: the largest single data segment, in bytes. */
    static final int CONFIG_SIZE_MAX = 8;
    /** le32 seg_max: the most data segments in one request. */
    static final int CONFIG_SEG_MAX = 12;
    /** le32 blk_size: the device's logical block size, in bytes. */
    static final int CONFIG_BLK_SIZE = 20;
    /** The configuration up to and including blk_size: what this driver reads. */
    static final int CONFIG_MIN_LENGTH = 24;

    // ---- §5.2.6 struct virtio_blk_req { le32 type; le32 reserved; le64 sector; u8 data[]; u8 status; }

    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;

    static final int S_OK = 0;
    static final int S_IOERR = 1;
    static final int S_UNSUPP = 2;
    /** Written into the status byte before a request is exposed; no device writes it (§5.2.6 has 0–2). */
    static final int S_NOT_WRITTEN = 0xff;

    /** The device-readable header: type, reserved, sector. */
    static final int HEADER_LENGTH = 16;
    static final int HEADER_TYPE = 0;
    static final int HEADER_RESERVED = 4;
    static final int HEADER_SECTOR = 8;
    /** The device-writable status byte that ends every request. */
    static final int STATUS_LENGTH = 1;

    /** §5.2.6.1: the data of a VIRTIO_BLK_T_GET_ID request MUST be 20 bytes. */
    static final int ID_BYTES = 20;
    /** The protocol's sector: {@code sector} and {@code capacity} count 512-byte units (§5.2.4, §5.2.6). */
    static final int SECTOR_SIZE = 512;

    /** Spells a request type for messages. */
    static String typeName(int type) {
        return switch (type) {
            case T_IN -> "IN";
            case T_OUT -> "OUT";
            case T_FLUSH -> "FLUSH";
            case T_GET_ID -> "GET_ID";
            default -> Integer.toString(type);
        };
    }
}
