/**
 * The HTTP/1.1 server's machinery; the API is {@code dev.pith.net.http}.
 *
 * <ul>
 *   <li>{@link dev.pith.net.internal.http.RequestDecoder}: a resumable request decoder (Netty's
 *       {@code HttpObjectDecoder} shape) over bytes in fragments of any size; failures are values
 *       ({@link dev.pith.net.internal.http.Decoded.Failure}) with the status to answer.
 *   <li>{@code ResponseEncoder}: status line, header section, chunk framing.
 *   <li>{@code HttpConnection}: one connection's state machine on the loop (keep-alive,
 *       pipelining in order, 100-continue, backpressure, timeouts, lingering close), with an
 *       {@code Exchange} per request and a {@code BodyStream} per streamed response.
 *   <li>{@link dev.pith.net.internal.http.Router}: pattern routing, HEAD, OPTIONS, 404/405/501.
 *   <li>{@link dev.pith.net.internal.http.Server}: the listener, connection limit, virtual threads,
 *       counters and graceful shutdown.
 * </ul>
 *
 * <p>Strictness (RFC 9112, chosen against request smuggling): CRLF only (bare LF and bare CR are
 * 400), NUL in a head is 400, single spaces in the request line, no obsolete line folding (400),
 * no whitespace before a colon (400), one Host in HTTP/1.1 (400), Content-Length exactly one run of
 * digits in one field (400), never with Transfer-Encoding (400), Transfer-Encoding ending in chunked
 * (400) and holding nothing else (501), none in HTTP/1.0 (400), HTTP versions 1.0 and 1.1 only (505).
 */
package dev.pith.net.internal.http;
