package dev.pith.net.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pith.net.DropReason;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

class EthernetFrameTest {

    /** An ARP request as Linux sends it (42 bytes; the NIC pads it to 60 on the wire). */
    static final byte[] ARP_FRAME = TestBytes.hex("""
            ff ff ff ff ff ff  52 54 00 12 34 56  08 06   # broadcast <- 52:54:00:12:34:56, ARP
            00 01 08 00 06 04 00 01 52 54 00 12 34 56     # Ethernet/IPv4 request from 52:54:00:12:34:56
            0a 00 02 0f 00 00 00 00 00 00 0a 00 02 02     # 10.0.2.15 asks who has 10.0.2.2
            """);

    @Test
    void deconstruct() {
        ByteBuf buf = TestBytes.buffer(ARP_FRAME);
        EthernetFrame frame = EthernetFrame.unchecked(buf, TestBytes.LEAD, ARP_FRAME.length);
        assertNull(frame.checkLength());
        assertEquals(0xFFFF_FFFF_FFFFL, frame.destination());
        assertEquals(0x5254_0012_3456L, frame.source());
        assertEquals(EtherType.ARP, frame.etherType());
        assertEquals(TestBytes.LEAD + 14, frame.payloadOffset());
        assertEquals(28, frame.payloadLength());
        assertEquals(0, buf.readerIndex());
        assertEquals(buf.capacity(), buf.writerIndex());
    }

    @Test
    void construct() {
        ByteBuf buf = TestBytes.stale(ARP_FRAME.length);
        EthernetFrame frame = EthernetFrame.unchecked(buf, TestBytes.LEAD, ARP_FRAME.length);
        frame.setDestination(0xFFFF_FFFF_FFFFL);
        frame.setSource(0x5254_0012_3456L);
        frame.setEtherType(EtherType.ARP);
        buf.setBytes(frame.payloadOffset(), ARP_FRAME, EthernetFrame.HEADER_LENGTH, 28);
        assertArrayEquals(ARP_FRAME, TestBytes.bytes(buf, ARP_FRAME.length));
    }

    @Test
    void truncatedAtEveryOffset() {
        for (int length = 0; length <= ARP_FRAME.length; length++) {
            EthernetFrame frame = EthernetFrame.unchecked(TestBytes.prefix(ARP_FRAME, length), TestBytes.LEAD, length);
            DropReason reason = frame.checkLength();
            assertEquals(length < 14 ? DropReason.ETHERNET_TRUNCATED : null, reason, "length " + length);
            if (reason == null) {
                frame.destination();
                frame.source();
                frame.etherType();
                assertEquals(length - 14, frame.payloadLength());
            }
        }
    }
}
