package dev.pith.net.wire;

import dev.pith.net.Ipv4Address;
import java.util.Objects;

/**
 * An Ethernet/IPv4 ARP request or reply (RFC 826).
 *
 * @param operation {@link #REQUEST} or {@link #REPLY}
 * @param senderHardware the sender's MAC address as bits
 * @param senderProtocol the sender's IPv4 address
 * @param targetHardware the target's MAC address as bits (zero in a request)
 * @param targetProtocol the target's IPv4 address
 */
public record ArpRepr(int operation, long senderHardware, Ipv4Address senderProtocol, long targetHardware,
        Ipv4Address targetProtocol) {

    /** ar$op of a request (RFC 826). */
    public static final int REQUEST = 1;
    /** ar$op of a reply. */
    public static final int REPLY = 2;

    public ArpRepr {
        if (operation != REQUEST && operation != REPLY) {
            throw new IllegalArgumentException("operation must be REQUEST (1) or REPLY (2): " + operation);
        }
        checkMac(senderHardware);
        checkMac(targetHardware);
        Objects.requireNonNull(senderProtocol, "senderProtocol == null");
        Objects.requireNonNull(targetProtocol, "targetProtocol == null");
    }

    /**
     * Parses a checked packet; returns null, counted as {@link dev.pith.net.DropReason#ARP_MALFORMED},
     * unless it is an Ethernet/IPv4 request or reply.
     */
    public static ArpRepr parse(ArpPacket packet) {
        if (packet.hardwareType() != ArpPacket.HARDWARE_ETHERNET || packet.protocolType() != EtherType.IPV4
                || packet.hardwareLength() != 6 || packet.protocolLength() != 4) {
            return null;
        }
        int operation = packet.operation();
        if (operation != REQUEST && operation != REPLY) {
            return null;
        }
        return new ArpRepr(operation, packet.senderHardware(), new Ipv4Address(packet.senderProtocolBits()),
                packet.targetHardware(), new Ipv4Address(packet.targetProtocolBits()));
    }

    /** Returns the bytes {@link #emit} writes. */
    public int bufferLength() {
        return ArpPacket.LENGTH;
    }

    /** Writes this packet into a view of at least {@link #bufferLength()} bytes. */
    public void emit(ArpPacket packet) {
        packet.setHardwareType(ArpPacket.HARDWARE_ETHERNET);
        packet.setProtocolType(EtherType.IPV4);
        packet.setHardwareLength(6);
        packet.setProtocolLength(4);
        packet.setOperation(operation);
        packet.setSenderHardware(senderHardware);
        packet.setSenderProtocolBits(senderProtocol.bits());
        packet.setTargetHardware(targetHardware);
        packet.setTargetProtocolBits(targetProtocol.bits());
    }

    private static void checkMac(long bits) {
        if ((bits & ~0xFFFF_FFFF_FFFFL) != 0) {
            throw new IllegalArgumentException("a MAC address has 48 bits: 0x" + Long.toHexString(bits));
        }
    }
}
