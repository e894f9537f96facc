package dev.pith.net.http;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits and timeouts of an {@link HttpServer}. {@link #defaults()} suits a public server;
 * change one value with the {@code with*} methods.
 *
 * <table>
 *   <caption>Limits, their defaults, and the answer when a request goes beyond them</caption>
 *   <tr><th>Limit</th><th>Default</th><th>Beyond it</th></tr>
 *   <tr><td>{@code maxRequestLineLength}: bytes of the request line, CRLF excluded</td>
 *       <td>{@value #DEFAULT_MAX_REQUEST_LINE_LENGTH}</td><td>414, close</td></tr>
 *   <tr><td>{@code maxHeaderCount}: field lines in the header section (and, separately, the trailer section)</td>
 *       <td>{@value #DEFAULT_MAX_HEADER_COUNT}</td><td>431, close</td></tr>
 *   <tr><td>{@code maxHeaderSectionSize}: bytes of those field lines, each counted with its CRLF</td>
 *       <td>{@value #DEFAULT_MAX_HEADER_SECTION_SIZE}</td><td>431, close</td></tr>
 *   <tr><td>{@code maxBodySize}: bytes of a request body (the sum of its chunks when chunked)</td>
 *       <td>{@value #DEFAULT_MAX_BODY_SIZE}</td><td>413 (instead of 100 Continue), close</td></tr>
 *   <tr><td>{@code headerTimeout}: from a request's first byte to the end of its header section;
 *       also how long a new connection may wait before its first request starts</td>
 *       <td>10 s</td><td>408 and close (silent close when nothing was received)</td></tr>
 *   <tr><td>{@code idleTimeout}: a persistent connection with nothing to do; also the longest pause
 *       while a body arrives</td><td>60 s</td><td>close (408 within a body)</td></tr>
 *   <tr><td>{@code maxPipelinedRequests}: requests read ahead of their responses on one connection</td>
 *       <td>{@value #DEFAULT_MAX_PIPELINED_REQUESTS}</td><td>reading pauses (TCP's window closes)</td></tr>
 *   <tr><td>{@code maxConnections}: open connections</td>
 *       <td>{@value #DEFAULT_MAX_CONNECTIONS}</td><td>a new connection is closed at once</td></tr>
 * </table>
 *
 * @param maxRequestLineLength most bytes of a request line, CRLF excluded
 * @param maxHeaderCount most field lines in a header (or trailer) section
 * @param maxHeaderSectionSize most bytes of a header (or trailer) section's field lines, CRLFs included
 * @param maxBodySize most bytes of a request body
 * @param headerTimeout time allowed from a request's first byte to its last header line
 * @param idleTimeout time a persistent connection may stay idle, or a body may pause
 * @param maxPipelinedRequests most requests received on a connection and not yet fully answered
 * @param maxConnections most open connections
 */
public record HttpSettings(int maxRequestLineLength, int maxHeaderCount, int maxHeaderSectionSize, int maxBodySize,
        Duration headerTimeout, Duration idleTimeout, int maxPipelinedRequests, int maxConnections) {

    /** Default most bytes of a request line: 8 KiB, as RFC 9112 §3 recommends at least. */
    public static final int DEFAULT_MAX_REQUEST_LINE_LENGTH = 8 * 1024;
    /** Default most header fields. */
    public static final int DEFAULT_MAX_HEADER_COUNT = 100;
    /** Default most bytes of the header section: 16 KiB. */
    public static final int DEFAULT_MAX_HEADER_SECTION_SIZE = 16 * 1024;
    /** Default most bytes of a body: 1 MiB. */
    public static final int DEFAULT_MAX_BODY_SIZE = 1024 * 1024;
    /** Default header timeout. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
    /** Default idle timeout. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** Default most pipelined requests per connection. */
    public static final int DEFAULT_MAX_PIPELINED_REQUESTS = 16;
    /** Default most open connections. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    public HttpSettings {
        positive("maxRequestLineLength", maxRequestLineLength);
        positive("maxHeaderCount", maxHeaderCount);
        positive("maxHeaderSectionSize", maxHeaderSectionSize);
        if (maxBodySize < 0) {
            throw new IllegalArgumentException("maxBodySize < 0: " + maxBodySize);
        }
        positive("maxPipelinedRequests", maxPipelinedRequests);
        positive("maxConnections", maxConnections);
        timeout("headerTimeout", headerTimeout);
        timeout("idleTimeout", idleTimeout);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " < 1: " + value);
        }
    }

    private static void timeout(String name, Duration value) {
        Objects.requireNonNull(value, name + " == null");
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " <= 0: " + value);
        }
    }

    /** Returns the defaults of the table above. */
    public static HttpSettings defaults() {
        return new HttpSettings(DEFAULT_MAX_REQUEST_LINE_LENGTH, DEFAULT_MAX_HEADER_COUNT, DEFAULT_MAX_HEADER_SECTION_SIZE,
                DEFAULT_MAX_BODY_SIZE, DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_PIPELINED_REQUESTS,
                DEFAULT_MAX_CONNECTIONS);
    }

    /** Returns a copy with another request-line limit. */
    public HttpSettings withMaxRequestLineLength(int maxRequestLineLength) {
        return new HttpSettings(maxRequestLineLength, maxHeaderCount, maxHeaderSectionSize, maxBodySize, headerTimeout,
                idleTimeout, maxPipelinedRequests, maxConnections);
    }

    /** Returns a copy with other header-section limits. */
    public HttpSettings withMaxHeaders(int maxHeaderCount, int maxHeaderSectionSize) {
        return new HttpSettings(maxRequestLineLength, maxHeaderCount, maxHeaderSectionSize, maxBodySize, headerTimeout,
                idleTimeout, maxPipelinedRequests, maxConnections);
    }

    /** Returns a copy with another body limit. */
    public HttpSettings withMaxBodySize(int maxBodySize) {
        return new HttpSettings(maxRequestLineLength, maxHeaderCount, maxHeaderSectionSize, maxBodySize, headerTimeout,
                idleTimeout, maxPipelinedRequests, maxConnections);
    }

    /** Returns a copy with another header timeout. */
    public HttpSettings withHeaderTimeout(Duration headerTimeout) {
        return new HttpSettings(maxRequestLineLength, maxHeaderCount, maxHeaderSectionSize, maxBodySize, headerTimeout,
                idleTimeout, maxPipelinedRequests, maxConnections);
    }

    /** Returns a copy with another idle timeout. */
    public HttpSettings withIdleTimeout(Duration idleTimeout) {
        return new HttpSettings(maxRequestLineLength, maxHeaderCount, maxHeaderSectionSize, maxBodySize, headerTimeout,
                idleTimeout, maxPipelinedRequests, maxConnections);
    }

    /** Returns a copy with another pipelining limit. */
    public HttpSettings withMaxPipelinedRequests(int maxPipelinedRequests) {
        return new HttpSettings(maxRequestLineLength, maxHeaderCount, maxHeaderSectionSize, maxBodySize, headerTimeout,
                idleTimeout, maxPipelinedRequests, maxConnections);
    }

    /** Returns a copy with another connection limit. */
    public HttpSettings withMaxConnections(int maxConnections) {
        return new HttpSettings(maxRequestLineLength, maxHeaderCount, maxHeaderSectionSize, maxBodySize, headerTimeout,
                idleTimeout, maxPipelinedRequests, maxConnections);
    }
}
