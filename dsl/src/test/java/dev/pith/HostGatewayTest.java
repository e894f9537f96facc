package dev.pith;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** A hosted unikernel reached from ordinary JDK sockets through the host gateway: no root, no TAP. */
class HostGatewayTest {

    static Unikernel lineEcho(Ipv4 ipv4) {
        return Unikernel.builder("echo")
                .network(Network.virtio())
                .ipv4(ipv4)
                .tcp()
                .serve(8080, connection -> {
                    var in = new BufferedReader(new InputStreamReader(connection.input(), StandardCharsets.UTF_8));
                    var out = new PrintStream(connection.output(), true, StandardCharsets.UTF_8);
                    String line;
                    while ((line = in.readLine()) != null) {
                        out.println(line);
                    }
                })
                .build();
    }

    @Test
    void aUnikernelWithAStaticAddressOfItsOwnIsReachedToo() throws Exception {
        HostedPlatform platform = new HostedPlatform(Clock.system(), RandomSource.secure(), Map.of("forward", "0:8080"));
        // No router given: the gateway takes the subnet's first address, 192.168.7.1.
        RunningUnikernel echo = lineEcho(Ipv4.address("192.168.7.20/24")).start(platform);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), echo.hostPort(8080))) {
            s.setSoTimeout(10_000);
            var out = new PrintStream(s.getOutputStream(), true, StandardCharsets.UTF_8);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out.println("to 192.168.7.20");
            assertEquals("to 192.168.7.20", in.readLine());
        } finally {
            echo.stop();
            assertEquals(0, echo.awaitExit());
        }
    }

    @Test
    void manyHostClientsAtOnceGetTheirLinesBack() throws Exception {
        // Host port 0: any free port, so the test never collides with a real 8080.
        HostedPlatform platform = new HostedPlatform(Clock.system(), RandomSource.secure(), Map.of("forward", "0:8080"));
        RunningUnikernel echo = lineEcho(Ipv4.address("10.0.2.15/24").gateway("10.0.2.2")).start(platform);
        int port = echo.hostPort(8080);
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int n = i;
                answers.add(clients.submit((Callable<String>) () -> {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                        var out = new PrintStream(s.getOutputStream(), true, StandardCharsets.UTF_8);
                        var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                        StringBuilder got = new StringBuilder();
                        for (int line = 0; line < 3; line++) {
                            out.println("client " + n + " line " + line);
                            got.append(in.readLine()).append('|');
                        }
                        return got.toString();
                    }
                }));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertEquals("client " + i + " line 0|client " + i + " line 1|client " + i + " line 2|",
                        answers.get(i).get());
            }
        } finally {
            echo.stop();
            assertEquals(0, echo.awaitExit());
        }
    }
}
