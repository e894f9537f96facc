package dev.pith.bench.http;

import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.Ipv4Address;
import dev.pith.net.device.TapDevice;
import dev.pith.net.http.HttpServer;
import dev.pith.net.http.HttpSettings;
import dev.pith.net.http.Response;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.tcp.TcpLayer;
import dev.pith.net.tcp.TcpSettings;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The hello server of {@code bench/scripts/http-wrk.sh} on Pith: {@link HttpServer} on Pith's
 * {@link TcpLayer} and {@link Interface}, on a {@link TapDevice}, all on one event loop thread (the
 * main thread) plus the TAP's reader thread. It opens the TAP in the root namespace, moves the
 * kernel's side into namespace {@code netns} and gives it {@code linux-cidr}, as the interop tests'
 * {@code LinuxPeer.openTap} does: clients in the namespace reach Pith across the TAP.
 *
 * <pre>{@code
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.pith.bench.http.PithHelloServer \
 *     pithwrk0 pith-wrk 10.201.1.1/24 10.201.1.2 8080
 * }</pre>
 *
 * <p>Answers {@code GET /} with 200 "hello, unikernel\n" as {@code text/plain; charset=utf-8};
 * default {@link TcpSettings} and {@link HttpSettings}. Runs until killed; a shutdown hook stops
 * the loop and closes the TAP (which deletes the interface).
 */
public final class PithHelloServer {

    static final MacAddress MAC = MacAddress.local(0x50_49_54_48_03L);

    private PithHelloServer() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 5) {
            System.err.println("usage: PithHelloServer <tap-name> <netns> <linux-address/prefix> <pith-address> <port>");
            System.exit(2);
        }
        String tapName = args[0];
        String namespace = args[1];
        String linuxCidr = args[2];
        int prefixLength = Integer.parseInt(linuxCidr.substring(linuxCidr.indexOf('/') + 1));
        Ipv4Address address = Ipv4Address.parse(args[3]);
        int port = Integer.parseInt(args[4]);

        DirectBufferPool pool = new DirectBufferPool(2048, 4096);
        EventLoop loop = EventLoop.builder().build();
        RandomSource random = RandomSource.secure();
        TapDevice tap = TapDevice.open(tapName, MAC, 1500, pool, 1024);
        // The descriptor stays attached when the interface moves to the namespace.
        ip("link", "set", tapName, "netns", namespace);
        ip("-n", namespace, "addr", "add", linuxCidr, "dev", tapName);
        ip("-n", namespace, "link", "set", tapName, "up");

        // Built before the loop runs, on the thread that will run it, as the loop's rules allow.
        Interface iface = new Interface(loop, tap, random, InterfaceSettings.defaults());
        TcpLayer tcp = new TcpLayer(loop, iface, random, TcpSettings.defaults());
        iface.start();
        tcp.start();
        iface.configure(address, prefixLength, null, List.of());
        HttpServer.start(loop, tcp, port, routes -> routes.get("/", request -> Response.text(HttpCodecBenchmark.HELLO)),
                HttpSettings.defaults());

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            loop.stop();
            tap.close();
            pool.close();
        }, "pith-hello-shutdown"));
        System.out.println("pith listening on " + address + ":" + port + " via " + tapName + " (" + namespace + ")");
        loop.runOnCurrentThread();
    }

    /** Runs {@code ip args…}; throws with its output when it fails. */
    private static void ip(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "ip";
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}
