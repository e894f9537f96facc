package dev.pith.net.tcp;

/** A listening port. Used on the event loop thread. */
public interface TcpListener {

    /** Returns the port. */
    int port();

    /** Stops accepting: the port is released; established connections go on. */
    void close();
}
