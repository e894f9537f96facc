package dev.pith.net.internal.tcp;

import dev.pith.net.tcp.TcpHandler;
import dev.pith.net.tcp.TcpListener;

/** A listening port: its handler, and how many of its connections are still half-open (the backlog). */
final class ListenerImpl implements TcpListener {

    private final TcpLayer tcp;
    private final int port;
    private final TcpHandler handler;
    /** Connections in SYN-RECEIVED; bounded by the backlog, beyond which SYN cookies answer. */
    int halfOpen;

    ListenerImpl(TcpLayer tcp, int port, TcpHandler handler) {
        this.tcp = tcp;
        this.port = port;
        this.handler = handler;
    }

    @Override
    public int port() {
        return port;
    }

    /** A connection of this listener is established: it is no longer half-open, and the application gets it. */
    void established(Connection c) {
        if (c.halfOpenCounted) {
            c.halfOpenCounted = false;
            halfOpen--;
        }
        handler.accept(c);
    }

    /** A half-open connection ended before it was established. */
    void halfOpenEnded(Connection c) {
        if (c.halfOpenCounted) {
            c.halfOpenCounted = false;
            halfOpen--;
        }
    }

    @Override
    public void close() {
        tcp.unlisten(this);
    }

    @Override
    public String toString() {
        return "TCP listener on port " + port;
    }
}
