package dev.pith.net.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.http.HttpSettings;
import dev.pith.net.http.HttpVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The request decoder on every good and bad request kind. Each input is decoded whole, split in
 * two at every offset, and in fragments of 1 to 7 bytes (netty's
 * {@code testDecodeWholeRequestInMultipleSteps}); every way must give the same events.
 */
class RequestDecoderTest {

    /** Small limits, so that the boundary cases stay short enough to split everywhere. */
    static final HttpSettings SMALL = HttpSettings.defaults().withMaxRequestLineLength(64).withMaxHeaders(4, 128)
            .withMaxBodySize(32);

    // ---------------------------------------------------------------- harness

    /** Decodes {@code fragments} in order with one decoder; returns a line per event. */
    static List<String> events(HttpSettings settings, List<byte[]> fragments) {
        RequestDecoder decoder = new RequestDecoder(settings);
        List<String> events = new ArrayList<>();
        for (byte[] fragment : fragments) {
            ByteBuf in = Unpooled.wrappedBuffer(fragment);
            try {
                for (;;) {
                    Decoded d = decoder.decode(in);
                    if (d instanceof Decoded.NeedMore) {
                        assertFalse(in.isReadable(), "NEED_MORE left bytes unread");
                        break;
                    }
                    events.add(describe(d));
                }
            } finally {
                in.release();
            }
        }
        return events;
    }

    static String describe(Decoded d) {
        return switch (d) {
            case Decoded.NeedMore n -> "need more";
            case Decoded.Head(RequestHead h) -> "head " + h.method() + " " + h.target() + " path=" + h.path() + " query="
                    + h.query() + " " + h.version() + " " + h.fields() + " length=" + h.contentLength() + " keepAlive="
                    + h.keepAlive() + " continue=" + h.expectContinue();
            case Decoded.Message(RequestHead h, byte[] body, List<String> trailers) -> "message " + h.method() + " body="
                    + new String(body, StandardCharsets.ISO_8859_1) + " trailers=" + trailers;
            case Decoded.Failure(int status, String reason) -> "failure " + status + " " + reason;
        };
    }

    /** Decodes {@code input} whole and in every split; asserts they agree; returns the events. */
    static List<String> decodeEveryWay(HttpSettings settings, byte[] input) {
        List<String> whole = events(settings, List.of(input));
        for (int i = 1; i < input.length; i++) {
            byte[] a = java.util.Arrays.copyOfRange(input, 0, i);
            byte[] b = java.util.Arrays.copyOfRange(input, i, input.length);
            assertEquals(whole, events(settings, List.of(a, b)), "split at offset " + i);
        }
        for (int size = 1; size <= 7; size++) {
            List<byte[]> fragments = new ArrayList<>();
            for (int i = 0; i < input.length; i += size) {
                fragments.add(java.util.Arrays.copyOfRange(input, i, Math.min(input.length, i + size)));
            }
            assertEquals(whole, events(settings, fragments), "fragments of " + size + " bytes");
        }
        return whole;
    }

    static List<String> decodeEveryWay(HttpSettings settings, String input) {
        return decodeEveryWay(settings, input.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Whole and in small fragments only, for inputs too long to split everywhere quickly: byte by
     * byte up to 64 KiB, beyond that in fragments of 1021 bytes (a prime, so they fall everywhere).
     */
    static List<String> decodeWholeAndBytewise(HttpSettings settings, String input) {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        List<String> whole = events(settings, List.of(bytes));
        int size = bytes.length <= 64 * 1024 ? 1 : 1021;
        List<byte[]> fragments = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += size) {
            fragments.add(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + size)));
        }
        assertEquals(whole, events(settings, fragments), "fragments of " + size + " bytes");
        return whole;
    }

    static String failureStatus(List<String> events) {
        String last = events.getLast();
        assertTrue(last.startsWith("failure "), () -> "expected a failure, got " + events);
        return last.substring(8, 11);
    }

    // ---------------------------------------------------------------- good requests

    @Nested
    class GoodRequests {

        @Test
        void getWithQuery() {
            List<String> e = decodeEveryWay(HttpSettings.defaults(), "GET /a/b%20c?x=1&y HTTP/1.1\r\nHost: example\r\n\r\n");
            assertEquals(List.of(
                    "head GET /a/b%20c?x=1&y path=/a/b%20c query=x=1&y HTTP/1.1 [Host, example] length=0 keepAlive=true continue=false",
                    "message GET body= trailers=[]"), e);
        }

        @Test
        void emptyLinesBeforeTheRequestLineAreSkipped() {
            List<String> e = decodeEveryWay(HttpSettings.defaults(), "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(2, e.size());
            assertTrue(e.getFirst().startsWith("head GET / path=/ query=null"));
        }

        @Test
        void postWithContentLength() {
            List<String> e = decodeEveryWay(HttpSettings.defaults(),
                    "POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 005\r\n\r\nhello");
            assertEquals(List.of(
                    "head POST /items path=/items query=null HTTP/1.1 [Host, x, Content-Length, 005] length=5 keepAlive=true continue=false",
                    "message POST body=hello trailers=[]"), e);
        }

        @Test
        void chunkedWithExtensionsAndTrailers() {
            List<String> e = decodeEveryWay(HttpSettings.defaults(), "POST /u HTTP/1.1\r\nHost: x\r\n"
                    + "Transfer-Encoding:  Chunked \r\n\r\n"
                    + "5;name=value;quoted=\"a;b\"\r\nhello\r\n6 ; ext\r\n world\r\nA\r\n0123456789\r\n000\r\n"
                    + "X-Checksum: 42\r\nX-Other: y\r\n\r\n");
            assertEquals(List.of(
                    "head POST /u path=/u query=null HTTP/1.1 [Host, x, Transfer-Encoding, Chunked] length=-1 keepAlive=true continue=false",
                    "message POST body=hello world0123456789 trailers=[X-Checksum, 42, X-Other, y]"), e);
        }

        @Test
        void chunkedWithoutTrailers() {
            List<String> e = decodeEveryWay(HttpSettings.defaults(),
                    "PUT /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
            assertEquals("message PUT body=abc trailers=[]", e.getLast());
        }

        @Test
        void http10ClosesUnlessKeepAlive() {
            assertTrue(decodeEveryWay(HttpSettings.defaults(), "GET / HTTP/1.0\r\n\r\n").getFirst()
                    .endsWith("HTTP/1.0 [] length=0 keepAlive=false continue=false"));
            assertTrue(decodeEveryWay(HttpSettings.defaults(), "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").getFirst()
                    .contains("keepAlive=true"));
        }

        @Test
        void connectionCloseAmongOtherOptions() {
            assertTrue(decodeEveryWay(HttpSettings.defaults(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, close\r\n\r\n")
                    .getFirst().contains("keepAlive=false"));
        }

        @Test
        void expectContinue() {
            List<String> e = decodeEveryWay(HttpSettings.defaults(),
                    "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nok");
            assertTrue(e.getFirst().contains("continue=true"), e::toString);
            assertEquals("message POST body=ok trailers=[]", e.getLast());
        }

        @Test
        void expectationsFromHttp10AreIgnored() {
            assertTrue(decodeEveryWay(HttpSettings.defaults(), "GET / HTTP/1.0\r\nExpect: something\r\n\r\n").getFirst()
                    .contains("continue=false"));
        }

        @Test
        void absoluteAndAsteriskForms() {
            assertTrue(decodeEveryWay(HttpSettings.defaults(), "GET http://example.com:80/p/q?r HTTP/1.1\r\nHost: example.com\r\n\r\n")
                    .getFirst().contains("path=/p/q query=r"));
            assertTrue(decodeEveryWay(HttpSettings.defaults(), "GET HTTPS://example.com?r HTTP/1.1\r\nHost: e\r\n\r\n")
                    .getFirst().contains("path=/ query=r"));
            assertTrue(decodeEveryWay(HttpSettings.defaults(), "OPTIONS * HTTP/1.1\r\nHost: e\r\n\r\n")
                    .getFirst().contains("path=* query=null"));
        }

        @Test
        void fieldValuesAreTrimmedAndKeepObsText() {
            List<String> e = decodeEveryWay(HttpSettings.defaults(),
                    "GET / HTTP/1.1\r\nHost: x\r\nX-A: \t a\tb \t\r\nX-Empty:\r\nX-Latin: caf\u00e9\r\n\r\n");
            assertTrue(e.getFirst().contains("[Host, x, X-A, a\tb, X-Empty, , X-Latin, caf\u00e9]"), e::toString);
        }

        @Test
        void pipelinedRequestsComeOneByOne() {
            String one = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n";
            String two = "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
            String three = "DELETE /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n";
            List<String> e = decodeEveryWay(HttpSettings.defaults(), one + two + three);
            assertEquals(List.of("message GET body= trailers=[]", "message POST body=abc trailers=[]",
                    "message DELETE body=z trailers=[]"), e.stream().filter(s -> s.startsWith("message")).toList());
            assertEquals(6, e.size());
        }

        @Test
        void decoderStopsAtTheEndOfEachRequest() {
            RequestDecoder decoder = new RequestDecoder(HttpSettings.defaults());
            assertTrue(decoder.isIdle());
            ByteBuf in = Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /", StandardCharsets.US_ASCII);
            assertTrue(decoder.decode(in) instanceof Decoded.Head);
            assertTrue(decoder.decode(in) instanceof Decoded.Message);
            assertEquals(5, in.readableBytes(), "the next request stays in the buffer");
            assertTrue(decoder.isIdle());
            assertEquals(Decoded.NEED_MORE, decoder.decode(in));
            assertTrue(decoder.readingHead());
            in.release();
        }

        @Test
        void headsAreInterpreted() {
            RequestDecoder decoder = new RequestDecoder(HttpSettings.defaults());
            ByteBuf in = Unpooled.copiedBuffer("GET /x HTTP/1.1\r\nhost: h\r\n\r\n", StandardCharsets.US_ASCII);
            RequestHead head = ((Decoded.Head) decoder.decode(in)).head();
            assertEquals(HttpVersion.HTTP_1_1, head.version());
            assertEquals("h", head.field("HOST"));
            assertFalse(head.hasBody());
            in.release();
        }
    }

    // ---------------------------------------------------------------- bad requests

    static Stream<Arguments> badRequests() {
        String host = "Host: x\r\n";
        return Stream.of(
                // Line endings and bytes (RFC 9112 §2.2)
                Arguments.of("bare LF everywhere", "GET / HTTP/1.1\nHost: x\n\n", 400),
                Arguments.of("bare LF after a header", "GET / HTTP/1.1\r\nHost: x\n\r\n", 400),
                Arguments.of("bare CR in a value", "GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400),
                Arguments.of("bare CR in the request line", "GET /\r HTTP/1.1\r\n" + host + "\r\n", 400),
                Arguments.of("NUL in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n", 400),
                Arguments.of("NUL in the request line", "GET /\0 HTTP/1.1\r\n" + host + "\r\n", 400),
                Arguments.of("control character in a value", "GET / HTTP/1.1\r\n" + host + "X: a\u0001b\r\n\r\n", 400),
                Arguments.of("DEL in a value", "GET / HTTP/1.1\r\n" + host + "X: a\u007fb\r\n\r\n", 400),
                // Request line (RFC 9112 §3)
                Arguments.of("two spaces", "GET  / HTTP/1.1\r\n" + host + "\r\n", 400),
                Arguments.of("no version", "GET /\r\n" + host + "\r\n", 400),
                Arguments.of("trailing space", "GET / HTTP/1.1 \r\n" + host + "\r\n", 400),
                Arguments.of("extra word", "GET / HTTP/1.1 x\r\n" + host + "\r\n", 400),
                Arguments.of("lower-case version", "GET / http/1.1\r\n" + host + "\r\n", 400),
                Arguments.of("malformed version", "GET / HTTP/1.1x\r\n" + host + "\r\n", 400),
                Arguments.of("HTTP/2.0", "GET / HTTP/2.0\r\n" + host + "\r\n", 505),
                Arguments.of("HTTP/1.2", "GET / HTTP/1.2\r\n" + host + "\r\n", 505),
                Arguments.of("HTTP/0.9", "GET / HTTP/0.9\r\n" + host + "\r\n", 505),
                Arguments.of("method not a token", "GE(T / HTTP/1.1\r\n" + host + "\r\n", 400),
                Arguments.of("target not a path", "GET foo HTTP/1.1\r\n" + host + "\r\n", 400),
                Arguments.of("fragment in the target", "GET /a#b HTTP/1.1\r\n" + host + "\r\n", 400),
                Arguments.of("obs-text in the target", "GET /caf\u00e9 HTTP/1.1\r\n" + host + "\r\n", 400),
                Arguments.of("asterisk without OPTIONS", "GET * HTTP/1.1\r\n" + host + "\r\n", 400),
                Arguments.of("absolute form without authority", "GET http:///x HTTP/1.1\r\n" + host + "\r\n", 400),
                Arguments.of("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501),
                // Header fields (RFC 9112 §5)
                Arguments.of("obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400),
                Arguments.of("obs-fold with a tab", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n\tb\r\n\r\n", 400),
                Arguments.of("whitespace before the first field", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400),
                Arguments.of("whitespace before a colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
                Arguments.of("no colon", "GET / HTTP/1.1\r\n" + host + "NoColon\r\n\r\n", 400),
                Arguments.of("empty name", "GET / HTTP/1.1\r\n" + host + ": v\r\n\r\n", 400),
                Arguments.of("name not a token", "GET / HTTP/1.1\r\n" + host + "X(Y: v\r\n\r\n", 400),
                // Host (RFC 9112 §3.2)
                Arguments.of("missing Host", "GET / HTTP/1.1\r\n\r\n", 400),
                Arguments.of("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
                Arguments.of("invalid Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
                // Framing: request smuggling (RFC 9112 §6.3)
                Arguments.of("Content-Length and Transfer-Encoding",
                        "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("Transfer-Encoding and Content-Length",
                        "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("Content-Length list", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1, 2\r\n\r\nab", 400),
                Arguments.of("Content-Length list of equal values", "POST / HTTP/1.1\r\n" + host + "Content-Length: 2, 2\r\n\r\nab", 400),
                Arguments.of("two Content-Lengths", "POST / HTTP/1.1\r\n" + host + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nab", 400),
                Arguments.of("Content-Length with a sign", "POST / HTTP/1.1\r\n" + host + "Content-Length: +5\r\n\r\nhello", 400),
                Arguments.of("negative Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", 400),
                Arguments.of("Content-Length with junk", "POST / HTTP/1.1\r\n" + host + "Content-Length:  5x\r\n\r\nhello", 400),
                Arguments.of("Content-Length with inner space", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1 2\r\n\r\n", 400),
                Arguments.of("Content-Length hexadecimal", "POST / HTTP/1.1\r\n" + host + "Content-Length: 0x5\r\n\r\nhello", 400),
                Arguments.of("empty Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length:\r\n\r\n", 400),
                Arguments.of("Transfer-Encoding gzip", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\nxx", 400),
                Arguments.of("chunked not last", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400),
                Arguments.of("gzip then chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
                Arguments.of("gzip then chunked on two lines",
                        "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
                Arguments.of("chunked twice", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, chunked\r\n\r\n", 400),
                Arguments.of("chunked with a parameter", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked;x=1\r\n\r\n", 400),
                Arguments.of("empty Transfer-Encoding", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: ,\r\n\r\n", 400),
                Arguments.of("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                // Chunks (RFC 9112 §7.1)
                Arguments.of("chunk size not hex", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
                Arguments.of("negative chunk size", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n-1\r\n", 400),
                Arguments.of("chunk size with 0x", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n", 400),
                Arguments.of("junk after a chunk size", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5 x\r\n", 400),
                Arguments.of("space after a chunk size", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5 \r\n", 400),
                Arguments.of("empty chunk size", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n\r\n", 400),
                Arguments.of("chunk data too long", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400),
                Arguments.of("chunk data with bare LF", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n2\r\nab\n", 400),
                Arguments.of("chunk size line with bare LF", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n2\nab\r\n", 400),
                Arguments.of("chunk size overflows", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n", 413),
                Arguments.of("obs-fold in trailers", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\nT: a\r\n b\r\n\r\n", 400),
                // Expectations (RFC 9110 §10.1.1) and sizes
                Arguments.of("unknown expectation", "POST / HTTP/1.1\r\n" + host + "Expect: teapot\r\nContent-Length: 1\r\n\r\nx", 417),
                Arguments.of("two expectations", "POST / HTTP/1.1\r\n" + host + "Expect: 100-continue, x\r\nContent-Length: 1\r\n\r\nx", 417),
                Arguments.of("Content-Length over the limit", "POST / HTTP/1.1\r\n" + host + "Content-Length: 33\r\n\r\n", 413),
                Arguments.of("Content-Length of 19 digits", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1000000000000000000\r\n\r\n", 413),
                Arguments.of("request line over the limit", "GET /" + "a".repeat(60) + " HTTP/1.1\r\n" + host + "\r\n", 414),
                Arguments.of("header line over the limit", "GET / HTTP/1.1\r\n" + host + "X: " + "a".repeat(200) + "\r\n\r\n", 431));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badRequestIsRefusedTheSameWayHoweverItIsSplit(String name, String request, int status) {
        List<String> e = decodeEveryWay(SMALL, request);
        assertEquals(String.valueOf(status), failureStatus(e), e::toString);
        assertEquals(1, e.stream().filter(s -> s.startsWith("failure")).count(), "one failure, then silence");
    }

    @Test
    void afterAFailureEverythingIsDiscarded() {
        RequestDecoder decoder = new RequestDecoder(HttpSettings.defaults());
        ByteBuf in = Unpooled.copiedBuffer("GET / HTTP/1.1\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
                StandardCharsets.US_ASCII);
        assertTrue(decoder.decode(in) instanceof Decoded.Failure);
        assertEquals(Decoded.NEED_MORE, decoder.decode(in));
        assertFalse(in.isReadable());
        assertFalse(decoder.isIdle() || decoder.readingHead() || decoder.readingBody());
        in.release();
    }

    // ---------------------------------------------------------------- limits at and one past the boundary

    @Nested
    class Limits {

        /** A request line of exactly {@code length} bytes. */
        static String requestLine(int length) {
            String fixed = "GET / HTTP/1.1";
            return "GET /" + "a".repeat(length - fixed.length()) + " HTTP/1.1";
        }

        /** A header section of {@code count} fields whose lines (with CRLFs) total exactly {@code size} bytes. */
        static String headerSection(int count, int size) {
            StringBuilder b = new StringBuilder("Host: x\r\n");
            for (int i = 1; i < count - 1; i++) {
                b.append('X').append(i).append(": v\r\n");
            }
            if (count > 1) {
                int valueLength = size - b.length() - 5; // "Y: " and CRLF
                b.append("Y: ").append("v".repeat(valueLength)).append("\r\n");
            }
            assertEquals(size, b.length(), "test bug: section size");
            return b.toString();
        }

        @Test
        void requestLineAtTheLimitPassesOnePastIs414() {
            for (HttpSettings s : List.of(SMALL, HttpSettings.defaults())) {
                int max = s.maxRequestLineLength();
                List<String> at = decodeWholeAndBytewise(s, requestLine(max) + "\r\nHost: x\r\n\r\n");
                assertTrue(at.getLast().startsWith("message GET"), at::toString);
                assertEquals("414", failureStatus(decodeWholeAndBytewise(s, requestLine(max + 1) + "\r\nHost: x\r\n\r\n")));
            }
            decodeEveryWay(SMALL, requestLine(64) + "\r\nHost: x\r\n\r\n");
            decodeEveryWay(SMALL, requestLine(65) + "\r\nHost: x\r\n\r\n");
        }

        @Test
        void headerCountAtTheLimitPassesOnePastIs431() {
            for (HttpSettings s : List.of(SMALL, HttpSettings.defaults())) {
                int max = s.maxHeaderCount();
                int size = 12 * (max + 1);
                HttpSettings roomy = s.withMaxHeaders(max, Math.max(size, s.maxHeaderSectionSize()));
                assertTrue(decodeWholeAndBytewise(roomy, "GET / HTTP/1.1\r\n" + headerSection(max, size) + "\r\n")
                        .getLast().startsWith("message"));
                assertEquals("431", failureStatus(
                        decodeWholeAndBytewise(roomy, "GET / HTTP/1.1\r\n" + headerSection(max + 1, size) + "\r\n")));
            }
        }

        @Test
        void headerSectionAtTheLimitPassesOnePastIs431() {
            for (HttpSettings s : List.of(SMALL, HttpSettings.defaults())) {
                int max = s.maxHeaderSectionSize();
                int count = Math.min(s.maxHeaderCount(), 4);
                String at = "GET / HTTP/1.1\r\n" + headerSection(count, max) + "\r\n";
                String past = "GET / HTTP/1.1\r\n" + headerSection(count, max + 1) + "\r\n";
                assertTrue(decodeWholeAndBytewise(s, at).getLast().startsWith("message"));
                assertEquals("431", failureStatus(decodeWholeAndBytewise(s, past)));
            }
            decodeEveryWay(SMALL, "GET / HTTP/1.1\r\n" + headerSection(4, 128) + "\r\n");
            decodeEveryWay(SMALL, "GET / HTTP/1.1\r\n" + headerSection(4, 129) + "\r\n");
        }

        @Test
        void bodyAtTheLimitPassesOnePastIs413() {
            for (HttpSettings s : List.of(SMALL, HttpSettings.defaults())) {
                int max = s.maxBodySize();
                String body = "b".repeat(max);
                List<String> fixed = decodeWholeAndBytewise(s,
                        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + max + "\r\n\r\n" + body);
                assertEquals("message POST body=" + body + " trailers=[]", fixed.getLast());
                assertEquals("413", failureStatus(decodeWholeAndBytewise(s,
                        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + (max + 1) + "\r\n\r\n" + body + "b")));
                String half = Integer.toHexString(max / 2);
                String chunkedAt = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + half + "\r\n"
                        + body.substring(max / 2) + "\r\n" + half + "\r\n" + body.substring(max / 2) + "\r\n0\r\n\r\n";
                assertEquals("message POST body=" + body + " trailers=[]", decodeWholeAndBytewise(s, chunkedAt).getLast());
                String chunkedPast = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + half + "\r\n"
                        + body.substring(max / 2) + "\r\n" + Integer.toHexString(max / 2 + 1) + "\r\n";
                assertEquals("413", failureStatus(decodeWholeAndBytewise(s, chunkedPast)));
            }
        }

        @Test
        void trailersAreBoundedLikeHeaders() {
            String prefix = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
            String four = "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n";
            assertTrue(decodeEveryWay(SMALL, prefix + four + "\r\n").getLast().endsWith("trailers=[A, 1, B, 2, C, 3, D, 4]"));
            assertEquals("431", failureStatus(decodeEveryWay(SMALL, prefix + four + "E: 5\r\n\r\n")));
            assertEquals("431", failureStatus(decodeEveryWay(SMALL, prefix + "T: " + "t".repeat(124) + "\r\n\r\n")));
        }

        @Test
        void chunkSizeLineIsBounded() {
            String prefix = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
            String at = "1;" + "e".repeat(RequestDecoder.MAX_CHUNK_LINE_LENGTH - 2) + "\r\nz\r\n0\r\n\r\n";
            String past = "1;" + "e".repeat(RequestDecoder.MAX_CHUNK_LINE_LENGTH - 1) + "\r\nz\r\n0\r\n\r\n";
            assertEquals("message POST body=z trailers=[]", decodeWholeAndBytewise(HttpSettings.defaults(), prefix + at).getLast());
            assertEquals("400", failureStatus(decodeWholeAndBytewise(HttpSettings.defaults(), prefix + past)));
        }
    }
}
