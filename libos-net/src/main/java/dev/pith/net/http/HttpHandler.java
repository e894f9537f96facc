package dev.pith.net.http;

import dev.pith.net.internal.http.BlockingHandler;
import java.util.Objects;

/**
 * Answers one request with a response.
 *
 * <p>By default a handler runs on the event loop thread, in the turn that decoded its request: it
 * must return quickly and never block (no sleeping, no blocking I/O, no locks held by other
 * threads). Wrap a handler that blocks with {@link #blocking(HttpHandler)}: it then runs on a
 * virtual thread of its own, and its response is handed back to the loop to be written.
 *
 * <p>A handler that throws, or returns null, is answered with 500 and logged; the connection stays
 * usable, since the request was fully read before the handler ran.
 *
 * <pre>{@code
 * routes.get("/hello", request -> Response.text("hello\n"))
 *       .get("/report", HttpHandler.blocking(request -> Response.json(database.report())));
 * }</pre>
 */
@FunctionalInterface
public interface HttpHandler {

    /** Returns the response to {@code request}. */
    Response handle(Request request) throws Exception;

    /** Returns a handler that runs {@code handler} on a virtual thread, so that it may block. */
    static HttpHandler blocking(HttpHandler handler) {
        Objects.requireNonNull(handler, "handler == null");
        return handler instanceof BlockingHandler ? handler : new BlockingHandler(handler);
    }
}
