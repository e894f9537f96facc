package dev.pith.net.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.testing.LeakDetection;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** ICMP echo both ways between Pith and the Linux kernel: iputils' ping to Pith, Pith's ping to Linux. */
@Tag("interop")
@Timeout(30)
@ExtendWith(LeakDetection.class)
class PingInteropTest {

    @Test
    void linuxPingsPithAndPithPingsLinux() throws Exception {
        try (LinuxPeer linux = LinuxPeer.create(); PithHost pith = PithHost.start(linux)) {
            LinuxPeer.Result ping = linux.exec("ping", "-c", "3", "-i", "0.2", "-W", "2", pith.address().toString());
            assertEquals(0, ping.exitCode(), ping.output() + "\n" + pith.describe());
            assertTrue(ping.output().contains("3 received"), ping.output());

            for (int i = 0; i < 3; i++) {
                Optional<Duration> rtt = pith.ping(linux.linuxAddress(), Duration.ofSeconds(2));
                assertTrue(rtt.isPresent(), "no echo reply from Linux\n" + pith.describe());
                assertTrue(rtt.get().compareTo(Duration.ofSeconds(2)) < 0, rtt.get().toString());
            }

            assertEquals(0, pith.internalErrors(), pith.describe());
            assertEquals(0, pith.loopErrors(), pith.describe());
        }
    }
}
