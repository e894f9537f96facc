package dev.pith.net.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.device.FaultInjector.Faults;
import dev.pith.net.device.FaultInjector;
import dev.pith.net.tcp.TcpSettings;
import dev.pith.testing.LeakDetection;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 16 MiB transfers of {@link PithClientsInteropTest}, both ways, on a link that loses, duplicates
 * and reorders 5 % of the packets; both must arrive intact.
 *
 * <p>Where the faults come from depends on the kernel:
 * <ul>
 *   <li>With {@code sch_netem}: {@code tc netem loss 5% duplicate 5% delay 1ms reorder 5%} on both
 *       directions of the TAP's kernel side (egress directly, ingress through an ifb device), and no
 *       fault injector in Pith.
 *   <li>Without it (this project's CI kernel, where {@code tc} says "Specified qdisc kind is unknown"):
 *       on Linux's side iptables drops 5 % of what Linux receives (INPUT) and 5 % of what it sends
 *       (OUTPUT) with the statistic match, and copies 5 % of what it sends to Pith with TEE (mangle
 *       OUTPUT); on Pith's side a {@link FaultInjector} holds back 5 % of the frames in each direction
 *       for 1..3 frames (or 20 ms) and duplicates 5 % of the frames Pith sends.
 * </ul>
 * Either way every direction sees loss, duplication and reordering. Each test checks that the faults
 * really happened (iptables' and the injector's counters).
 */
@Tag("interop")
@Timeout(30)
@ExtendWith(LeakDetection.class)
class LossyTransferInteropTest {

    private static final double RATE = 0.05;

    private LinuxPeer linux;
    private PithHost pith;
    private boolean netem;

    @BeforeEach
    void start() throws Exception {
        linux = LinuxPeer.create();
        pith = null;
        // The TAP must exist before netem can go on it: start Pith first, with or without the injector.
        Faults received = Faults.NONE.withReordering(RATE, 3, Duration.ofMillis(20));
        Faults sent = received.withDuplication(RATE);
        pith = PithHost.start(linux, TcpSettings.defaults(), received, sent);
        netem = linux.tryNetem("loss 5% duplicate 5% delay 1ms reorder 5%");
        if (netem) {
            pith.run(() -> pith.faults().orElseThrow().setFaults(Faults.NONE));
        } else {
            linux.addLoss(RATE);
            linux.addDuplication(RATE);
        }
    }

    @AfterEach
    void stop() {
        try (LinuxPeer l = linux; PithHost p = pith) {
            // closed in reverse order: Pith (and its TAP) first, then the namespace
        }
    }

    @Test
    void pithSends16MiBThroughFaults(@TempDir Path dir) throws Exception {
        Transfers.pithSends(linux, pith, dir, Duration.ofSeconds(20));
        assertFaultsHappened();
        assertHealthy();
    }

    @Test
    void pithReceives16MiBThroughFaults(@TempDir Path dir) throws Exception {
        Transfers.pithReceives(linux, pith, dir, Duration.ofSeconds(20));
        assertFaultsHappened();
        assertHealthy();
    }

    private void assertFaultsHappened() {
        String firewall = linux.firewall();
        System.out.println((netem ? "netem" : "iptables + FaultInjector") + "\n" + firewall + pith.describe());
        if (netem) {
            return;
        }
        FaultInjector.Counters rx = pith.call(() -> pith.faults().orElseThrow().receiveCounters());
        FaultInjector.Counters tx = pith.call(() -> pith.faults().orElseThrow().transmitCounters());
        assertTrue(rx.reordered() > 0 && tx.reordered() > 0 && tx.duplicated() > 0, rx + "\n" + tx);
        // iptables -S -v prints "-c <packets> <bytes>" for each rule: some DROP and TEE must have matched.
        assertTrue(firewall.lines().filter(line -> line.contains("DROP") || line.contains("TEE"))
                .allMatch(line -> !line.contains("-c 0 0")), firewall);
    }

    private void assertHealthy() {
        assertEquals(0, pith.internalErrors(), pith.describe());
        assertEquals(0, pith.loopErrors(), pith.describe());
    }
}
