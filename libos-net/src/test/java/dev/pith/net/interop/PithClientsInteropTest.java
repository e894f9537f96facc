package dev.pith.net.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * Pith's TCP as the client of Linux servers: Pith opens a connection to {@code nc -l} in the namespace
 * and sends 16 MiB, then receives 16 MiB from another; both checked by SHA-256.
 */
@Tag("interop")
@Timeout(30)
@ExtendWith(LeakDetection.class)
class PithClientsInteropTest {

    private LinuxPeer linux;
    private PithHost pith;

    @BeforeEach
    void start() throws Exception {
        linux = LinuxPeer.create();
        pith = PithHost.start(linux);
    }

    @AfterEach
    void stop() {
        try (LinuxPeer l = linux; PithHost p = pith) {
            // closed in reverse order: Pith (and its TAP) first, then the namespace
        }
    }

    @Test
    void pithSends16MiBToNc(@TempDir Path dir) throws Exception {
        Transfers.pithSends(linux, pith, dir, Duration.ofSeconds(20));
        assertHealthy();
    }

    @Test
    void pithReceives16MiBFromNc(@TempDir Path dir) throws Exception {
        Transfers.pithReceives(linux, pith, dir, Duration.ofSeconds(20));
        assertHealthy();
    }

    private void assertHealthy() {
        assertEquals(0, pith.internalErrors(), pith.describe());
        assertEquals(0, pith.loopErrors(), pith.describe());
    }
}
