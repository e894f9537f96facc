package dev.pith.internal;

import dev.pith.core.Component;
import dev.pith.core.EventLoop;
import dev.pith.net.http.HttpServer;
import dev.pith.net.http.HttpSettings;
import dev.pith.net.http.Routes;
import dev.pith.net.tcp.BlockingTcpHandler;
import dev.pith.net.tcp.TcpHandler;
import dev.pith.net.tcp.TcpListener;
import dev.pith.net.udp.UdpHandler;
import dev.pith.net.udp.UdpSocket;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A service on a port: what a part named "tcp:8080" or "udp:53" starts. One small class per kind,
 * so the boot code names exactly the ones it uses.
 */
public final class ServicePart {

    private ServicePart() {}

    /** How long a stopping HTTP server lets requests in flight finish. */
    static final Duration HTTP_SHUTDOWN_GRACE = Duration.ofSeconds(2);

    /** A TCP listener whose connections are handled on the event loop. */
    public static final class Listen implements Component {
        private final TcpPart tcp;
        private final int port;
        private final TcpHandler handler;
        private TcpListener listener;

        public Listen(TcpPart tcp, int port, TcpHandler handler) {
            this.tcp = tcp;
            this.port = port;
            this.handler = handler;
        }

        @Override
        public String name() {
            return "tcp:" + port;
        }

        @Override
        public void start() {
            listener = tcp.tcp().listen(port, handler);
        }

        @Override
        public void stop() {
            if (listener != null) {
                listener.close();
            }
        }
    }

    /** A TCP listener whose connections are each served on a virtual thread. */
    public static final class Serve implements Component {
        private final TcpPart tcp;
        private final int port;
        private final BlockingTcpHandler handler;
        private TcpListener listener;

        public Serve(TcpPart tcp, int port, BlockingTcpHandler handler) {
            this.tcp = tcp;
            this.port = port;
            this.handler = handler;
        }

        @Override
        public String name() {
            return "tcp:" + port;
        }

        @Override
        public void start() {
            listener = tcp.tcp().serve(port, handler);
        }

        @Override
        public void stop() {
            if (listener != null) {
                listener.close();
            }
        }
    }

    /** An HTTP/1.1 server. */
    public static final class Http implements Component {
        private final EventLoop loop;
        private final TcpPart tcp;
        private final int port;
        private final HttpSettings settings;
        private final Consumer<Routes> routes;
        private HttpServer server;

        public Http(EventLoop loop, TcpPart tcp, int port, HttpSettings settings, Consumer<Routes> routes) {
            this.loop = loop;
            this.tcp = tcp;
            this.port = port;
            this.settings = settings;
            this.routes = routes;
        }

        @Override
        public String name() {
            return "tcp:" + port;
        }

        @Override
        public void start() {
            server = HttpServer.start(loop, tcp.tcp(), port, routes, settings);
        }

        @Override
        public void stop() {
            if (server != null) {
                server.shutdown(HTTP_SHUTDOWN_GRACE);
            }
        }
    }

    /** A bound UDP port. */
    public static final class Udp implements Component {
        private final UdpPart udp;
        private final int port;
        private final UdpHandler handler;
        private UdpSocket socket;

        public Udp(UdpPart udp, int port, UdpHandler handler) {
            this.udp = udp;
            this.port = port;
            this.handler = handler;
        }

        @Override
        public String name() {
            return "udp:" + port;
        }

        @Override
        public void start() {
            socket = udp.udp().bind(port, handler);
        }

        @Override
        public void stop() {
            if (socket != null) {
                socket.close();
            }
        }
    }
}
