package dev.pith.net.internal.http;

import dev.pith.net.http.HttpHandler;
import dev.pith.net.http.Request;
import dev.pith.net.http.Response;
import java.util.Objects;

/**
 * Marks a handler that may block: the server runs it on a virtual thread. Made by
 * {@link HttpHandler#blocking(HttpHandler)}.
 *
 * @param handler the handler to run
 */
public record BlockingHandler(HttpHandler handler) implements HttpHandler {

    public BlockingHandler {
        Objects.requireNonNull(handler, "handler == null");
    }

    @Override
    public Response handle(Request request) throws Exception {
        return handler.handle(request);
    }
}
