package dev.pith;

import dev.pith.net.http.HttpSettings;
import dev.pith.net.http.Routes;
import dev.pith.net.tcp.BlockingTcpHandler;
import dev.pith.net.tcp.TcpHandler;
import dev.pith.net.udp.UdpHandler;
import java.util.function.Consumer;

/** After {@link IpStep#tcp()}: TCP services, and the protocols that run on TCP. */
public interface TcpStep extends IpStep {

    /** Listens on {@code port}; each accepted connection goes to {@code handler} on the event loop. */
    TcpStep listen(int port, TcpHandler handler);

    /** Listens on {@code port}; each accepted connection is served by {@code handler} on its own virtual thread. */
    TcpStep serve(int port, BlockingTcpHandler handler);

    /**
     * Serves HTTP/1.1 on {@code port} with the routes {@code routes} declares, for example
     * {@code .http(8080, routes -> routes.get("/", request -> Response.text("hi")))}.
     */
    TcpStep http(int port, Consumer<Routes> routes);

    /** Serves HTTP/1.1 on {@code port}, with other limits and timeouts than {@link HttpSettings#defaults()}. */
    TcpStep http(int port, HttpSettings settings, Consumer<Routes> routes);

    @Override
    TcpStep udp(int port, UdpHandler handler);

    @Override
    TcpStep task(UnikernelTask task);
}
