package dev.pith.net.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pith.net.Stacks;
import dev.pith.net.http.RawClient.RawResponse;
import dev.pith.net.tcp.TcpError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The server over real Pith TCP: a server stack and a client stack on an in-memory switch, on
 * virtual time. The client writes raw request bytes and parses raw responses.
 */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HttpServerTest {

    static final int PORT = 80;

    Stacks net;
    Stacks.Stack serverStack;
    Stacks.Stack clientStack;
    HttpServer server;
    /** Released by tests to let the blocking /slow handler finish. */
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch slowStarted = new CountDownLatch(1);
    final AtomicBoolean ranOnVirtualThread = new AtomicBoolean();
    final ConcurrentLinkedQueue<String> handled = new ConcurrentLinkedQueue<>();

    /** The routes most tests use. */
    void routes(Routes r) {
        r.get("/hello", request -> Response.text("hello\n"))
                .get("/items/{id}", request -> Response.text("item " + request.pathParameter("id") + " sort="
                        + request.queryParameter("sort") + " from " + request.remote().address()))
                .post("/echo", request -> Response.bytes(200, request.header("Content-Type"), request.body())
                        .withHeader("X-Trailer", String.valueOf(request.trailers().value("X-Checksum"))))
                .put("/echo", request -> Response.text(request.bodyAsString()))
                .delete("/items/{id}", request -> Response.status(204))
                .get("/throws", request -> {
                    throw new IllegalStateException("handler bug (expected by the test)");
                })
                .get("/slow", HttpHandler.blocking(request -> {
                    slowStarted.countDown();
                    ranOnVirtualThread.set(Thread.currentThread().isVirtual());
                    release.await();
                    handled.add("slow");
                    return Response.text("slow\n");
                }))
                .get("/fast", HttpHandler.blocking(request -> {
                    handled.add("fast");
                    return Response.text("fast\n");
                }))
                .post("/slow-post", HttpHandler.blocking(request -> {
                    slowStarted.countDown();
                    release.await();
                    handled.add("slow-post");
                    return Response.text("posted\n");
                }))
                .get("/inline", request -> {
                    handled.add("inline");
                    return Response.text("inline\n");
                });
    }

    void start(HttpSettings settings) {
        start(settings, this::routes);
    }

    void start(HttpSettings settings, Consumer<Routes> routes) {
        net = new Stacks(7);
        serverStack = net.add(1);
        clientStack = net.add(2);
        server = HttpServer.start(net.loop, serverStack.tcp(), PORT, routes, settings);
    }

    @AfterEach
    void close() {
        release.countDown();
        if (net != null) {
            net.close();
        }
    }

    RawClient connect() {
        RawClient c = RawClient.connect(clientStack, serverStack.endpoint(PORT));
        net.advance(1);
        return c;
    }

    /** Turns the loop (virtual time creeps on) until {@code condition} holds; for work on virtual threads too. */
    void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int i = 0; ; i++) {
            net.loop.runUntilIdle();
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            if (i % 8 == 7) {
                net.advance(1);
            } else {
                LockSupport.parkNanos(20_000);
            }
        }
    }

    List<RawResponse> awaitResponses(RawClient c, int count, boolean... head) {
        await(count + " responses", () -> c.responses(head).size() >= count || c.closed);
        List<RawResponse> responses = c.responses(head);
        assertEquals(count, responses.size(), () -> "got: " + c.text());
        return responses;
    }

    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: pith\r\n\r\n";
    }

    // ================================================================== basics

    @Nested
    class Basics {

        @Test
        void getHeadAndPostOnOneConnection() {
            start(HttpSettings.defaults());
            RawClient c = connect();
            c.send(get("/hello"));
            c.send("HEAD /hello HTTP/1.1\r\nHost: pith\r\n\r\n");
            c.send("POST /echo HTTP/1.1\r\nHost: pith\r\nContent-Type: application/x-test\r\nContent-Length: 5\r\n\r\nhello");
            c.send("POST /echo HTTP/1.1\r\nHost: pith\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3;ext\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Checksum: 7\r\n\r\n");
            c.send("PUT /echo HTTP/1.1\r\nHost: pith\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Length: 4\r\n\r\ncaf\u00e9");
            List<RawResponse> r = awaitResponses(c, 5, false, true);

            assertEquals(200, r.get(0).status());
            assertEquals("HTTP/1.1 200 OK", r.get(0).statusLine());
            assertEquals("hello\n", r.get(0).bodyText());
            assertEquals("text/plain; charset=utf-8", r.get(0).header("Content-Type"));
            assertEquals("6", r.get(0).header("Content-Length"));
            assertNull(r.get(0).header("Connection"), "HTTP/1.1 persists without saying so");

            assertEquals(200, r.get(1).status(), "HEAD is served from GET");
            assertEquals("6", r.get(1).header("Content-Length"), "HEAD carries the GET's length");
            assertEquals(0, r.get(1).body().length);

            assertEquals("hello", r.get(2).bodyText());
            assertEquals("application/x-test", r.get(2).header("Content-Type"));
            assertEquals("abcdefg", r.get(3).bodyText());
            assertEquals("7", r.get(3).header("X-Trailer"), "trailers reach the handler");
            assertEquals("caf\u00e9", r.get(4).bodyText(), "the charset parameter decodes the body");

            HttpStats stats = server.stats();
            assertEquals(1, stats.connectionsAccepted());
            assertEquals(5, stats.requests());
            assertEquals(5, stats.successful());
            assertFalse(c.eof);
        }

        @Test
        void keepAliveReusesTheConnection() {
            start(HttpSettings.defaults());
            RawClient c = connect();
            for (int i = 1; i <= 3; i++) {
                c.send(get("/items/" + i));
                List<RawResponse> r = awaitResponses(c, i);
                assertTrue(r.getLast().bodyText().startsWith("item " + i + " "));
                net.advance(1000);
            }
            assertEquals(1, server.stats().connectionsAccepted());
            assertEquals(1, server.stats().connectionsOpen());
        }

        @Test
        void pipelinedRequestsInOneWriteAreAnsweredInOrder() {
            start(HttpSettings.defaults());
            RawClient c = connect();
            c.send(get("/items/a") + get("/hello") + "DELETE /items/c HTTP/1.1\r\nHost: pith\r\n\r\n");
            List<RawResponse> r = awaitResponses(c, 3);
            assertTrue(r.get(0).bodyText().startsWith("item a "));
            assertEquals("hello\n", r.get(1).bodyText());
            assertEquals(204, r.get(2).status());
            assertNull(r.get(2).header("Content-Length"), "no Content-Length on 204 (RFC 9110 §8.6)");
        }

        @Test
        void pathAndQueryParametersAreDecoded() {
            start(HttpSettings.defaults());
            RawClient c = connect();
            c.send(get("/items/caf%C3%A9?sort=price+asc&x"));
            assertEquals("item café sort=price asc from 10.0.0.2", awaitResponses(c, 1).getFirst().bodyText());
        }

        @Test
        void continueIsSentBeforeTheBodyIsRead() {
            start(HttpSettings.defaults());
            RawClient c = connect();
            c.send("POST /echo HTTP/1.1\r\nHost: pith\r\nContent-Type: text/plain\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
            net.advance(100);
            assertEquals("HTTP/1.1 100 Continue\r\n\r\n", c.text());
            c.send("body");
            List<RawResponse> r = awaitResponses(c, 2);
            assertEquals(100, r.get(0).status());
            assertEquals("body", r.get(1).bodyText());
            assertEquals(1, server.stats().informational());
        }

        @Test
        void tooLargeBodyIsRefusedInsteadOfContinue() {
            start(HttpSettings.defaults());
            RawClient c = connect();
            c.send("POST /echo HTTP/1.1\r\nHost: pith\r\nExpect: 100-continue\r\nContent-Length: 2000000\r\n\r\n");
            List<RawResponse> r = awaitResponses(c, 1);
            assertEquals(413, r.getFirst().status());
            assertEquals("close", r.getFirst().header("Connection"));
            await("close", () -> c.eof);
        }

        @Test
        void connectionCloseIsHonoured() {
            start(HttpSettings.defaults());
            RawClient c = connect();
            c.send("GET /hello HTTP/1.1\r\nHost: pith\r\nConnection: close\r\n\r\n" + get("/hello"));
            await("end of stream", () -> c.eof);
            List<RawResponse> r = c.responses();
            assertEquals(1, r.size(), "nothing is read after Connection: close");
            assertEquals("close", r.getFirst().header("Connection"));
            c.close();
            net.advance(3000);
            assertEquals(0, server.stats().connectionsOpen());
        }

        @Test
        void http10ClosesUnlessKeepAlive() {
            start(HttpSettings.defaults());
            RawClient once = connect();
            once.send("GET /hello HTTP/1.0\r\n\r\n");
            await("end of stream", () -> once.eof);
            assertEquals("close", once.responses().getFirst().header("Connection"));
            assertTrue(once.responses().getFirst().statusLine().startsWith("HTTP/1.1 200"));

            RawClient kept = connect();
            kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertEquals("keep-alive", awaitResponses(kept, 1).getFirst().header("Connection"));
            kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            awaitResponses(kept, 2);
            assertFalse(kept.eof);
        }

        @Test
        void routerAnswers404And405AndOptionsAnd501() {
            start(HttpSettings.defaults());
            RawClient c = connect();
            c.send(get("/nowhere"));
            c.send("POST /hello HTTP/1.1\r\nHost: pith\r\nContent-Length: 0\r\n\r\n");
            c.send("OPTIONS /items/1 HTTP/1.1\r\nHost: pith\r\n\r\n");
            c.send("OPTIONS * HTTP/1.1\r\nHost: pith\r\n\r\n");
            c.send("BREW /hello HTTP/1.1\r\nHost: pith\r\n\r\n");
            c.send(get("/hello"));
            List<RawResponse> r = awaitResponses(c, 6);
            assertEquals(404, r.get(0).status());
            assertEquals(405, r.get(1).status());
            assertEquals("GET, HEAD, OPTIONS", r.get(1).header("Allow"));
            assertEquals(204, r.get(2).status());
            assertEquals("GET, DELETE, HEAD, OPTIONS", r.get(2).header("Allow"));
            assertTrue(r.get(3).header("Allow").contains("POST"));
            assertEquals(501, r.get(4).status(), "unknown method (RFC 9110 §9.1)");
            assertEquals(200, r.get(5).status(), "the connection goes on after routing errors");
        }

        @Test
        void aThrowingHandlerGets500AndTheConnectionGoesOn() {
            start(HttpSettings.defaults());
            RawClient c = connect();
            c.send(get("/throws") + get("/hello"));
            List<RawResponse> r = awaitResponses(c, 2);
            assertEquals(500, r.get(0).status());
            assertEquals(200, r.get(1).status());
            assertEquals(1, server.stats().handlerFailures());
            assertEquals(1, server.stats().serverErrors());
        }

        @Test
        void connectionsBeyondTheLimitAreClosedAtOnce() {
            start(HttpSettings.defaults().withMaxConnections(2));
            RawClient a = connect();
            RawClient b = connect();
            RawClient third = connect();
            net.advance(10);
            assertTrue(third.eof || third.closed, "the third connection is closed");
            assertFalse(a.eof || b.eof);
            a.send(get("/hello"));
            b.send(get("/hello"));
            assertEquals(200, awaitResponses(a, 1).getFirst().status());
            assertEquals(200, awaitResponses(b, 1).getFirst().status());
            assertEquals(1, server.stats().connectionsRejected());
        }
    }

    // ================================================================== malformed requests

    static Stream<Arguments> malformed() {
        String host = "Host: pith\r\n";
        return Stream.of(
                Arguments.of("request line too long", "GET /" + "a".repeat(8200) + " HTTP/1.1\r\n" + host + "\r\n", 414),
                Arguments.of("too many headers", "GET / HTTP/1.1\r\n" + host + "X: y\r\n".repeat(100) + "\r\n", 431),
                Arguments.of("header section too large", "GET / HTTP/1.1\r\n" + host + "X: " + "y".repeat(17000) + "\r\n\r\n", 431),
                Arguments.of("CL and TE", "POST /echo HTTP/1.1\r\n" + host
                        + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n" + host + "\r\n", 400),
                Arguments.of("CL list", "POST /echo HTTP/1.1\r\n" + host + "Content-Length: 1, 2\r\n\r\nab", 400),
                Arguments.of("CL +5", "POST /echo HTTP/1.1\r\n" + host + "Content-Length: +5\r\n\r\nhello", 400),
                Arguments.of("CL 5x", "POST /echo HTTP/1.1\r\n" + host + "Content-Length:  5x\r\n\r\nhello", 400),
                Arguments.of("TE gzip", "POST /echo HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\nxyz", 400),
                Arguments.of("TE gzip, chunked", "POST /echo HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
                Arguments.of("chunk size not hex", "POST /echo HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", 400),
                Arguments.of("chunk size too large", "POST /echo HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nfffffffff\r\n", 413),
                Arguments.of("chunk without CRLF", "POST /echo HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", 400),
                Arguments.of("bare LF", "GET /hello HTTP/1.1\nHost: pith\n\n", 400),
                Arguments.of("NUL", "GET /hello HTTP/1.1\r\nHost: pith\r\nX: a\0b\r\n\r\n", 400),
                Arguments.of("obs-fold", "GET /hello HTTP/1.1\r\nHost: pith\r\nX: a\r\n  b\r\n\r\n", 400),
                Arguments.of("space before colon", "GET /hello HTTP/1.1\r\nHost : pith\r\n\r\n", 400),
                Arguments.of("missing Host", "GET /hello HTTP/1.1\r\n\r\n", 400),
                Arguments.of("HTTP/2.0", "GET /hello HTTP/2.0\r\n" + host + "\r\n", 505),
                Arguments.of("unknown expectation", "POST /echo HTTP/1.1\r\n" + host + "Expect: tea\r\nContent-Length: 1\r\n\r\nx", 417),
                Arguments.of("body too large", "POST /echo HTTP/1.1\r\n" + host + "Content-Length: 1048577\r\n\r\n" + "x".repeat(3000), 413),
                Arguments.of("not HTTP at all", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u00fc\u0003\u0003", 400));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedRequestGetsItsStatusAndCloseAndTheServerGoesOn(String name, String request, int status) {
        start(HttpSettings.defaults());
        RawClient bad = connect();
        bad.send(request);
        await("end of stream", () -> bad.eof || bad.closed);
        List<RawResponse> r = bad.responses();
        assertEquals(1, r.size(), () -> "one response, got: " + bad.text());
        assertEquals(status, r.getFirst().status());
        assertEquals("close", r.getFirst().header("Connection"));
        assertNull(bad.error, "a lingering close, not a reset, so the response is not lost");
        assertEquals(1, server.stats().badRequests());
        assertEquals(0, server.stats().requests(), "nothing smuggled through");

        RawClient good = connect();
        good.send(get("/hello"));
        assertEquals(200, awaitResponses(good, 1).getFirst().status());
    }

    // ================================================================== timeouts

    @Nested
    class Timeouts {

        @Test
        void aSlowDripOfHeaderBytesIsCutOffByTheHeaderTimeout() {
            start(HttpSettings.defaults());
            RawClient c = connect();
            c.send("GET /hello HTTP/1.1\r\nHost: pith\r\nX-Drip: ");
            int seconds = 0;
            while (!c.eof && seconds < 30) {
                c.send("a");
                net.advance(1000);
                seconds++;
            }
            assertEquals(10, seconds, "cut off 10 s after the first byte");
            RawResponse r = c.responses().getFirst();
            assertEquals(408, r.status());
            assertEquals(1, server.stats().timeouts());
        }

        @Test
        void aNewConnectionMustStartItsRequestInTime() {
            start(HttpSettings.defaults());
            RawClient c = connect();
            net.advance(9_000);
            assertFalse(c.eof);
            net.advance(2_000);
            assertTrue(c.eof, "closed after the header timeout");
            assertEquals(0, c.receivedLength(), "silently: nothing was asked");
        }

        @Test
        void anIdleConnectionIsClosedAfterTheIdleTimeout() {
            start(HttpSettings.defaults());
            RawClient c = connect();
            c.send(get("/hello"));
            awaitResponses(c, 1);
            net.advance(59_000);
            assertFalse(c.eof);
            net.advance(2_000);
            assertTrue(c.eof);
            assertEquals(1, server.stats().timeouts());
            net.advance(3_000);
            assertEquals(0, server.stats().connectionsOpen(), "closed after lingering");
        }

        @Test
        void aStalledBodyGets408() {
            start(HttpSettings.defaults().withIdleTimeout(Duration.ofSeconds(5)));
            RawClient c = connect();
            c.send("POST /echo HTTP/1.1\r\nHost: pith\r\nContent-Length: 10\r\n\r\nabc");
            net.advance(4_000);
            c.send("def");
            net.advance(4_000);
            assertFalse(c.eof, "each byte restarts the body timeout");
            net.advance(2_000);
            assertTrue(c.eof);
            assertEquals(408, c.responses().getFirst().status());
        }
    }

    // ================================================================== blocking handlers

    @Nested
    class BlockingHandlers {

        @Test
        void runOnVirtualThreadsAndResponsesStayInOrder() throws Exception {
            start(HttpSettings.defaults());
            RawClient c = connect();
            c.send(get("/slow") + get("/fast") + get("/inline"));
            await("the fast handler", () -> handled.contains("fast") && handled.contains("inline"));
            net.advance(10);
            assertEquals(0, c.receivedLength(), "nothing may overtake the slow response");
            release.countDown();
            List<RawResponse> r = awaitResponses(c, 3);
            assertEquals(List.of("slow\n", "fast\n", "inline\n"), r.stream().map(RawResponse::bodyText).toList());
            assertTrue(ranOnVirtualThread.get(), "blocking handlers run on virtual threads");
            List<String> order = List.copyOf(handled);
            assertEquals("slow", order.getLast(), "safe requests after it ran while it was blocked: " + order);
            assertEquals(java.util.Set.of("fast", "inline"), java.util.Set.copyOf(order.subList(0, 2)));
        }

        @Test
        void anUnsafeRequestHoldsBackTheHandlersAfterIt() throws Exception {
            start(HttpSettings.defaults());
            RawClient c = connect();
            c.send("POST /slow-post HTTP/1.1\r\nHost: pith\r\nContent-Length: 0\r\n\r\n" + get("/inline"));
            await("the slow handler to start", () -> slowStarted.getCount() == 0);
            for (int i = 0; i < 20; i++) {
                net.advance(1);
                LockSupport.parkNanos(1_000_000);
            }
            assertTrue(handled.isEmpty(), "GET waits for the POST before it (RFC 9112 §9.3.2)");
            release.countDown();
            List<RawResponse> r = awaitResponses(c, 2);
            assertEquals(List.of("posted\n", "inline\n"), r.stream().map(RawResponse::bodyText).toList());
            assertEquals(List.of("slow-post", "inline"), List.copyOf(handled));
        }

        @Test
        void pipeliningIsBoundedPerConnection() throws Exception {
            start(HttpSettings.defaults().withMaxPipelinedRequests(2));
            RawClient c = connect();
            c.send(get("/slow") + get("/hello").repeat(5));
            await("the slow handler to start", () -> slowStarted.getCount() == 0);
            net.advance(100);
            assertEquals(2, server.stats().requests(), "reading stops at two requests");
            release.countDown();
            assertEquals(6, awaitResponses(c, 6).size());
            assertEquals(6, server.stats().requests());
        }
    }

    // ================================================================== streaming and backpressure

    @Nested
    class Streaming {

        @Test
        void eightMebibytesArriveIntactWithBoundedBuffering() throws Exception {
            byte[] data = new byte[8 << 20];
            new SplittableRandom(3).nextBytes(data);
            AtomicLong written = new AtomicLong();
            start(HttpSettings.defaults(), r -> r.get("/big", request -> Response.stream("application/octet-stream", out -> {
                for (int i = 0; i < data.length; i += 10_000) {
                    int n = Math.min(10_000, data.length - i);
                    out.write(data, i, n);
                    written.addAndGet(n);
                }
            })));
            RawClient c = connect();
            c.pauseReading();
            c.send(get("/big"));
            // The client reads nothing: the writer must stall once TCP's buffers and ours are full.
            long[] last = {-1};
            long[] stableSince = {System.nanoTime()};
            await("the writer to stall", () -> {
                long now = written.get();
                if (now != last[0]) {
                    last[0] = now;
                    stableSince[0] = System.nanoTime();
                    return false;
                }
                return now > 0 && System.nanoTime() - stableSince[0] > TimeUnit.MILLISECONDS.toNanos(200);
            });
            assertTrue(written.get() < (1 << 20), "the writer is held back: " + written.get() + " bytes written");

            c.resumeReading();
            List<RawResponse> r = awaitResponses(c, 1);
            assertEquals("chunked", r.getFirst().header("Transfer-Encoding"));
            assertEquals(data.length, r.getFirst().body().length);
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data),
                    MessageDigest.getInstance("SHA-256").digest(r.getFirst().body()));
            c.send(get("/big").replace("GET", "HEAD"));
            List<RawResponse> head = awaitResponses(c, 2, false, true);
            assertEquals("chunked", head.get(1).header("Transfer-Encoding"));
            assertEquals(0, head.get(1).body().length);
        }

        @Test
        void aStreamToAnHttp10ClientEndsWithTheConnection() {
            start(HttpSettings.defaults(), r -> r.get("/s", request -> Response.stream("text/plain", out -> {
                out.write("part one, ".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                out.write("part two".getBytes(StandardCharsets.US_ASCII));
            })));
            RawClient c = connect();
            c.send("GET /s HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            await("end of stream", () -> c.eof);
            RawResponse r = c.responses().getFirst();
            assertNull(r.header("Transfer-Encoding"));
            assertEquals("close", r.header("Connection"));
            assertEquals("part one, part two", r.bodyText());
        }

        @Test
        void aWriterThatThrowsResetsTheConnection() {
            start(HttpSettings.defaults(), r -> r.get("/s", request -> Response.stream("text/plain", out -> {
                out.write(new byte[40_000]);
                throw new IOException("writer bug (expected by the test)");
            })));
            RawClient c = connect();
            c.send(get("/s"));
            await("reset", () -> c.closed);
            assertEquals(TcpError.RESET, c.error);
            assertEquals(1, server.stats().handlerFailures());
        }

        @Test
        void aFullSendBufferStopsReadingPipelinedRequests() {
            byte[] big = new byte[200 * 1024];
            start(HttpSettings.defaults(), r -> r.get("/big", request -> Response.bytes(200, "application/octet-stream", big)));
            RawClient c = connect();
            c.pauseReading();
            c.send(get("/big").repeat(12));
            net.advance(2_000);
            long decoded = server.stats().requests();
            assertTrue(decoded < 12, "the server stopped reading requests while it could not send: " + decoded);
            c.resumeReading();
            List<RawResponse> r = awaitResponses(c, 12);
            assertTrue(r.stream().allMatch(x -> x.body().length == big.length));
        }
    }

    // ================================================================== shutdown

    @Nested
    class Shutdown {

        @Test
        void finishesTheRequestInFlightThenCloses() throws Exception {
            start(HttpSettings.defaults());
            RawClient idle = connect();
            idle.send(get("/hello"));
            awaitResponses(idle, 1);
            RawClient busy = connect();
            busy.send(get("/slow"));
            await("the slow handler to start", () -> slowStarted.getCount() == 0);
            net.advance(10);

            server.shutdown(Duration.ofSeconds(30));
            net.advance(10);
            assertTrue(idle.eof, "idle connections close at once");
            assertFalse(busy.eof, "the busy one finishes its request first");
            RawClient late = connect();
            net.advance(10);
            assertEquals(TcpError.REFUSED, late.error, "no longer listening");

            release.countDown();
            await("end of stream", () -> busy.eof);
            RawResponse r = busy.responses().getFirst();
            assertEquals("slow\n", r.bodyText());
            assertEquals("close", r.header("Connection"));
            busy.close();
            idle.close();
            net.advance(3_000);
            assertEquals(0, server.stats().connectionsOpen());
        }

        @Test
        void theGracePeriodEndsWithAReset() throws Exception {
            start(HttpSettings.defaults());
            RawClient busy = connect();
            busy.send(get("/slow"));
            await("the slow handler to start", () -> slowStarted.getCount() == 0);
            server.shutdown(Duration.ofSeconds(1));
            net.advance(1_001);
            assertTrue(busy.closed);
            assertEquals(TcpError.RESET, busy.error);
            assertEquals(0, server.stats().connectionsOpen());
        }
    }

    @Test
    void statsCountResponsesByClass() {
        start(HttpSettings.defaults());
        RawClient c = connect();
        c.send(get("/hello") + get("/nowhere") + get("/throws"));
        awaitResponses(c, 3);
        HttpStats s = server.stats();
        assertEquals(new HttpStats(1, 1, 0, 3, 0, 1, 0, 1, 1, 0, 0, 1), s);
        assertEquals(3, s.responses());
    }
}
