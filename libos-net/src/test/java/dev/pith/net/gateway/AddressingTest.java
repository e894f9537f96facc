package dev.pith.net.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.Ipv4Address;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The host gateway's addresses around a unikernel's static one. */
class AddressingTest {

    @Test
    void theGatewayTakesTheRouterOrTheSubnetsFirstFreeAddress() {
        Ipv4Address guest = Ipv4Address.parse("192.168.7.20");
        assertEquals(Ipv4Address.parse("192.168.7.1"), HostGateway.Addressing.around(guest, 24, Optional.empty()).gateway());
        assertEquals(Ipv4Address.parse("192.168.7.2"),
                HostGateway.Addressing.around(Ipv4Address.parse("192.168.7.1"), 24, Optional.empty()).gateway());
        assertEquals(Ipv4Address.parse("192.168.7.254"),
                HostGateway.Addressing.around(guest, 24, Optional.of(Ipv4Address.parse("192.168.7.254"))).gateway());
        assertEquals(new HostGateway.Addressing(HostGateway.GATEWAY, HostGateway.GUEST, 24), HostGateway.Addressing.DEFAULT);
    }

    @Test
    void aGatewayOutsideTheSubnetOrATooSmallSubnetIsRefused() {
        Ipv4Address guest = Ipv4Address.parse("192.168.7.20");
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> HostGateway.Addressing.around(guest, 24, Optional.of(Ipv4Address.parse("10.0.0.1"))));
        assertTrue(outside.getMessage().contains("192.168.7.20/24"), outside.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HostGateway.Addressing.around(guest, 31, Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new HostGateway.Addressing(guest, guest, 24));
    }
}
