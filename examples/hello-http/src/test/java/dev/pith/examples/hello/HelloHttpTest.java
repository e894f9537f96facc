package dev.pith.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.RunningUnikernel;
import dev.pith.core.Clock;
import dev.pith.core.RandomSource;
import dev.pith.core.platform.HostedPlatform;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** hello-http hosted behind the host gateway, reached with the JDK's HTTP client. */
class HelloHttpTest {

    static RunningUnikernel app;
    static String base;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() {
        var platform = new HostedPlatform(Clock.system(), RandomSource.secure(), Map.of("forward", "0:8080"));
        app = HelloHttp.unikernel().start(platform);
        base = "http://127.0.0.1:" + app.hostPort(8080);
    }

    @AfterAll
    static void stop() {
        app.stop();
        assertEquals(0, app.awaitExit());
    }

    static HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void routes() throws Exception {
        assertEquals("hello, unikernel\n", get("/").body());
        assertEquals("hello, pith\n", get("/hello/pith").body());
        assertEquals(404, get("/nowhere").statusCode());
        assertEquals(400, get("/count/lots").statusCode());
        assertEquals("slept on a virtual thread\n", get("/sleep/10").body());
    }

    @Test
    void postEchoesTheBody() throws Exception {
        var response = client.send(HttpRequest.newBuilder(URI.create(base + "/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals(100_000, response.body().length());
    }

    @Test
    void streamsALargeBody() throws Exception {
        String body = get("/count/100000").body();
        assertTrue(body.startsWith("1\n2\n3\n"));
        assertTrue(body.endsWith("\n99999\n100000\n"));
        assertEquals(100_000, body.lines().count());
    }
}
