package dev.pith.net;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds and timeouts of a network interface. {@link #defaults()} suits a server on a LAN or
 * behind QEMU's user networking; change one value with the {@code with*} methods.
 *
 * @param arpCacheSize most ARP entries held (resolved or pending)
 * @param arpEntryLifetime how long a resolved binding is trusted
 * @param arpRetries requests sent before a resolution gives up
 * @param arpRetryInterval time between those requests
 * @param arpQueueLimit most frames waiting for resolutions, in all
 * @param reassemblyDatagrams most IPv4 datagrams in reassembly at once
 * @param reassemblyBytes most bytes held by reassembly, in all
 * @param reassemblyTimeout how long an incomplete datagram is kept (RFC 791 suggests 15 s; Linux uses 30 s)
 * @param icmpErrorsPerSecond most ICMP error messages sent per second (RFC 1812 §4.3.2.8)
 * @param vlanId the 802.1Q VLAN the interface is on (1..4094), or 0 for untagged frames
 * @param rxBatch most frames taken from the device per loop turn
 */
public record InterfaceSettings(int arpCacheSize, Duration arpEntryLifetime, int arpRetries, Duration arpRetryInterval,
        int arpQueueLimit, int reassemblyDatagrams, int reassemblyBytes, Duration reassemblyTimeout,
        int icmpErrorsPerSecond, int vlanId, int rxBatch) {

    public InterfaceSettings {
        positive("arpCacheSize", arpCacheSize);
        positive("arpRetries", arpRetries);
        positive("arpQueueLimit", arpQueueLimit);
        positive("reassemblyDatagrams", reassemblyDatagrams);
        positive("reassemblyBytes", reassemblyBytes);
        positive("rxBatch", rxBatch);
        Objects.requireNonNull(arpEntryLifetime, "arpEntryLifetime == null");
        Objects.requireNonNull(arpRetryInterval, "arpRetryInterval == null");
        Objects.requireNonNull(reassemblyTimeout, "reassemblyTimeout == null");
        if (icmpErrorsPerSecond < 0) {
            throw new IllegalArgumentException("icmpErrorsPerSecond < 0: " + icmpErrorsPerSecond);
        }
        if (vlanId < 0 || vlanId > 4094) {
            throw new IllegalArgumentException("vlanId must be 1..4094, or 0 for none: " + vlanId);
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " < 1: " + value);
        }
    }

    /** Returns the defaults: 256 ARP entries for 60 s, 3 tries 1 s apart, 64 waiting frames; 16 datagrams or 256 KiB in reassembly for 30 s; 100 ICMP errors/s; no VLAN; batches of 32. */
    public static InterfaceSettings defaults() {
        return new InterfaceSettings(256, Duration.ofSeconds(60), 3, Duration.ofSeconds(1), 64,
                16, 256 * 1024, Duration.ofSeconds(30), 100, 0, 32);
    }

    /** Returns a copy on VLAN {@code vlanId}. */
    public InterfaceSettings withVlan(int vlanId) {
        return new InterfaceSettings(arpCacheSize, arpEntryLifetime, arpRetries, arpRetryInterval, arpQueueLimit,
                reassemblyDatagrams, reassemblyBytes, reassemblyTimeout, icmpErrorsPerSecond, vlanId, rxBatch);
    }

    /** Returns a copy with another reassembly timeout. */
    public InterfaceSettings withReassemblyTimeout(Duration timeout) {
        return new InterfaceSettings(arpCacheSize, arpEntryLifetime, arpRetries, arpRetryInterval, arpQueueLimit,
                reassemblyDatagrams, reassemblyBytes, timeout, icmpErrorsPerSecond, vlanId, rxBatch);
    }
}
