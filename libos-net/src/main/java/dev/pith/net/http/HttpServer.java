package dev.pith.net.http;

import dev.pith.core.EventLoop;
import dev.pith.net.Endpoint;
import dev.pith.net.internal.http.ApiBridge;
import dev.pith.net.internal.http.RequestHead;
import dev.pith.net.internal.http.Router;
import dev.pith.net.internal.http.Server;
import dev.pith.net.tcp.Tcp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * An HTTP/1.1 server (RFC 9110, RFC 9112) on Pith's TCP, on the event loop.
 *
 * <pre>{@code
 * // On the loop thread:
 * HttpServer server = HttpServer.start(loop, tcp, 8080, routes -> routes
 *         .get("/", request -> Response.text("hello\n"))
 *         .get("/items/{id}", HttpHandler.blocking(request -> Response.json(store.load(request.pathParameter("id")))))
 *         .post("/items", request -> Response.status(201).withHeader("Location", "/items/7")),
 *         HttpSettings.defaults());
 * ...
 * server.shutdown(Duration.ofSeconds(5));
 * }</pre>
 *
 * <p>Connections persist (HTTP/1.1 by default, HTTP/1.0 with {@code Connection: keep-alive}),
 * pipelined requests are answered in order, {@code Expect: 100-continue} is honoured, bodies come
 * by {@code Content-Length} or chunked. What is supported, what is not, and the limits: see the
 * {@linkplain dev.pith.net.http package description} and {@link HttpSettings}.
 *
 * <p>Thread rules: {@link #start}, {@link #stats()} and {@link #shutdown} are called on the loop
 * thread (or the thread driving the loop by hand). Handlers run there too, unless
 * {@linkplain HttpHandler#blocking blocking}.
 */
public final class HttpServer {

    private final Server server;

    private HttpServer(Server server) {
        this.server = server;
    }

    /**
     * Listens on {@code port} and serves the routes that {@code routes} sets up (it is called once,
     * before this returns).
     *
     * @throws IllegalStateException if the port is taken, or this is not the loop thread
     * @throws IllegalArgumentException if a route is malformed or routed twice
     */
    public static HttpServer start(EventLoop loop, Tcp tcp, int port, Consumer<Routes> routes, HttpSettings settings) {
        Objects.requireNonNull(routes, "routes == null");
        Router router = new Router();
        routes.accept(router);
        return new HttpServer(Server.start(loop, tcp, port, router, settings, new Bridge()));
    }

    /** Returns the listening port. */
    public int port() {
        return server.port();
    }

    /** Returns the counters. */
    public HttpStats stats() {
        return server.stats();
    }

    /**
     * Shuts down gracefully and returns at once: stops accepting; closes idle connections; lets busy
     * ones finish the requests they have fully received, the last response saying
     * {@code Connection: close}; resets whatever is still open after {@code grace}. Idempotent.
     * {@code stats().connectionsOpen()} reaches 0 when it is over.
     */
    public void shutdown(Duration grace) {
        server.shutdown(grace);
    }

    /** Gives the server package-private access to requests and responses. */
    private static final class Bridge implements ApiBridge {
        @Override
        public Request request(RequestHead head, byte[] body, List<String> trailers, Endpoint remote,
                Map<String, String> pathParameters) {
            return new Request(head.method(), head.target(), head.path(), head.query(), head.version(),
                    new Headers(head.fields().toArray(String[]::new)), body,
                    new Headers(trailers.toArray(String[]::new)), remote, pathParameters);
        }

        @Override
        public byte[] body(Response response) {
            return response.body;
        }

        @Override
        public BodyWriter writer(Response response) {
            return response.writer;
        }
    }
}
