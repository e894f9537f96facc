package dev.pith.examples.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pith.RunningUnikernel;
import dev.pith.core.Clock;
import dev.pith.core.RandomSource;
import dev.pith.core.platform.HostedPlatform;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The echo example, run hosted behind the host gateway: many clients at once get their lines back. */
class EchoTest {

    @Test
    void manyClientsAtOnce() throws Exception {
        HostedPlatform platform = new HostedPlatform(Clock.system(), RandomSource.secure(), Map.of("forward", "0:8080"));
        RunningUnikernel echo = Echo.unikernel().start(platform);
        int port = echo.hostPort(8080);
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < 32; c++) {
                int client = c;
                results.add(clients.submit(() -> {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                        var out = new PrintStream(s.getOutputStream(), true, StandardCharsets.UTF_8);
                        var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                        List<String> echoed = new ArrayList<>();
                        for (int line = 0; line < 20; line++) {
                            out.println("client " + client + " says " + line);
                            echoed.add(in.readLine());
                        }
                        return echoed;
                    }
                }));
            }
            for (int c = 0; c < results.size(); c++) {
                List<String> echoed = results.get(c).get();
                for (int line = 0; line < 20; line++) {
                    assertEquals("client " + c + " says " + line, echoed.get(line));
                }
            }
        } finally {
            echo.stop();
            assertEquals(0, echo.awaitExit());
        }
    }
}
