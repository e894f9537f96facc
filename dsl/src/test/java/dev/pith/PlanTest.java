package dev.pith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.InterfaceSettings;
import dev.pith.net.Ipv4Address;
import dev.pith.net.tcp.TcpSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The composition as data: what the image linker will read. */
class PlanTest {

    @Test
    void thePlanHoldsDevicesAddressesPortsDisksAndMemory() {
        Plan plan = Unikernel.builder("shop")
                .memoryMib(96)
                .jvmOptions("-Xmx48m")
                .disk(Disk.virtio("orders"))
                .network(Network.virtio())
                .ipv4(Ipv4.address("10.0.2.15/24").gateway("10.0.2.2").dns("10.0.2.3"))
                .tcp()
                .listen(8080, c -> {})
                .build()
                .plan();
        assertEquals("shop", plan.name());
        assertEquals(new Plan.Resources(96, 1, List.of("-Xmx48m")), plan.resources());
        assertEquals(List.of(Disk.virtio("orders")), plan.disks());
        Plan.NetworkPlan net = plan.network().orElseThrow();
        assertEquals(Network.virtio(), net.device());
        Ipv4.Static ip = (Ipv4.Static) net.ipv4();
        assertEquals(Ipv4Address.parse("10.0.2.15"), ip.address());
        assertEquals(24, ip.prefixLength());
        assertEquals(Ipv4Address.parse("10.0.2.2"), ip.gateway().orElseThrow());
        assertTrue(net.tcp());
        assertEquals(8080, plan.services().getFirst().port());
        assertEquals("""
                unikernel shop
                  memory 96 MiB, 1 cpu
                  jvm -Xmx48m
                  disk orders: virtio-blk serial=orders
                  network virtio-net #0, ipv4 10.0.2.15/24 via 10.0.2.2 dns [10.0.2.3], tcp
                  tcp listen 8080
                  start order: disk:orders -> net -> ipv4 -> tcp -> tcp:8080
                """, plan.describe());
    }

    @Test
    void tcpSettingsChosenInTheCompositionAreInThePlanAndItsDescription() {
        TcpSettings big = TcpSettings.defaults().withBuffers(256 << 10, 512 << 10).withCongestionControl("newreno");
        Plan plan = Unikernel.builder("bulk").network(Network.virtio()).ipv4(Ipv4.dhcp()).tcp(big)
                .listen(9, c -> {}).build().plan();
        assertEquals(big, plan.network().orElseThrow().tcpSettings());
        assertTrue(plan.describe().contains(", tcp TcpSettings[") && plan.describe().contains("receiveBuffer=524288"),
                plan.describe());
        Plan plain = Unikernel.builder("plain").network(Network.virtio()).ipv4(Ipv4.dhcp()).tcp()
                .listen(9, c -> {}).build().plan();
        assertEquals(TcpSettings.defaults(), plain.network().orElseThrow().tcpSettings());
        assertTrue(plain.describe().contains(", tcp\n"), "defaults are not spelt out: " + plain.describe());
    }

    @Test
    void interfaceSettingsChosenInTheCompositionAreInThePlanAndItsDescription() {
        InterfaceSettings vlan = InterfaceSettings.defaults().withVlan(7);
        Plan plan = Unikernel.builder("tagged").network(Network.virtio(), vlan).ipv4(Ipv4.dhcp()).tcp()
                .listen(9, c -> {}).build().plan();
        assertEquals(vlan, plan.network().orElseThrow().interfaceSettings());
        assertTrue(plan.describe().contains("virtio-net #0 InterfaceSettings[") && plan.describe().contains("vlanId=7"),
                plan.describe());
        Plan plain = Unikernel.builder("plain").network(Network.virtio()).ipv4(Ipv4.dhcp()).build().plan();
        assertEquals(InterfaceSettings.defaults(), plain.network().orElseThrow().interfaceSettings());
        assertTrue(plain.describe().contains("network virtio-net #0, ipv4"), "defaults are not spelt out: " + plain.describe());
    }

    @Test
    void partsStartAfterWhatTheyRequire() {
        Plan plan = Unikernel.builder("both").network(Network.virtio()).ipv4(Ipv4.dhcp())
                .udp(53, (s, src, p) -> {}).tcp().serve(80, c -> {}).build().plan();
        List<String> order = plan.parts().stream().map(Plan.Part::name).toList();
        for (Plan.Part part : plan.parts()) {
            for (String required : part.requires()) {
                assertTrue(order.indexOf(required) < order.indexOf(part.name()), required + " before " + part.name());
            }
        }
        assertEquals(List.of("net", "udp", "ipv4", "tcp", "udp:53", "tcp:80"), order);
    }

    @Test
    void aCycleOrAMissingPartIsNamed() {
        Map<String, List<String>> cycle = new LinkedHashMap<>();
        cycle.put("a", List.of("b"));
        cycle.put("b", List.of("a"));
        cycle.put("c", List.of());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Validator.startOrder(cycle)).getMessage().contains("[a, b]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Validator.startOrder(Map.of("a", List.of("z"))))
                .getMessage().contains("requires 'z', which is missing"));
    }
}
