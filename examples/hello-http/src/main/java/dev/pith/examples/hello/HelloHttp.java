package dev.pith.examples.hello;

import dev.pith.Ipv4;
import dev.pith.Network;
import dev.pith.Unikernel;
import dev.pith.net.http.HttpHandler;
import dev.pith.net.http.Response;
import java.nio.charset.StandardCharsets;

/**
 * HTTP hello world on port 8080, with a few routes that show the server's parts: a path
 * parameter, a request body, a streamed response, and a handler that blocks on a virtual thread.
 *
 * <pre>
 *   virtio-net ── Ethernet/ARP/IPv4 (DHCP) ── TCP ── HTTP/1.1 :8080
 * </pre>
 */
public final class HelloHttp {

    private HelloHttp() {}

    /** The composition: what the image linker evaluates, and what {@link #main} runs. */
    public static Unikernel unikernel() {
        return Unikernel.builder("hello-http")
                .memoryMib(64)
                .network(Network.virtio())
                .ipv4(Ipv4.dhcp())
                .tcp()
                .http(8080, routes -> routes
                        .get("/", request -> Response.text("hello, unikernel\n"))
                        .get("/hello/{name}", request -> Response.text("hello, " + request.pathParameter("name") + "\n"))
                        .post("/echo", request -> Response.bytes(200, "application/octet-stream", request.body()))
                        .get("/count/{n}", HelloHttp::count)
                        .get("/sleep/{ms}", HttpHandler.blocking(request -> {
                            Thread.sleep(Math.min(1000, Long.parseLong(request.pathParameter("ms"))));
                            return Response.text("slept on a virtual thread\n");
                        })))
                .build();
    }

    /** Streams the numbers 1..n, one per line, without holding them in memory. */
    static Response count(dev.pith.net.http.Request request) {
        long n;
        try {
            n = Math.min(10_000_000L, Long.parseLong(request.pathParameter("n")));
        } catch (NumberFormatException e) {
            return Response.text("not a number: " + request.pathParameter("n") + "\n").withStatus(400);
        }
        return Response.stream("text/plain", out -> {
            for (long i = 1; i <= n; i++) {
                out.write((i + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        });
    }

    public static void main(String[] args) {
        unikernel().run();
    }
}
