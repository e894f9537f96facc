package dev.pith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.MemoryNetDevice;
import dev.pith.net.Endpoint;
import dev.pith.net.Ipv4Address;
import dev.pith.net.tcp.BlockingTcpConnection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Two hosted unikernels, each on its own loop, joined by an in-memory cable: a real TCP echo between them. */
class HostedNetworkTest {

    @Test
    void aLineEchoServerAnswersAClientUnikernel() throws Exception {
        try (DirectBufferPool pool = new DirectBufferPool(2048, 1024)) {
            MemoryNetDevice serverPort = new MemoryNetDevice("server", MacAddress.local(1), 1500, pool, 256);
            MemoryNetDevice clientPort = new MemoryNetDevice("client", MacAddress.local(2), 1500, pool, 256);
            MemoryNetDevice.link(serverPort, clientPort);
            RunningUnikernel server = Unikernel.builder("echo")
                    .network(Network.device("cable end A", () -> serverPort))
                    .ipv4(Ipv4.address("10.0.0.1/24"))
                    .tcp()
                    .serve(8080, connection -> {
                        var in = new BufferedReader(new InputStreamReader(connection.input(), StandardCharsets.UTF_8));
                        var out = new PrintStream(connection.output(), true, StandardCharsets.UTF_8);
                        String line;
                        while ((line = in.readLine()) != null) {
                            out.println(line);
                        }
                    })
                    .build()
                    .start();
            RunningUnikernel client = Unikernel.builder("client")
                    .network(Network.device("cable end B", () -> clientPort))
                    .ipv4(Ipv4.address("10.0.0.2/24"))
                    .tcp()
                    .build()
                    .start();
            try {
                String[] answer = new String[2];
                Thread t = Thread.ofVirtual().start(() -> {
                    try (BlockingTcpConnection c = client.tcp().open(new Endpoint(Ipv4Address.parse("10.0.0.1"), 8080),
                            Duration.ofSeconds(10))) {
                        var out = new PrintStream(c.output(), true, StandardCharsets.UTF_8);
                        var in = new BufferedReader(new InputStreamReader(c.input(), StandardCharsets.UTF_8));
                        out.println("hello");
                        answer[0] = in.readLine();
                        out.println("pith");
                        answer[1] = in.readLine();
                    } catch (Exception e) {
                        answer[0] = e.toString();
                    }
                });
                assertTrue(t.join(Duration.ofSeconds(20)), "client finished");
                assertEquals("hello", answer[0]);
                assertEquals("pith", answer[1]);
            } finally {
                client.stop();
                server.stop();
                assertEquals(0, client.awaitExit());
                assertEquals(0, server.awaitExit());
            }
        }
    }
}
