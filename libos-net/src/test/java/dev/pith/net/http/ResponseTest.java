package dev.pith.net.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.Endpoint;
import dev.pith.net.Ipv4Address;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The API values: responses, headers and requests, and what they refuse. */
class ResponseTest {

    @Test
    void factoriesSetStatusTypeAndBody() {
        Response text = Response.text("h\u00e9");
        assertEquals(200, text.status());
        assertEquals("text/plain; charset=utf-8", text.header("content-type"));
        assertArrayEquals("h\u00e9".getBytes(StandardCharsets.UTF_8), text.body());
        assertEquals("text/html; charset=utf-8", Response.html("<p>").header("Content-Type"));
        assertEquals("application/json", Response.json("{}").header("Content-Type"));
        assertEquals(0, Response.status(204).body().length);
        assertEquals(0, Response.status(404).headers().size());
        assertTrue(Response.stream("text/plain", out -> { }).isStreamed());
    }

    @Test
    void responsesAreImmutable() {
        byte[] body = {1, 2, 3};
        Response r = Response.bytes(201, null, body);
        body[0] = 9;
        assertEquals(1, r.body()[0], "the body was copied in");
        r.body()[1] = 9;
        assertEquals(2, r.body()[1], "and is copied out");
        Response changed = r.withStatus(202).withHeader("X-A", "1");
        assertEquals(201, r.status());
        assertNull(r.header("X-A"));
        assertEquals(202, changed.status());
    }

    @Test
    void withHeaderReplacesAndWithAddedHeaderAdds() {
        Response r = Response.text("x").withAddedHeader("Set-Cookie", "a=1").withAddedHeader("set-cookie", "b=2")
                .withHeader("Content-Type", "text/csv");
        assertEquals(List.of("a=1", "b=2"), r.headers().values("Set-Cookie"));
        assertEquals(List.of("text/csv"), r.headers().values("content-type"));
        assertEquals("Content-Type", r.headers().name(0), "replaced in place");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\r\nSet-Cookie: evil=1", "a\nb", "a\rb", "a\0b", "a\u0001b", "a\u007fb", "\u20ac"})
    void headerValuesThatCouldSplitTheResponseAreRefused(String value) {
        assertThrows(IllegalArgumentException.class, () -> Response.text("x").withHeader("X-A", value));
        assertThrows(IllegalArgumentException.class, () -> Headers.of("X-A", value));
        assertThrows(IllegalArgumentException.class, () -> Response.bytes(200, value, new byte[0]));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "X A", "X:A", "X\r\nY", "X\u00e9", "(X)"})
    void headerNamesMustBeTokens(String name) {
        assertThrows(IllegalArgumentException.class, () -> Response.text("x").withHeader(name, "v"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Content-Length", "transfer-encoding", "CONNECTION"})
    void framingHeadersBelongToTheServer(String name) {
        assertThrows(IllegalArgumentException.class, () -> Response.text("x").withHeader(name, "1"));
        assertThrows(IllegalArgumentException.class, () -> Response.text("x").withAddedHeader(name, "1"));
    }

    @Test
    void statusesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> Response.status(100));
        assertThrows(IllegalArgumentException.class, () -> Response.status(600));
        assertThrows(IllegalArgumentException.class, () -> Response.text("body").withStatus(204));
        assertThrows(IllegalArgumentException.class, () -> Response.stream(null, out -> { }).withStatus(304));
        assertEquals(304, Response.status(304).status());
    }

    @Test
    void headersLookUpCaseInsensitivelyAndKeepOrder() {
        Headers h = Headers.of("Accept", "a", "X-B", "1", "accept", "b");
        assertEquals(3, h.size());
        assertEquals("a", h.value("ACCEPT"));
        assertEquals(List.of("a", "b"), h.values("Accept"));
        assertEquals(List.of(), h.values("missing"));
        assertNull(h.value("missing"));
        assertEquals("Accept: a\nX-B: 1\naccept: b\n", h.toString());
        assertEquals(h, Headers.of("Accept", "a", "X-B", "1", "accept", "b"));
        assertThrows(IllegalArgumentException.class, () -> Headers.of("odd"));
    }

    static Request request(String target, String contentType, byte[] body) {
        int q = target.indexOf('?');
        Headers headers = contentType == null ? Headers.of("Host", "h") : Headers.of("Host", "h", "Content-Type", contentType);
        return new Request("GET", target, q < 0 ? target : target.substring(0, q), q < 0 ? null : target.substring(q + 1),
                HttpVersion.HTTP_1_1, headers, body, Headers.of(), new Endpoint(Ipv4Address.of(10, 0, 0, 2), 4000),
                Map.of("id", "caf\u00e9"));
    }

    @Test
    void requestQueryParametersAreDecoded() {
        Request r = request("/p?a=1&b=x+y%21&a=2&flag&=skip&c=%zz", null, new byte[0]);
        assertEquals("1", r.queryParameter("a"));
        assertEquals(List.of("1", "2"), r.queryParameterValues("a"));
        assertEquals("x y!", r.queryParameter("b"));
        assertEquals("", r.queryParameter("flag"));
        assertEquals("%zz", r.queryParameter("c"), "a malformed escape stays as it is");
        assertNull(r.queryParameter("missing"));
        assertEquals("a=1&b=x+y%21&a=2&flag&=skip&c=%zz", r.query());
        assertEquals("/p", r.path());
        assertNull(request("/p", null, new byte[0]).queryParameter("a"));
        assertEquals("caf\u00e9", r.pathParameter("id"));
        assertNull(r.pathParameter("other"));
        assertEquals("GET /p?a=1&b=x+y%21&a=2&flag&=skip&c=%zz HTTP/1.1", r.toString());
    }

    @Test
    void requestBodyDecodesByCharset() {
        byte[] latin = "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("caf\u00e9", request("/", "text/plain; charset=\"ISO-8859-1\"", latin).bodyAsString());
        assertEquals("caf\u00e9", request("/", null, "caf\u00e9".getBytes(StandardCharsets.UTF_8)).bodyAsString());
        assertEquals("x", request("/", "text/plain; charset=no-such-charset", new byte[] {'x'}).bodyAsString());
        Request r = request("/", null, new byte[] {1, 2});
        r.body()[0] = 9;
        assertEquals(1, r.body()[0], "the body is copied out");
        assertEquals(2, r.bodyLength());
        assertFalse(r.headers().size() == 0);
    }

    @Test
    void blockingWrapsOnce() {
        HttpHandler h = request -> Response.status(204);
        HttpHandler blocking = HttpHandler.blocking(h);
        assertTrue(blocking != h);
        assertTrue(HttpHandler.blocking(blocking) == blocking);
    }

    @Test
    void settingsAreChecked() {
        HttpSettings d = HttpSettings.defaults();
        assertEquals(8192, d.maxRequestLineLength());
        assertEquals(100, d.maxHeaderCount());
        assertEquals(16384, d.maxHeaderSectionSize());
        assertEquals(1 << 20, d.maxBodySize());
        assertEquals(16, d.maxPipelinedRequests());
        assertEquals(10_000, d.maxConnections());
        assertEquals(java.time.Duration.ofSeconds(10), d.headerTimeout());
        assertEquals(java.time.Duration.ofSeconds(60), d.idleTimeout());
        assertThrows(IllegalArgumentException.class, () -> d.withMaxConnections(0));
        assertThrows(IllegalArgumentException.class, () -> d.withIdleTimeout(java.time.Duration.ZERO));
        assertEquals(5, d.withMaxPipelinedRequests(5).maxPipelinedRequests());
    }
}
