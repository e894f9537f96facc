package dev.pith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.tcp.TcpHandler;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What types cannot check, build() does, with messages that say what to change. */
class ValidationTest {

    private static final TcpHandler NOTHING = connection -> {};

    private static String problem(Runnable build) {
        return assertThrows(IllegalArgumentException.class, build::run).getMessage();
    }

    private static void assertMentions(String message, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), "'" + fragment + "' in:\n" + message);
        }
    }

    @Test
    void duplicatePortsNameBothServicesAndTheFix() {
        String message = problem(() -> Unikernel.builder("web").network(Network.virtio()).ipv4(Ipv4.dhcp()).tcp()
                .listen(8080, NOTHING).serve(8080, c -> {}).build());
        assertMentions(message, "tcp port 8080 is used twice", "tcp listen 8080", "tcp serve 8080", "give each service its own port");
    }

    @Test
    void theSamePortNumberForUdpAndTcpIsFine() {
        Unikernel u = Unikernel.builder("dns").network(Network.virtio()).ipv4(Ipv4.dhcp())
                .udp(53, (s, src, p) -> {}).tcp().listen(53, NOTHING).build();
        assertEquals(2, u.plan().services().size());
    }

    @Test
    void aGatewayOutsideTheSubnetIsRefusedWithTheFix() {
        String message = problem(() -> Unikernel.builder("x").network(Network.virtio())
                .ipv4(Ipv4.address("10.0.2.15/24").gateway("10.0.3.1")).build());
        assertMentions(message, "gateway 10.0.3.1 is not in 10.0.2.0/24", "use an address inside the subnet");
    }

    @Test
    void networkAndBroadcastAddressesAreNotHostAddresses() {
        assertMentions(problem(() -> Unikernel.builder("x").network(Network.virtio()).ipv4(Ipv4.address("10.0.2.0/24")).build()),
                "network address", "such as 10.0.2.1/24");
        assertMentions(problem(() -> Unikernel.builder("x").network(Network.virtio()).ipv4(Ipv4.address("10.0.2.255/24")).build()),
                "broadcast address", "such as 10.0.2.254/24");
        assertMentions(problem(() -> Unikernel.builder("x").network(Network.virtio()).ipv4(Ipv4.address("224.0.0.1/4")).build()),
                "cannot be a host's address");
    }

    @Test
    void malformedAddressesFailWhereTheyAreWritten() {
        assertMentions(assertThrows(IllegalArgumentException.class, () -> Ipv4.address("10.0.2.15")).getMessage(),
                "10.0.2.15/24");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> Ipv4.address("10.0.2.256/24")).getMessage(),
                "octet 256 > 255");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> Ipv4.address("10.0.2.1/33")).getMessage(),
                "0..32");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> Ipv4.address("010.0.2.1/24")).getMessage(),
                "bad octet '010'");
    }

    @Test
    void portsOutOfRangeNameTheRange() {
        assertMentions(assertThrows(IllegalArgumentException.class,
                () -> Unikernel.builder("x").network(Network.virtio()).ipv4(Ipv4.dhcp()).tcp().listen(0, NOTHING)).getMessage(),
                "port 0 is out of range: use 1..65535");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        String message = problem(() -> Unikernel.builder("My App").memoryMib(8).jvmOptions("Xmx8m")
                .disk(Disk.memory("data", 512)).disk(Disk.memory("data", 1024)).build());
        assertMentions(message, "name 'My App'", "lowercase", "memoryMib(8)", "'Xmx8m' is not a JVM option",
                "two disks are named 'data'");
    }

    @Test
    void diskNamesAndSizesAreCheckedWhereTheyAreWritten() {
        assertMentions(assertThrows(IllegalArgumentException.class, () -> Disk.memory("data", 1000)).getMessage(),
                "positive multiple of 512");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> Disk.virtio("Data Disk")).getMessage(),
                "lowercase letters");
    }

    @Test
    void buildIsOneShot() {
        UnikernelStep step = Unikernel.builder("x");
        step.build();
        assertMentions(assertThrows(IllegalStateException.class, step::build).getMessage(), "Unikernel.builder()");
    }
}
