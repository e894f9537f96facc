package dev.pith.net.internal.dhcp;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The timing of a {@link DhcpClient}. {@link #defaults()} favours a fast boot over the RFCs'
 * gentler pace; each value says where it departs from them.
 *
 * @param initialRetransmission the first wait for a reply in SELECTING and REQUESTING, doubled after each
 *     try. RFC 2131 §4.1 starts at 4 s; we start at 1 s so that a lost DISCOVER costs a booting unikernel
 *     one second, not four
 * @param maxRetransmission the wait stops doubling here (RFC 2131 §4.1: 64 s)
 * @param retransmissionJitter each wait is moved by a uniform random amount in ±this (RFC 2131 §4.1: ±1 s),
 *     but never by more than half the wait, so that the 1 s first wait stays between 0.5 s and 1.5 s
 * @param arpProbes ARP probes for an acknowledged address before using it (RFC 5227 §2.1.1), 0 for none.
 *     RFC 5227 sends 3 probes 1-2 s apart after a random wait of up to 1 s, several seconds at boot; we
 *     default to 2
 * @param arpProbeInterval time between two probes (RFC 5227: PROBE_MIN 1 s to PROBE_MAX 2 s; default 100 ms)
 * @param arpProbeWait time after the last probe during which an answer still means a conflict
 *     (RFC 5227: ANNOUNCE_WAIT 2 s; default 200 ms)
 * @param declineWait wait after a DHCPDECLINE before discovering again (RFC 2131 §3.1 step 5: at least 10 s)
 * @param nakWait wait after a DHCPNAK before discovering again, doubled on each NAK in a row up to
 *     {@code maxRetransmission}. RFC 2131 §3.1 restarts at once; the wait keeps a client and a server that
 *     disagree from flooding the link (dhcpcd does the same)
 * @param hostName sent as option 12 (RFC 2132 §3.14), 1..255 printable ASCII characters, if present
 */
public record DhcpSettings(Duration initialRetransmission, Duration maxRetransmission, Duration retransmissionJitter,
        int arpProbes, Duration arpProbeInterval, Duration arpProbeWait, Duration declineWait, Duration nakWait,
        Optional<String> hostName) {

    /** Longest of any duration here: a day is already absurd, and keeps the arithmetic far from overflow. */
    private static final Duration MAX_DURATION = Duration.ofDays(1);

    public DhcpSettings {
        positive("initialRetransmission", initialRetransmission);
        positive("maxRetransmission", maxRetransmission);
        if (maxRetransmission.compareTo(initialRetransmission) < 0) {
            throw new IllegalArgumentException("maxRetransmission < initialRetransmission: " + maxRetransmission
                    + " < " + initialRetransmission);
        }
        notNegative("retransmissionJitter", retransmissionJitter);
        if (arpProbes < 0 || arpProbes > 10) {
            throw new IllegalArgumentException("arpProbes must be 0..10: " + arpProbes);
        }
        notNegative("arpProbeInterval", arpProbeInterval);
        notNegative("arpProbeWait", arpProbeWait);
        notNegative("declineWait", declineWait);
        positive("nakWait", nakWait);
        Objects.requireNonNull(hostName, "hostName == null");
        hostName.ifPresent(DhcpSettings::checkHostName);
    }

    /**
     * Returns the defaults: retransmissions after 1 s doubling to 64 s, ±1 s; 2 ARP probes 100 ms apart
     * and a 200 ms wait; 10 s after a decline, 1 s (doubling) after a NAK; no host name.
     */
    public static DhcpSettings defaults() {
        return new DhcpSettings(Duration.ofSeconds(1), Duration.ofSeconds(64), Duration.ofSeconds(1),
                2, Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofSeconds(10), Duration.ofSeconds(1),
                Optional.empty());
    }

    /** Returns a copy that sends {@code name} as option 12. */
    public DhcpSettings withHostName(String name) {
        return new DhcpSettings(initialRetransmission, maxRetransmission, retransmissionJitter, arpProbes,
                arpProbeInterval, arpProbeWait, declineWait, nakWait, Optional.of(name));
    }

    /** Returns a copy with other conflict detection: {@code probes} probes {@code interval} apart, then {@code wait}. */
    public DhcpSettings withArpProbes(int probes, Duration interval, Duration wait) {
        return new DhcpSettings(initialRetransmission, maxRetransmission, retransmissionJitter, probes, interval, wait,
                declineWait, nakWait, hostName);
    }

    /** Returns a copy with other retransmission timing. */
    public DhcpSettings withRetransmission(Duration initial, Duration max, Duration jitter) {
        return new DhcpSettings(initial, max, jitter, arpProbes, arpProbeInterval, arpProbeWait, declineWait, nakWait,
                hostName);
    }

    private static void positive(String name, Duration value) {
        notNegative(name, value);
        if (value.isZero()) {
            throw new IllegalArgumentException(name + " == 0");
        }
    }

    private static void notNegative(String name, Duration value) {
        Objects.requireNonNull(value, name + " == null");
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " < 0: " + value);
        }
        if (value.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException(name + " > 1 day: " + value);
        }
    }

    private static void checkHostName(String name) {
        boolean printable = name.chars().allMatch(c -> c >= 0x20 && c <= 0x7E);
        if (name.isEmpty() || name.length() > 255 || !printable) {
            throw new IllegalArgumentException("hostName must be 1..255 printable ASCII characters: '" + name + "'");
        }
    }
}
