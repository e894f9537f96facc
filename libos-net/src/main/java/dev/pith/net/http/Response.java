package dev.pith.net.http;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An HTTP response: immutable; change one with the {@code with*} methods, which return a copy.
 *
 * <p>The server owns the framing: it writes {@code Content-Length} (or, for a
 * {@linkplain #stream streamed} body, {@code Transfer-Encoding: chunked}) and {@code Connection}
 * itself, so {@link #withHeader} refuses those names. Header names and values are checked when
 * they are set (see {@link Headers}), so a response cannot be split by CR or LF in a value.
 *
 * <pre>{@code
 * Response.text("hello\n");                                       // 200, text/plain; charset=utf-8
 * Response.json("{\"id\":1}").withStatus(201).withHeader("Location", "/items/1");
 * Response.status(204);                                           // no body
 * Response.stream("application/octet-stream", out -> file.transferTo(out));
 * }</pre>
 */
public final class Response {

    private static final byte[] EMPTY = new byte[0];

    private final int status;
    private final Headers headers;
    /** The body, owned by this response and never handed out; null for a streamed body. */
    final byte[] body;
    /** The writer of a streamed body; null for a fixed one. */
    final BodyWriter writer;

    private Response(int status, Headers headers, byte[] body, BodyWriter writer) {
        checkStatus(status);
        if ((status == 204 || status == 304) && (writer != null || body.length > 0)) {
            throw new IllegalArgumentException("a " + status + " response has no body (RFC 9110 §15.3.5, §15.4.5)");
        }
        this.status = status;
        this.headers = headers;
        this.body = body;
        this.writer = writer;
    }

    /** Returns 200 with {@code text} as {@code text/plain; charset=utf-8}. */
    public static Response text(String text) {
        return utf8(text, "text/plain; charset=utf-8");
    }

    /** Returns 200 with {@code html} as {@code text/html; charset=utf-8}. */
    public static Response html(String html) {
        return utf8(html, "text/html; charset=utf-8");
    }

    /** Returns 200 with {@code json} as {@code application/json}, in UTF-8 (RFC 8259 §8.1: no charset parameter). */
    public static Response json(String json) {
        return utf8(json, "application/json");
    }

    private static Response utf8(String text, String contentType) {
        Objects.requireNonNull(text, "text == null");
        return new Response(200, Headers.of("Content-Type", contentType), text.getBytes(StandardCharsets.UTF_8), null);
    }

    /**
     * Returns {@code status} with a copy of {@code body} as {@code contentType}; a null content type
     * sends none.
     */
    public static Response bytes(int status, String contentType, byte[] body) {
        Objects.requireNonNull(body, "body == null");
        Headers headers = contentType == null ? Headers.of() : Headers.of("Content-Type", contentType);
        return new Response(status, headers, body.length == 0 ? EMPTY : body.clone(), null);
    }

    /** Returns {@code status} with an empty body and no content type. */
    public static Response status(int status) {
        return new Response(status, Headers.of(), EMPTY, null);
    }

    /**
     * Returns 200 whose body {@code writer} writes on a virtual thread when the response is sent,
     * with chunked transfer coding (to an HTTP/1.0 client: raw, then the connection closes). See
     * {@link BodyWriter} for backpressure and failures. For HEAD the writer is not run.
     */
    public static Response stream(String contentType, BodyWriter writer) {
        Objects.requireNonNull(writer, "writer == null");
        Headers headers = contentType == null ? Headers.of() : Headers.of("Content-Type", contentType);
        return new Response(200, headers, null, writer);
    }

    /** Returns a copy with another status, 200..599 (informational responses are the server's to send). */
    public Response withStatus(int status) {
        return new Response(status, headers, body, writer);
    }

    /**
     * Returns a copy whose only {@code name} field is {@code value}.
     *
     * @throws IllegalArgumentException if the name or value is malformed, or names a framing field
     *     ({@code Content-Length}, {@code Transfer-Encoding}, {@code Connection}) that the server writes
     */
    public Response withHeader(String name, String value) {
        checkNotFraming(name);
        return new Response(status, headers.withReplaced(name, value), body, writer);
    }

    /** Returns a copy with the field {@code name: value} added after any others of that name ({@code Set-Cookie}). */
    public Response withAddedHeader(String name, String value) {
        checkNotFraming(name);
        return new Response(status, headers.withAdded(name, value), body, writer);
    }

    /** Returns the status code. */
    public int status() {
        return status;
    }

    /** Returns the header fields the handler set, in order (the server adds the framing fields when sending). */
    public Headers headers() {
        return headers;
    }

    /** Returns the first value of header {@code name}, or null. */
    public String header(String name) {
        return headers.value(name);
    }

    /** Returns a copy of the body; empty for a streamed response. */
    public byte[] body() {
        return body == null ? EMPTY : body.clone();
    }

    /** Returns whether the body is streamed by a {@link BodyWriter}. */
    public boolean isStreamed() {
        return writer != null;
    }

    private static void checkStatus(int status) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("status must be 200..599 (1xx are the server's): " + status);
        }
    }

    private static void checkNotFraming(String name) {
        Objects.requireNonNull(name, "header name == null");
        if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")
                || name.equalsIgnoreCase("Connection")) {
            throw new IllegalArgumentException(name + " is written by the server from the response's body and the connection's state");
        }
    }

    @Override
    public String toString() {
        return "Response{" + status + (writer != null ? ", streamed" : ", " + body.length + " bytes") + "}";
    }
}
