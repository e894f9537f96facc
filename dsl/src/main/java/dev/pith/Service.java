package dev.pith;

import dev.pith.net.http.HttpSettings;
import dev.pith.net.http.Routes;
import dev.pith.net.tcp.BlockingTcpHandler;
import dev.pith.net.tcp.TcpHandler;
import dev.pith.net.udp.UdpHandler;
import java.util.Objects;
import java.util.function.Consumer;

/** A service the unikernel offers on a port: what a user of the image reaches from outside. */
public sealed interface Service {

    /** Returns the port. */
    int port();

    /** Returns "tcp" or "udp". */
    String protocol();

    private static int checkPort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range: use 1..65535");
        }
        return port;
    }

    /** A TCP listener whose connections are handled on the event loop. */
    record TcpListen(int port, TcpHandler handler) implements Service {
        public TcpListen {
            checkPort(port);
            Objects.requireNonNull(handler, "handler == null");
        }

        @Override
        public String protocol() {
            return "tcp";
        }

        @Override
        public String toString() {
            return "tcp listen " + port;
        }
    }

    /** A TCP listener whose connections are each served by blocking code on a virtual thread. */
    record TcpServe(int port, BlockingTcpHandler handler) implements Service {
        public TcpServe {
            checkPort(port);
            Objects.requireNonNull(handler, "handler == null");
        }

        @Override
        public String protocol() {
            return "tcp";
        }

        @Override
        public String toString() {
            return "tcp serve " + port + " (blocking, virtual threads)";
        }
    }

    /**
     * An HTTP/1.1 server.
     *
     * @param port the TCP port
     * @param settings its limits and timeouts
     * @param routes declares its routes when it starts
     */
    record Http(int port, HttpSettings settings, Consumer<Routes> routes) implements Service {
        public Http {
            checkPort(port);
            Objects.requireNonNull(settings, "settings == null");
            Objects.requireNonNull(routes, "routes == null");
        }

        @Override
        public String protocol() {
            return "tcp";
        }

        @Override
        public String toString() {
            return "http " + port;
        }
    }

    /** A bound UDP port. */
    record Udp(int port, UdpHandler handler) implements Service {
        public Udp {
            checkPort(port);
            Objects.requireNonNull(handler, "handler == null");
        }

        @Override
        public String protocol() {
            return "udp";
        }

        @Override
        public String toString() {
            return "udp " + port;
        }
    }
}
