package dev.pith.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class MacAddressTest {

    @Test
    void parsesPrintsAndRoundTripsThroughABuffer() {
        MacAddress mac = MacAddress.parse("52:54:00:12:34:56");
        assertEquals(0x5254_0012_3456L, mac.bits());
        assertEquals("52:54:00:12:34:56", mac.toString());
        assertEquals(mac, MacAddress.parse("52-54-00-12-34-56"));
        ByteBuf buf = Unpooled.buffer(8);
        mac.write(buf, 1);
        assertEquals(mac, MacAddress.read(buf, 1));
        assertEquals(0x52, buf.getUnsignedByte(1));
        buf.release();
    }

    @Test
    void classifiesGroupAddresses() {
        assertTrue(MacAddress.BROADCAST.isBroadcast());
        assertTrue(MacAddress.BROADCAST.isMulticast());
        assertTrue(MacAddress.parse("01:00:5e:00:00:01").isMulticast());
        assertFalse(MacAddress.local(1).isMulticast());
        assertEquals("02:00:00:00:00:01", MacAddress.local(1).toString());
    }

    @Test
    void refusesMalformedText() {
        for (String bad : new String[] {"", "52:54:00:12:34", "52:54:00:12:34:56:78", "52:54:00:12:34:5g", "5:54:00:12:34:56"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(bad));
            assertTrue(e.getMessage().contains("not a MAC address"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new MacAddress(1L << 48));
    }
}
