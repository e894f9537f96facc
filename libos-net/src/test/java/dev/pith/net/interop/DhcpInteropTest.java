package dev.pith.net.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pith.core.RandomSource;
import dev.pith.net.DhcpLease;
import dev.pith.net.Ipv4Address;
import dev.pith.net.internal.dhcp.DhcpClient;
import dev.pith.net.internal.dhcp.DhcpSettings;
import dev.pith.testing.LeakDetection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pith's DHCP client against dnsmasq in the namespace: a lease from the range, the options it
 * carries, a renewal at the server's T1 (unicast to the server, RFC 2131 §4.4.5), and the DHCPRELEASE
 * on stop, each checked in dnsmasq's own log and lease file.
 */
@Tag("interop")
@Timeout(60)
@ExtendWith(LeakDetection.class)
class DhcpInteropTest {

    /** dnsmasq's shortest lease is two minutes; T1 and T2 are ours to choose. */
    private static final int T1_SECONDS = 3;
    private static final int T2_SECONDS = 100;

    @Test
    void leasesRenewsAndReleasesWithDnsmasq(@TempDir Path dir) throws Exception {
        assumeTrue(LinuxPeer.which("dnsmasq") != null, "needs dnsmasq (Debian: dnsmasq-base)");
        try (LinuxPeer linux = LinuxPeer.create(); PithHost pith = PithHost.startUnconfigured(linux)) {
            Ipv4Address server = linux.linuxAddress();
            String net = server.toString().substring(0, server.toString().lastIndexOf('.'));
            Path leases = dir.resolve("dnsmasq.leases");
            LinuxPeer.Background dnsmasq = linux.start("dnsmasq", "--no-daemon", "--conf-file=/dev/null",
                    "--port=0", "--user=root", "--interface=" + linux.tapName(), "--bind-interfaces",
                    "--dhcp-range=" + net + ".50," + net + ".59,255.255.255.0,2m",
                    "--dhcp-option=option:router," + server,
                    "--dhcp-option=option:dns-server," + net + ".53",
                    "--dhcp-option=option:T1," + T1_SECONDS, "--dhcp-option=option:T2," + T2_SECONDS,
                    "--dhcp-leasefile=" + leases, "--log-dhcp", "--log-facility=-");
            awaitOutput(dnsmasq, "DHCP, IP range", Duration.ofSeconds(10));

            List<DhcpLease> bound = new CopyOnWriteArrayList<>();
            DhcpClient client = pith.call(() -> {
                DhcpClient c = new DhcpClient(pith.loop(), pith.iface(), pith.udp(), RandomSource.secure(),
                        DhcpSettings.defaults().withHostName("pith-interop"));
                c.onBound(bound::add);
                c.start();
                return c;
            });

            assertTrue(awaitSize(bound, 1, Duration.ofSeconds(20)),
                    "no lease from dnsmasq\n" + dnsmasq.output() + "\n" + pith.describe());
            DhcpLease lease = bound.getFirst();
            int last = lease.address().bits() & 0xFF;
            assertTrue(lease.address().toString().startsWith(net + ".") && last >= 50 && last <= 59, lease.toString());
            assertEquals(24, lease.prefixLength());
            assertEquals(server, lease.router().orElseThrow());
            assertEquals(List.of(Ipv4Address.parse(net + ".53")), lease.dns());
            assertEquals(server, lease.server());
            assertEquals(Duration.ofMinutes(2), lease.leaseTime());
            assertEquals(Duration.ofSeconds(T1_SECONDS), lease.renewAfter());
            assertEquals(Duration.ofSeconds(T2_SECONDS), lease.rebindAfter());
            assertTrue(Files.readString(leases).contains(lease.address() + " pith-interop"), Files.readString(leases));

            // The interface took the address: Linux reaches Pith there.
            LinuxPeer.Result ping = linux.exec("ping", "-c", "2", "-i", "0.2", "-W", "2", lease.address().toString());
            assertEquals(0, ping.exitCode(), ping.output() + "\n" + pith.describe());

            // At T1 the client renews with the server that granted the lease and stays bound.
            assertTrue(awaitSize(bound, 2, Duration.ofSeconds(T1_SECONDS + 10)),
                    "no renewal\n" + dnsmasq.output() + "\n" + pith.describe());
            assertEquals(lease.address(), bound.get(1).address());
            assertEquals(DhcpClient.State.BOUND, pith.call(client::state));
            String log = dnsmasq.output();
            assertTrue(count(log, "DHCPACK(" + linux.tapName() + ") " + lease.address()) >= 2, log);

            pith.run(client::stop);
            awaitOutput(dnsmasq, "DHCPRELEASE(" + linux.tapName() + ") " + lease.address(), Duration.ofSeconds(10));
            assertEquals(0, pith.internalErrors(), pith.describe());
            assertEquals(0, pith.loopErrors(), pith.describe());
        }
    }

    private static void awaitOutput(LinuxPeer.Background process, String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!process.output().contains(text)) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new AssertionError("no \"" + text + "\" in the output:\n" + process.output());
            }
            Thread.sleep(50);
        }
    }

    private static boolean awaitSize(List<?> list, int size, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (list.size() < size) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
