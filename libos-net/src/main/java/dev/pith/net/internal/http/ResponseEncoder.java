package dev.pith.net.internal.http;

import dev.pith.net.http.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * Writes response heads and chunk framing (RFC 9112 §4, §7.1). The status line always says
 * HTTP/1.1, also to HTTP/1.0 clients (RFC 9110 §6.2). No {@code Date} field: a unikernel's clock
 * is monotonic, not a calendar, and RFC 9110 §6.6.1 says a server without a reliable clock must
 * not send one.
 */
final class ResponseEncoder {

    /** How the body of a response is delimited. */
    enum Framing {
        /** No body and no {@code Content-Length}: 1xx, 204 and 304 (RFC 9110 §8.6). */
        NONE,
        /** {@code Content-Length}, also in answer to HEAD, where the body is left out. */
        CONTENT_LENGTH,
        /** {@code Transfer-Encoding: chunked}. */
        CHUNKED,
        /** Neither: the body ends when the connection closes (only to HTTP/1.0 clients). */
        CLOSE_DELIMITED
    }

    /** The interim response to {@code Expect: 100-continue}. */
    static final byte[] CONTINUE = ascii("HTTP/1.1 100 Continue\r\n\r\n");
    /** The last chunk with an empty trailer section. */
    static final byte[] LAST_CHUNK = ascii("0\r\n\r\n");
    static final byte[] CRLF = ascii("\r\n");
    /** The end of a chunk's data followed by the last chunk. */
    static final byte[] CRLF_LAST_CHUNK = ascii("\r\n0\r\n\r\n");

    private ResponseEncoder() {}

    /**
     * Returns a new buffer with the status line and header section, with room for
     * {@code extraCapacity} more bytes (a small body is appended to save a segment).
     *
     * @param connection the {@code Connection} value to send, or null for none
     */
    static ByteBuf head(int status, Headers headers, Framing framing, long contentLength, String connection,
            int extraCapacity) {
        ByteBuf out = Unpooled.buffer(128 + 32 * headers.size() + extraCapacity);
        out.writeCharSequence("HTTP/1.1 ", StandardCharsets.US_ASCII);
        writeStatus(out, status);
        out.writeByte(' ');
        out.writeCharSequence(reasonPhrase(status), StandardCharsets.US_ASCII);
        out.writeBytes(CRLF);
        for (int i = 0; i < headers.size(); i++) {
            field(out, headers.name(i), headers.value(i));
        }
        switch (framing) {
            case NONE, CLOSE_DELIMITED -> { }
            case CONTENT_LENGTH -> field(out, "Content-Length", Long.toString(contentLength));
            case CHUNKED -> field(out, "Transfer-Encoding", "chunked");
        }
        if (connection != null) {
            field(out, "Connection", connection);
        }
        out.writeBytes(CRLF);
        return out;
    }

    /** Returns the framing before a chunk of {@code size} bytes: the size in hex and CRLF. */
    static ByteBuf chunkHeader(int size) {
        ByteBuf out = Unpooled.buffer(10);
        out.writeCharSequence(Integer.toHexString(size), StandardCharsets.US_ASCII);
        out.writeBytes(CRLF);
        return out;
    }

    private static void field(ByteBuf out, String name, String value) {
        out.writeCharSequence(name, StandardCharsets.US_ASCII);
        out.writeByte(':');
        out.writeByte(' ');
        out.writeCharSequence(value, StandardCharsets.ISO_8859_1); // checked by Headers: no CR, LF or NUL
        out.writeBytes(CRLF);
    }

    private static void writeStatus(ByteBuf out, int status) {
        out.writeByte('0' + status / 100);
        out.writeByte('0' + status / 10 % 10);
        out.writeByte('0' + status % 10);
    }

    /** Returns the reason phrase of RFC 9110 §15 for {@code status}, or "" (the phrase is optional). */
    static String reasonPhrase(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 203 -> "Non-Authoritative Information";
            case 204 -> "No Content";
            case 205 -> "Reset Content";
            case 206 -> "Partial Content";
            case 300 -> "Multiple Choices";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 402 -> "Payment Required";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 407 -> "Proxy Authentication Required";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 411 -> "Length Required";
            case 412 -> "Precondition Failed";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 416 -> "Range Not Satisfiable";
            case 417 -> "Expectation Failed";
            case 421 -> "Misdirected Request";
            case 422 -> "Unprocessable Content";
            case 426 -> "Upgrade Required";
            case 428 -> "Precondition Required";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            default -> "";
        };
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
