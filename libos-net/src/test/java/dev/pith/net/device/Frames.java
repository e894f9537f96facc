package dev.pith.net.device;

import dev.pith.core.device.MacAddress;
import io.netty.buffer.ByteBuf;

/**
 * Ethernet frames written byte by byte, with no help from the stack's wire code: ARP (RFC 826) and
 * ICMP echo (RFC 792) over IPv4 (RFC 791). Tests that talk to the Linux kernel build their frames here.
 */
final class Frames {

    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_ARP = 0x0806;

    private Frames() {}

    /** Returns the IPv4 address a.b.c.d as an int. */
    static int ipv4(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    /** Writes an Ethernet header at the writer index: destination, source, EtherType. */
    static void ethernet(ByteBuf frame, MacAddress destination, MacAddress source, int etherType) {
        int start = frame.writerIndex();
        frame.writeZero(12);
        destination.write(frame, start);
        source.write(frame, start + 6);
        frame.writeShort(etherType);
    }

    /** Writes "who has {@code targetIp}, tell {@code senderIp}" from {@code sender}, to broadcast: 42 bytes. */
    static void arpRequest(ByteBuf frame, MacAddress sender, int senderIp, int targetIp) {
        ethernet(frame, MacAddress.BROADCAST, sender, ETHERTYPE_ARP);
        arp(frame, 1, sender, senderIp, MacAddress.ZERO, targetIp);
    }

    /** Writes "{@code senderIp} is at {@code sender}" to {@code target}: 42 bytes. */
    static void arpReply(ByteBuf frame, MacAddress sender, int senderIp, MacAddress target, int targetIp) {
        ethernet(frame, target, sender, ETHERTYPE_ARP);
        arp(frame, 2, sender, senderIp, target, targetIp);
    }

    private static void arp(ByteBuf frame, int operation, MacAddress sender, int senderIp, MacAddress target, int targetIp) {
        frame.writeShort(1);              // hardware type: Ethernet
        frame.writeShort(ETHERTYPE_IPV4); // protocol type
        frame.writeByte(6);               // hardware address length
        frame.writeByte(4);               // protocol address length
        frame.writeShort(operation);      // 1 request, 2 reply
        int at = frame.writerIndex();
        frame.writeZero(6);
        sender.write(frame, at);
        frame.writeInt(senderIp);
        at = frame.writerIndex();
        frame.writeZero(6);
        target.write(frame, at);
        frame.writeInt(targetIp);
    }

    /** Writes an ICMP echo request (type 8) with both checksums: 14 + 20 + 8 + payload bytes. */
    static void icmpEchoRequest(ByteBuf frame, MacAddress source, MacAddress destination, int sourceIp, int destinationIp,
                                int identifier, int sequence, byte[] payload) {
        icmpEcho(frame, 8, source, destination, sourceIp, destinationIp, identifier, sequence, payload);
    }

    /** Writes an ICMP echo reply (type 0) with both checksums: 14 + 20 + 8 + payload bytes. */
    static void icmpEchoReply(ByteBuf frame, MacAddress source, MacAddress destination, int sourceIp, int destinationIp,
                              int identifier, int sequence, byte[] payload) {
        icmpEcho(frame, 0, source, destination, sourceIp, destinationIp, identifier, sequence, payload);
    }

    private static void icmpEcho(ByteBuf frame, int type, MacAddress source, MacAddress destination, int sourceIp,
                                 int destinationIp, int identifier, int sequence, byte[] payload) {
        ethernet(frame, destination, source, ETHERTYPE_IPV4);
        int ip = frame.writerIndex();
        frame.writeByte(0x45);                   // version 4, IHL 5 words
        frame.writeByte(0);                      // DSCP, ECN
        frame.writeShort(20 + 8 + payload.length); // total length
        frame.writeShort(identifier);            // identification
        frame.writeShort(0x4000);                // flags: don't fragment
        frame.writeByte(64);                     // TTL
        frame.writeByte(1);                      // protocol: ICMP
        frame.writeShort(0);                     // header checksum, below
        frame.writeInt(sourceIp);
        frame.writeInt(destinationIp);
        frame.setShort(ip + 10, checksum(frame, ip, 20));
        int icmp = frame.writerIndex();
        frame.writeByte(type);                   // 8 echo request, 0 echo reply
        frame.writeByte(0);                      // code
        frame.writeShort(0);                     // checksum, below
        frame.writeShort(identifier);
        frame.writeShort(sequence);
        frame.writeBytes(payload);
        frame.setShort(icmp + 2, checksum(frame, icmp, 8 + payload.length));
    }

    /** The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit words. */
    static int checksum(ByteBuf buf, int index, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += buf.getUnsignedShort(index + i);
        }
        if ((length & 1) != 0) {
            sum += (buf.getUnsignedByte(index + length - 1)) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) ~sum & 0xFFFF;
    }

    static int etherType(ByteBuf frame) {
        return frame.getUnsignedShort(frame.readerIndex() + 12);
    }

    /** Returns whether {@code frame} is an ARP reply saying where {@code senderIp} is. */
    static boolean isArpReplyFrom(ByteBuf frame, int senderIp) {
        int at = frame.readerIndex();
        return frame.readableBytes() >= 42 && etherType(frame) == ETHERTYPE_ARP
                && frame.getUnsignedShort(at + 14 + 6) == 2 && frame.getInt(at + 14 + 14) == senderIp;
    }

    /** Returns whether {@code frame} is an ARP request asking for {@code targetIp}. */
    static boolean isArpRequestFor(ByteBuf frame, int targetIp) {
        int at = frame.readerIndex();
        return frame.readableBytes() >= 42 && etherType(frame) == ETHERTYPE_ARP
                && frame.getUnsignedShort(at + 14 + 6) == 1 && frame.getInt(at + 14 + 24) == targetIp;
    }

    /** Returns the ARP sender's hardware address. */
    static MacAddress arpSender(ByteBuf frame) {
        return MacAddress.read(frame, frame.readerIndex() + 14 + 8);
    }

    /** Returns whether {@code frame} is an ICMP echo reply (type 0) from {@code sourceIp} with this identifier and sequence. */
    static boolean isEchoReply(ByteBuf frame, int sourceIp, int identifier, int sequence) {
        int ip = frame.readerIndex() + 14;
        if (frame.readableBytes() < 14 + 20 + 8 || etherType(frame) != ETHERTYPE_IPV4
                || frame.getUnsignedByte(ip + 9) != 1 || frame.getInt(ip + 12) != sourceIp) {
            return false;
        }
        int icmp = ip + (frame.getUnsignedByte(ip) & 0x0F) * 4;
        return frame.getUnsignedByte(icmp) == 0 && frame.getUnsignedShort(icmp + 4) == identifier
                && frame.getUnsignedShort(icmp + 6) == sequence;
    }
}
