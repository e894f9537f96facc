package ${package};

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
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs the unikernel hosted and talks to it through the host gateway, as a user would. */
class AppTest {

    @Test
    void echoesALine() throws Exception {
        // Forward a free host port, so the test never collides with a service on 8080.
        var platform = new HostedPlatform(Clock.system(), RandomSource.secure(), Map.of("forward", "0:8080"));
        RunningUnikernel app = App.unikernel().start(platform);
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), app.hostPort(8080))) {
            var out = new PrintStream(socket.getOutputStream(), true, StandardCharsets.UTF_8);
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out.println("hello, unikernel");
            assertEquals("hello, unikernel", in.readLine());
        } finally {
            app.stop();
            assertEquals(0, app.awaitExit());
        }
    }
}
