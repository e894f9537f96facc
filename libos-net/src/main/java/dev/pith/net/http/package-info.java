/**
 * An HTTP/1.1 server on Pith's TCP: {@link dev.pith.net.http.HttpServer},
 * {@link dev.pith.net.http.Routes}, {@link dev.pith.net.http.HttpHandler},
 * {@link dev.pith.net.http.Request}, {@link dev.pith.net.http.Response}.
 *
 * <pre>{@code
 * HttpServer server = HttpServer.start(loop, tcp, 8080, routes -> routes
 *         .get("/hello/{name}", request -> Response.text("hello " + request.pathParameter("name") + "\n"))
 *         .post("/upload", HttpHandler.blocking(request -> store(request.body()))),
 *         HttpSettings.defaults());
 * }</pre>
 *
 * <h2>Supported</h2>
 * <ul>
 *   <li>HTTP/1.1 and HTTP/1.0 (RFC 9110, RFC 9112); responses always say HTTP/1.1.
 *   <li>Persistent connections: HTTP/1.1 by default, HTTP/1.0 with {@code Connection: keep-alive};
 *       {@code Connection: close} honoured both ways.
 *   <li>Pipelining: requests read ahead (up to 16), responses strictly in order; handlers of safe
 *       methods may run in parallel, others one after the other (RFC 9112 §9.3.2).
 *   <li>Request bodies by {@code Content-Length} or {@code Transfer-Encoding: chunked} (extensions
 *       ignored, trailers kept apart as {@link dev.pith.net.http.Request#trailers()}); read whole.
 *   <li>{@code Expect: 100-continue} (100 before the body is read; 413 instead when the declared
 *       length is over the limit; 417 for any other expectation).
 *   <li>Responses with a fixed body ({@code Content-Length}) or streamed by a
 *       {@link dev.pith.net.http.BodyWriter} on a virtual thread (chunked, with backpressure: at most
 *       two 16 KiB buffers per response beyond TCP's send buffer).
 *   <li>Routing on literal paths with {@code {name}} segments; HEAD from GET; automatic OPTIONS,
 *       404, 405 with {@code Allow}, 501 for unknown methods.
 *   <li>Handlers on the event loop, or on virtual threads with {@link dev.pith.net.http.HttpHandler#blocking}.
 *   <li>Graceful shutdown; counters ({@link dev.pith.net.http.HttpStats}).
 *   <li>Origin-form, absolute-form and asterisk-form ({@code OPTIONS *}) request targets.
 * </ul>
 *
 * <h2>Not supported</h2>
 * <ul>
 *   <li>HTTP/2, HTTP/3, TLS (HTTPS), WebSocket or any {@code Upgrade} (ignored), {@code CONNECT} (501).
 *   <li>Compression and every transfer coding but chunked (501); content codings are the handler's business.
 *   <li>Request bodies as streams: a body is read whole, up to the limit, before the handler runs.
 *   <li>Trailers in responses; {@code Date} in responses (the unikernel's clock is not a calendar;
 *       RFC 9110 §6.6.1).
 *   <li>Lenient parsing: bare LF line endings, obsolete line folding, whitespace before a colon,
 *       {@code Content-Length} lists (even "5, 5") and Content-Length with Transfer-Encoding are all
 *       rejected with 400, on purpose (request smuggling).
 *   <li>Write timeouts: a client that stops reading keeps its connection until TCP gives up or
 *       the server shuts down.
 *   <li>Cookies, sessions, multipart, form parsing beyond query parameters, static files, caching.
 * </ul>
 *
 * <h2>Limits (defaults; see {@link dev.pith.net.http.HttpSettings})</h2>
 * <ul>
 *   <li>Request line 8 KiB (414); header section 100 fields and 16 KiB (431), trailers likewise;
 *       body 1 MiB (413); chunk-size line 4 KiB (400).
 *   <li>Header timeout 10 s from a request's first byte (408), also for a new connection's first
 *       request (silent close); idle keep-alive timeout 60 s, also the longest pause inside a body
 *       (408).
 *   <li>16 pipelined requests per connection; 10,000 connections (further ones are closed at once).
 *   <li>After an error or {@code Connection: close}, the server shuts its output down and reads and
 *       discards for up to 2 s before closing (lingering close, RFC 9112 §9.6).
 * </ul>
 *
 * <p>Every response to a request the decoder refused (400, 408, 413, 414, 417, 431, 501, 505) closes
 * the connection, since the framing of whatever follows is unknown. A handler that throws gets 500
 * and the connection goes on.
 */
package dev.pith.net.http;
