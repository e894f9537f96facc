package dev.pith.net.gateway;

import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.MemoryNetDevice;
import dev.pith.core.device.NetDevice;
import dev.pith.net.Endpoint;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.Ipv4Address;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.tcp.TcpLayer;
import dev.pith.net.internal.udp.UdpLayer;
import dev.pith.net.tcp.BlockingTcpConnection;
import dev.pith.net.tcp.TcpSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The no-privilege way into a hosted unikernel: host ports on loopback whose connections are
 * carried into the unikernel's own TCP/IP stack, never around it — the same service QEMU's user
 * networking gives a guest with {@code hostfwd}.
 *
 * <pre>
 *  nc localhost 8080 ─▶ host socket ─▶ gateway: a second Pith stack, 10.0.2.2 ══ cable ══ unikernel, 10.0.2.15:8080
 *                                        (its own loop; a DHCP server; TCP client)  (in-memory Ethernet)
 * </pre>
 *
 * <p>The gateway is a small Pith stack of its own on its own event loop, joined to the unikernel
 * by an in-memory Ethernet cable ({@link #guestDevice()}). It answers the unikernel's DHCP with
 * 10.0.2.15/24 and itself as router, and for each host connection it opens a TCP connection to the
 * unikernel and copies bytes both ways on two virtual threads, passing half-closes through. At
 * most {@link #MAX_CONNECTIONS} host connections are carried at once; more wait in the host's
 * accept queue.
 */
public final class HostGateway implements AutoCloseable {

    /** The gateway's address, as in QEMU's user networking. */
    public static final Ipv4Address GATEWAY = Ipv4Address.of(10, 0, 2, 2);
    /** The address the gateway's DHCP server gives the unikernel. */
    public static final Ipv4Address GUEST = Ipv4Address.of(10, 0, 2, 15);
    /** The subnet's prefix length. */
    public static final int PREFIX_LENGTH = 24;
    /** Most host connections carried at once. */
    public static final int MAX_CONNECTIONS = 1024;
    /** How long a host connection waits for the unikernel to accept. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /**
     * The cable's addresses: the gateway's own, the unikernel's (which the gateway's DHCP server
     * offers, and which forwarded connections go to), and the subnet's prefix length.
     *
     * @param gateway the gateway's address
     * @param guest the unikernel's address
     * @param prefixLength the subnet's prefix length, 8 to 30
     */
    public record Addressing(Ipv4Address gateway, Ipv4Address guest, int prefixLength) {
        /** QEMU's user networking: the gateway 10.0.2.2, the unikernel 10.0.2.15/24. */
        public static final Addressing DEFAULT = new Addressing(GATEWAY, GUEST, PREFIX_LENGTH);

        public Addressing {
            Objects.requireNonNull(gateway, "gateway == null");
            Objects.requireNonNull(guest, "guest == null");
            if (prefixLength < 8 || prefixLength > 30) {
                throw new IllegalArgumentException("the gateway needs a subnet of /8 to /30, not /" + prefixLength);
            }
            int mask = Ipv4Address.mask(prefixLength);
            if ((gateway.bits() & mask) != (guest.bits() & mask) || gateway.equals(guest)) {
                throw new IllegalArgumentException("the gateway " + gateway + " must be another address in the unikernel's"
                        + " subnet " + guest + "/" + prefixLength);
            }
        }

        /**
         * For a unikernel configured with {@code guest}/{@code prefixLength}: the gateway is
         * {@code router} if given, else the subnet's first address (its second if that is the guest's).
         */
        public static Addressing around(Ipv4Address guest, int prefixLength, Optional<Ipv4Address> router) {
            if (router.isPresent()) {
                return new Addressing(router.get(), guest, prefixLength);
            }
            int network = guest.bits() & Ipv4Address.mask(prefixLength);
            int first = network + 1;
            return new Addressing(new Ipv4Address(first == guest.bits() ? first + 1 : first), guest, prefixLength);
        }
    }

    /**
     * One forwarded port.
     *
     * @param hostPort the port on the host's loopback; 0 picks a free one
     * @param guestPort the unikernel's port
     */
    public record Forward(int hostPort, int guestPort) {
        public Forward {
            if (hostPort < 0 || hostPort > 65535 || guestPort < 1 || guestPort > 65535) {
                throw new IllegalArgumentException("want host port 0..65535 and guest port 1..65535: " + hostPort + ":" + guestPort);
            }
        }

        /** Parses {@code "8080"} (the same port on both sides) or {@code "18080:8080"} (host:guest). */
        public static Forward parse(String text) {
            String[] parts = text.trim().split(":", -1);
            try {
                return parts.length == 1 ? new Forward(Integer.parseInt(parts[0]), Integer.parseInt(parts[0]))
                        : new Forward(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a forward is PORT or HOSTPORT:GUESTPORT, not '" + text + "'", e);
            }
        }
    }

    private final EventLoop loop;
    private final DirectBufferPool pool;
    private final MemoryNetDevice guestSide;
    private final MemoryNetDevice gatewaySide;
    private final Interface iface;
    private final TcpLayer tcp;
    private final Map<Integer, ServerSocket> listeners = new LinkedHashMap<>();
    private final Map<Socket, Boolean> open = new ConcurrentHashMap<>();
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final List<Thread> acceptors = new ArrayList<>();
    private volatile boolean closed;

    private final Addressing addressing;

    private HostGateway(RandomSource random, MacAddress guestMac, Addressing addressing) {
        this.addressing = addressing;
        this.loop = EventLoop.builder().build();
        this.pool = new DirectBufferPool(2048, 4096);
        this.guestSide = new MemoryNetDevice("gateway-guest", guestMac, 1500, pool, 1024);
        this.gatewaySide = new MemoryNetDevice("gateway", MacAddress.local(0x52_5400_0202L), 1500, pool, 1024);
        MemoryNetDevice.link(guestSide, gatewaySide);
        this.iface = new Interface(loop, gatewaySide, random, InterfaceSettings.defaults());
        this.tcp = new TcpLayer(loop, iface, random, TcpSettings.defaults());
    }

    /**
     * Starts a gateway whose unikernel side has MAC {@code guestMac}, listening on the host's
     * loopback for each forward.
     *
     * @throws IOException if a host port cannot be bound; the message names it and the way out
     */
    public static HostGateway start(List<Forward> forwards, RandomSource random, MacAddress guestMac) throws IOException {
        return start(forwards, random, guestMac, Addressing.DEFAULT);
    }

    /**
     * As {@link #start(List, RandomSource, MacAddress)}, on the cable's {@code addressing}: for a
     * unikernel with a static address, {@link Addressing#around} it.
     */
    public static HostGateway start(List<Forward> forwards, RandomSource random, MacAddress guestMac, Addressing addressing)
            throws IOException {
        HostGateway gateway = new HostGateway(random, guestMac, addressing);
        try {
            gateway.bind(forwards);
            gateway.startStack(random);
            gateway.startAccepting();
            return gateway;
        } catch (IOException | RuntimeException e) {
            gateway.close();
            throw e;
        }
    }

    private void bind(List<Forward> forwards) throws IOException {
        for (Forward forward : forwards) {
            ServerSocket server = new ServerSocket();
            try {
                server.setReuseAddress(true);
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), forward.hostPort()), 128);
            } catch (IOException e) {
                server.close();
                throw new IOException("cannot listen on host port " + forward.hostPort() + " for the unikernel's port "
                        + forward.guestPort() + " (" + e.getMessage() + "); free it, or forward another host port with "
                        + "-Dpith.forward=HOSTPORT:" + forward.guestPort(), e);
            }
            listeners.put(forward.guestPort(), server);
        }
    }

    private void startStack(RandomSource random) {
        loop.start("pith-gateway");
        CompletableFuture<Void> started = new CompletableFuture<>();
        loop.execute(() -> {
            iface.start();
            UdpLayer udp = new UdpLayer(iface, random);
            udp.start();
            tcp.start();
            iface.configure(addressing.gateway(), addressing.prefixLength(), null, List.of());
            new GatewayDhcpServer(addressing.gateway(), addressing.guest(), addressing.prefixLength()).start(udp);
            started.complete(null);
        });
        started.join();
    }

    private void startAccepting() {
        listeners.forEach((guestPort, server) -> acceptors.add(Thread.ofVirtual()
                .name("pith-gateway-accept-" + server.getLocalPort())
                .start(() -> accept(server, guestPort))));
    }

    /** Returns the device the unikernel uses: its end of the cable to the gateway. */
    public NetDevice guestDevice() {
        return guestSide;
    }

    /** Returns the host port that forwards to {@code guestPort}. */
    public int hostPort(int guestPort) {
        ServerSocket server = listeners.get(guestPort);
        if (server == null) {
            throw new IllegalArgumentException("no host port forwards to the unikernel's port " + guestPort);
        }
        return server.getLocalPort();
    }

    private void accept(ServerSocket server, int guestPort) {
        while (!closed) {
            Socket host;
            try {
                slots.acquire();
                host = server.accept();
            } catch (IOException | InterruptedException e) {
                slots.release();
                return; // closed
            }
            open.put(host, Boolean.TRUE);
            Thread.ofVirtual().name("pith-gateway-" + host.getPort()).start(() -> {
                try {
                    carry(host, guestPort);
                } finally {
                    open.remove(host);
                    slots.release();
                }
            });
        }
    }

    /** Carries one host connection into the unikernel and back, until both directions have ended. */
    private void carry(Socket host, int guestPort) {
        try (host; BlockingTcpConnection guest = tcp.open(new Endpoint(addressing.guest(), guestPort), CONNECT_TIMEOUT)) {
            host.setTcpNoDelay(true);
            Thread toGuest = Thread.ofVirtual().start(() -> copy(host, guest));
            try (InputStream in = guest.input(); OutputStream out = host.getOutputStream()) {
                pump(in, out);
                host.shutdownOutput();
            } catch (IOException e) {
                // The unikernel reset the connection or the host went away: end both directions.
                host.close();
            }
            toGuest.join();
        } catch (IOException e) {
            // The unikernel refused or did not answer: the host sees its connection closed.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void copy(Socket host, BlockingTcpConnection guest) {
        try (InputStream in = host.getInputStream()) {
            OutputStream out = guest.output();
            pump(in, out);
            out.close(); // half-close: the unikernel reads end of stream, and may still answer
        } catch (IOException e) {
            guest.close();
        }
    }

    /** Copies until end of stream, flushing after each read so interactive traffic is not held back. */
    private static void pump(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            out.flush();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (ServerSocket server : listeners.values()) {
            try {
                server.close();
            } catch (IOException ignored) {
                // Closing a listener cannot lose data.
            }
        }
        for (Socket socket : open.keySet()) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Each carrier thread ends when its socket closes.
            }
        }
        for (Thread t : acceptors) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!loop.isStopping()) {
            try {
                loop.execute(() -> {
                    tcp.stop();
                    iface.stop();
                });
            } catch (java.util.concurrent.RejectedExecutionException ignored) {
                // Not running: nothing to stop.
            }
            loop.stop();
        }
        gatewaySide.close();
        guestSide.close();
        try {
            pool.close();
        } catch (IllegalStateException stillHeld) {
            // Frames still held by the unikernel's side; the memory goes with the JVM.
        }
    }

    @Override
    public String toString() {
        return "host gateway " + GATEWAY + " forwarding " + listeners.keySet();
    }
}
