package dev.pith.bench.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The hello server of {@code bench/scripts/http-wrk.sh} on the JDK's {@code com.sun.net.httpserver}
 * and the kernel's TCP: no executor, so handlers run on the server's single dispatcher thread (the
 * JDK's default, and the closest to Pith's one loop thread).
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar dev.pith.bench.http.JdkHelloServer 10.201.2.2 8081
 * }</pre>
 *
 * <p>Answers {@code /} with 200 "hello, unikernel\n" as {@code text/plain; charset=utf-8} and
 * {@code Content-Length}; the JDK adds a {@code Date} field.
 */
public final class JdkHelloServer {

    private JdkHelloServer() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: JdkHelloServer <address> <port>");
            System.exit(2);
        }
        byte[] hello = HttpCodecBenchmark.HELLO.getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 1024);
        server.createContext("/", exchange -> respond(exchange, hello));
        server.start();
        System.out.println("jdk listening on " + args[0] + ":" + args[1]);
    }

    private static void respond(HttpExchange exchange, byte[] hello) throws IOException {
        exchange.getRequestBody().readAllBytes(); // drain, so the connection can be reused
        exchange.getResponseHeaders().set("Content-Type", HttpCodecBenchmark.TEXT_PLAIN);
        exchange.sendResponseHeaders(200, hello.length);
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(hello);
        }
    }
}
