package dev.pith.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pith.RunningUnikernel;
import dev.pith.core.Clock;
import dev.pith.core.RandomSource;
import dev.pith.core.platform.HostedPlatform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hello-http against real HTTP clients — curl and wrk, and raw sockets for pipelining and malformed
 * requests — all reaching the unikernel's own TCP/IP stack through the host gateway.
 */
@Tag("interop")
class HelloHttpInteropTest {

    static RunningUnikernel app;
    static int port;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        var platform = new HostedPlatform(Clock.system(), RandomSource.secure(), Map.of("forward", "0:8080"));
        app = HelloHttp.unikernel().start(platform);
        port = app.hostPort(8080);
    }

    @AfterAll
    static void stop() {
        app.stop();
        assertEquals(0, app.awaitExit());
    }

    record Result(int exit, String out, String err) {}

    static Result run(String... command) throws Exception {
        assumeTrue(onPath(command[0]), command[0] + " is not installed (Debian package " + command[0] + "); .ci/run installs it");
        Process p = new ProcessBuilder(command).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " finished");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    @Test
    void curlReusesTheConnection() throws Exception {
        Result r = run("curl", "-sS", "-v", url("/"), url("/hello/curl"));
        assertEquals(0, r.exit(), r.err());
        assertEquals("hello, unikernel\nhello, curl\n", r.out());
        assertTrue(r.err().contains("Re-using existing connection"), r.err());
    }

    @Test
    void curlUploadsAChunkedBody() throws Exception {
        byte[] data = new byte[3 << 20];
        new java.util.SplittableRandom(9).nextBytes(data);
        // Half a MiB goes through (the body limit is 1 MiB); the whole 3 MiB must get 413.
        byte[] small = java.util.Arrays.copyOf(data, 512 * 1024);
        Path file = dir.resolve("upload.bin");
        Files.write(file, small);
        Path answer = dir.resolve("answer.bin");
        Result r = run("curl", "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, "-o", answer.toString(),
                "-w", "%{http_code}", url("/echo"));
        assertEquals("200", r.out(), r.err());
        assertEquals(sha256(small), sha256(Files.readAllBytes(answer)));
        Files.write(file, data);
        Result tooBig = run("curl", "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, "-o", "/dev/null",
                "-w", "%{http_code}", url("/echo"));
        assertEquals("413", tooBig.out(), tooBig.err());
    }

    @Test
    void curlHead() throws Exception {
        Result r = run("curl", "-sS", "-I", url("/"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("HTTP/1.1 200"), r.out());
        assertTrue(r.out().toLowerCase().contains("content-length: 17"), r.out());
        assertTrue(r.out().endsWith("\r\n\r\n"), "no body after the head: " + r.out());
    }

    @Test
    void wrkBoundedRun() throws Exception {
        Result r = run("wrk", "-t1", "-c8", "-d2s", url("/"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Requests/sec:"), r.out());
        assertTrue(!r.out().contains("Socket errors") && !r.out().contains("Non-2xx"), r.out());
        System.out.println("wrk against hosted hello-http through the gateway:\n" + r.out());
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write(("GET /hello/one HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /hello/two HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /hello/three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            int one = all.indexOf("hello, one");
            int two = all.indexOf("hello, two");
            int three = all.indexOf("hello, three");
            assertTrue(one > 0 && one < two && two < three, all);
        }
    }

    @Test
    void malformedRequestsGetTheirStatusAndTheServerGoesOn() throws Exception {
        String longLine = "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n";
        StringBuilder manyHeaders = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 200; i++) {
            manyHeaders.append("X-").append(i).append(": y\r\n");
        }
        manyHeaders.append("\r\n");
        List<String[]> corpus = new ArrayList<>(List.of(
                new String[] {longLine, "414"},
                new String[] {manyHeaders.toString(), "431"},
                new String[] {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400"},
                new String[] {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "400"},
                new String[] {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "400"},
                new String[] {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400"},
                new String[] {"GET / HTTP/1.1\nHost: x\n\n", "400"},
                new String[] {"GET / HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n\r\n", "400"},
                new String[] {"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n  folded\r\n\r\n", "400"},
                new String[] {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505"},
                new String[] {"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", "501"},
                new String[] {"GET / HTTP/1.1\r\n\r\n", "400"}));
        for (String[] c : corpus) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(c[0].getBytes(StandardCharsets.ISO_8859_1));
                String head = readLine(s.getInputStream());
                assertTrue(head.startsWith("HTTP/1.1 " + c[1]), "for " + c[0].substring(0, Math.min(60, c[0].length()))
                        .replace("\r\n", "\\r\\n") + " got " + head);
            }
            assertEquals("hello, unikernel\n", new String(java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(url("/"))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body(), StandardCharsets.UTF_8));
        }
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        return line.toString(StandardCharsets.ISO_8859_1).trim();
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
