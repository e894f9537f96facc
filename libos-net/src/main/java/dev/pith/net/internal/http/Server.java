package dev.pith.net.internal.http;

import dev.pith.core.EventLoop;
import dev.pith.core.Timer;
import dev.pith.net.http.HttpHandler;
import dev.pith.net.http.HttpSettings;
import dev.pith.net.http.HttpStats;
import dev.pith.net.http.Request;
import dev.pith.net.http.Response;
import dev.pith.net.tcp.Tcp;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An HTTP/1.1 server on one TCP port: takes connections (up to the limit), gives each an
 * {@link HttpConnection}, runs blocking handlers and body writers on virtual threads, counts, and
 * shuts down gracefully. Everything here runs on the loop thread, except {@link #handOver}, which
 * virtual threads call.
 */
public final class Server implements BodyStream.Handoff {

    /** Bytes read from TCP at a time, into one buffer all connections share (they run one at a time). */
    static final int READ_BUFFER_SIZE = 16 * 1024;

    private static final System.Logger LOG = System.getLogger("dev.pith.net.http");

    private final EventLoop loop;
    private final Router router;
    private final HttpSettings settings;
    private final ApiBridge bridge;
    private final ThreadFactory virtualThreads = Thread.ofVirtual().name("pith-http-", 0).factory();
    private final ByteBuf readBuffer = Unpooled.buffer(READ_BUFFER_SIZE, READ_BUFFER_SIZE);
    private final Set<HttpConnection> connections = new LinkedHashSet<>();
    private final TcpListener listener;
    /** Counters, written on the loop. */
    final Counters counters = new Counters();
    /** Shutting down: no new connections, no new requests after those in progress. */
    private boolean draining;
    /** Aborts what is left when the shutdown's grace period ends. */
    private Timer graceTimer;

    /** The counters behind {@link HttpStats}. */
    static final class Counters {
        long accepted;
        long rejected;
        long requests;
        final long[] responsesByClass = new long[6];
        long badRequests;
        long timeouts;
        long handlerFailures;

        void response(int status) {
            responsesByClass[status / 100]++;
        }
    }

    private Server(EventLoop loop, Tcp tcp, int port, Router router, HttpSettings settings, ApiBridge bridge) {
        this.loop = loop;
        this.router = router;
        this.settings = settings;
        this.bridge = bridge;
        this.listener = tcp.listen(port, this::accept);
    }

    /**
     * Starts listening on {@code port}. Call on the loop thread.
     *
     * @throws IllegalStateException if the port is taken or this is not the loop thread
     */
    public static Server start(EventLoop loop, Tcp tcp, int port, Router router, HttpSettings settings, ApiBridge bridge) {
        Objects.requireNonNull(loop, "loop == null");
        Objects.requireNonNull(tcp, "tcp == null");
        Objects.requireNonNull(settings, "settings == null");
        if (!loop.inLoop()) {
            throw new IllegalStateException("start an HTTP server on the event loop thread, not on " + Thread.currentThread());
        }
        router.freeze();
        return new Server(loop, tcp, port, router, settings, bridge);
    }

    /** Returns the listening port. */
    public int port() {
        return listener.port();
    }

    private void accept(TcpConnection connection) {
        if (draining) {
            connection.close();
            return;
        }
        if (connections.size() >= settings.maxConnections()) {
            counters.rejected++;
            connection.close();
            return;
        }
        counters.accepted++;
        HttpConnection http = new HttpConnection(this, connection);
        connections.add(http);
        http.start();
    }

    /** A connection has ended. */
    void closed(HttpConnection connection) {
        connections.remove(connection);
        if (draining && connections.isEmpty() && graceTimer != null) {
            graceTimer.cancel();
        }
    }

    /**
     * Stops accepting; closes idle connections, lets each busy one finish the requests it has
     * fully received (the last response says {@code Connection: close}); aborts what is left
     * after {@code grace}. Returns at once. Idempotent.
     */
    public void shutdown(Duration grace) {
        Objects.requireNonNull(grace, "grace == null");
        if (draining) {
            return;
        }
        draining = true;
        listener.close();
        for (HttpConnection c : new ArrayList<>(connections)) {
            c.drain();
        }
        if (!connections.isEmpty()) {
            graceTimer = loop.schedule(grace, () -> {
                for (HttpConnection c : new ArrayList<>(connections)) {
                    c.abort();
                }
            });
        }
    }

    /** Returns the counters. */
    public HttpStats stats() {
        long[] r = counters.responsesByClass;
        return new HttpStats(connections.size(), counters.accepted, counters.rejected, counters.requests, r[1], r[2], r[3],
                r[4], r[5], counters.badRequests, counters.timeouts, counters.handlerFailures);
    }

    // ---------------------------------------------------------------- for connections

    EventLoop loop() {
        return loop;
    }

    HttpSettings settings() {
        return settings;
    }

    Router router() {
        return router;
    }

    ApiBridge bridge() {
        return bridge;
    }

    boolean draining() {
        return draining;
    }

    /** The shared read buffer: valid until the caller returns to the loop. */
    ByteBuf readBuffer() {
        return readBuffer.clear();
    }

    /** Starts {@code task} on a new virtual thread. */
    void startVirtual(Runnable task) {
        virtualThreads.newThread(task).start();
    }

    /**
     * Runs {@code handler}; returns its response, or null if it threw or returned null (logged).
     * Any thread.
     */
    static Response invoke(HttpHandler handler, Request request) {
        try {
            Response response = handler.handle(request);
            if (response == null) {
                LOG.log(System.Logger.Level.ERROR, "handler for " + request + " returned null; answering 500");
            }
            return response;
        } catch (Throwable failure) { // a handler bug must not take the loop (or the connection) down
            LOG.log(System.Logger.Level.ERROR, "handler for " + request + " threw; answering 500", failure);
            return null;
        }
    }

    static void log(System.Logger.Level level, String message, Throwable failure) {
        LOG.log(level, message, failure);
    }

    /**
     * Queues {@code task} on the loop from another thread, retrying every millisecond while the
     * loop's inbox is full.
     *
     * @throws IOException if the loop has stopped
     */
    @Override
    public void handOver(Runnable task) throws IOException {
        for (;;) {
            try {
                loop.execute(task);
                return;
            } catch (RejectedExecutionException rejected) {
                if (loop.isStopping()) {
                    throw new IOException("event loop has stopped", rejected);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // inbox full: the loop is draining it
            }
        }
    }
}
