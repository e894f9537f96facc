package dev.pith.net.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pith.net.tcp.TcpSettings;
import dev.pith.testing.LeakDetection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Linux's TCP as the client of Pith's servers: {@code nc} in the namespace against a Pith echo server
 * (lines and a larger burst come back unchanged) and a Pith discard server that hashes 16 MiB.
 */
@Tag("interop")
@Timeout(30)
@ExtendWith(LeakDetection.class)
class LinuxClientsInteropTest {

    private LinuxPeer linux;
    private PithHost pith;

    @BeforeEach
    void start() throws Exception {
        linux = LinuxPeer.create();
        pith = PithHost.start(linux, TcpSettings.defaults().withTimeWait(Duration.ofSeconds(1)));
    }

    @AfterEach
    void stop() {
        try (LinuxPeer l = linux; PithHost p = pith) {
            // closed in reverse order: Pith (and its TAP) first, then the namespace
        }
    }

    @Test
    void ncLinesComeBackFromPithEcho(@TempDir Path dir) throws Exception {
        pith.run(() -> pith.tcp().listen(7, connection -> connection.setListener(new Servers.Echo())));
        String lines = IntStream.rangeClosed(1, 200).mapToObj(i -> "line " + i + " from Linux to Pith and back")
                .collect(Collectors.joining("\n", "", "\n"));
        java.nio.file.Files.writeString(dir.resolve("lines"), lines);

        LinuxPeer.Result echoed = linux.shell(Duration.ofSeconds(15),
                "nc -N -w 10 " + pith.address() + " 7 < " + dir.resolve("lines"));

        assertEquals(0, echoed.exitCode(), echoed.output() + "\n" + pith.describe());
        assertEquals(lines, echoed.output());
        assertHealthy();
    }

    @Test
    void ncSends16MiBToPithSink(@TempDir Path dir) throws Exception {
        Servers.Sink sink = new Servers.Sink();
        pith.run(() -> pith.tcp().listen(9, connection -> connection.setListener(sink)));
        Path file = dir.resolve("data");
        String expected = Servers.writeFile(file, Servers.data(Servers.BULK, 9));

        long start = System.nanoTime();
        LinuxPeer.Result sent = linux.shell(Duration.ofSeconds(25), "nc -N -w 10 " + pith.address() + " 9 < " + file);
        Servers.Received received = PithHost.await(sink.result, Duration.ofSeconds(5));
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(0, sent.exitCode(), sent.output() + "\n" + pith.describe());
        assertNull(received.error(), pith.describe());
        assertEquals(Servers.BULK, received.bytes(), pith.describe());
        assertEquals(expected, received.sha256());
        System.out.printf("Linux -> Pith sink: 16 MiB in %d ms%n", millis);
        assertHealthy();
    }

    private void assertHealthy() {
        assertEquals(0, pith.internalErrors(), pith.describe());
        assertEquals(0, pith.loopErrors(), pith.describe());
    }
}
