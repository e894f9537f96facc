package dev.pith.core.device;

/** Work a network device does for the stack, when it offers it. */
public enum NetOffload {
    /** Received frames have had their TCP/UDP checksums verified by the device; frames that failed are not delivered. */
    RX_CHECKSUM,
    /** The device computes the TCP/UDP checksum of transmitted frames; the stack may leave it for the device. */
    TX_CHECKSUM
}
