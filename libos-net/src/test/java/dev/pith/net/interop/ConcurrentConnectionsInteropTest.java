package dev.pith.net.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.tcp.TcpSettings;
import dev.pith.net.tcp.TcpStats;
import dev.pith.testing.LeakDetection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 200 Linux clients at once against Pith's echo server: a bash loop in the namespace starts 200
 * {@code nc} processes in the background, each sending its own line and checking the echo. Every one
 * must succeed, and afterwards Pith's connection table must be empty: Linux closes first (nc's FIN
 * after its input ends), so Pith goes through CLOSE-WAIT and LAST-ACK to CLOSED and keeps no TIME-WAIT;
 * a 1 s TIME-WAIT bounds the wait if it ever does.
 */
@Tag("interop")
@Timeout(30)
@ExtendWith(LeakDetection.class)
class ConcurrentConnectionsInteropTest {

    private static final int CLIENTS = 200;

    @Test
    void twoHundredNcClientsAtOnce() throws Exception {
        TcpSettings settings = TcpSettings.defaults().withTimeWait(Duration.ofSeconds(1));
        try (LinuxPeer linux = LinuxPeer.create(); PithHost pith = PithHost.start(linux, settings)) {
            pith.run(() -> pith.tcp().listen(7, connection -> connection.setListener(new Servers.Echo())));
            String script = """
                    for i in $(seq 1 %d); do
                      (
                        line="client $i of %d says hello"
                        got=$(printf '%%s\\n' "$line" | nc -N -w 10 %s 7)
                        if [ "$got" = "$line" ]; then echo "ok $i"; else echo "FAILED $i: got '$got'"; fi
                      ) &
                    done
                    wait
                    """.formatted(CLIENTS, CLIENTS, pith.address());

            long start = System.nanoTime();
            LinuxPeer.Result result = linux.shell(Duration.ofSeconds(20), script);
            long millis = (System.nanoTime() - start) / 1_000_000;

            List<String> lines = result.output().lines().toList();
            long ok = lines.stream().filter(line -> line.startsWith("ok ")).count();
            String failures = String.join("\n", lines.stream().filter(line -> !line.startsWith("ok ")).limit(20).toList());
            assertEquals(CLIENTS, ok, "clients that got their line back; others:\n" + failures + "\n" + pith.describe());
            System.out.printf("%d concurrent nc clients echoed in %d ms%n", CLIENTS, millis);

            boolean drained = pith.awaitOnLoop(() -> pith.tcp().stats().open() == 0, Duration.ofSeconds(5));
            TcpStats stats = pith.call(() -> pith.tcp().stats());
            assertTrue(drained, "connections left in Pith's table: " + stats + "\n" + linux.exec("ss", "-tan").output());
            assertEquals(CLIENTS, stats.passiveOpens(), "accepted, SYN cookies included: " + stats);
            assertEquals(0, stats.resetsSent(), "an orderly close needs no reset: " + stats);
            assertEquals(0, stats.resetsReceived(), "an orderly close needs no reset: " + stats);
            assertEquals(0, stats.timeouts(), stats.toString());
            assertEquals(0, pith.internalErrors(), pith.describe());
            assertEquals(0, pith.loopErrors(), pith.describe());
        }
    }
}
