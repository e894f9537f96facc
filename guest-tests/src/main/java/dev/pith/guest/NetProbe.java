package dev.pith.guest;

import dev.pith.Ipv4;
import dev.pith.Network;
import dev.pith.Unikernel;
import dev.pith.net.Ipv4Address;
import dev.pith.net.tcp.TcpConnection;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Pith's virtio-net, ARP, IPv4, ICMP and TCP in a guest: once DHCP has configured the interface,
 * pings QEMU's user-network gateway (it answers ICMP echo) and reports the round trip, while a TCP
 * echo on port 7 serves the host through {@code hostfwd}. Ends (status 0) when the host connects
 * to port 9 and sends "stop".
 */
public final class NetProbe {

    private NetProbe() {}

    public static Unikernel unikernel() {
        return Unikernel.builder("net-probe")
                .memoryMib(128)
                .network(Network.virtio())
                .ipv4(Ipv4.dhcp())
                .tcp()
                .listen(7, connection -> connection.setListener(new TcpConnection.Listener() {
                    @Override
                    public void onReadable(TcpConnection c) {
                        c.pipeTo(c);
                    }

                    @Override
                    public void onWritable(TcpConnection c) {
                        c.pipeTo(c);
                    }
                }))
                .task(context -> {
                    // Wait for the DHCP lease, then ping the gateway.
                    for (int i = 0; i < 200 && address(context).isEmpty(); i++) {
                        Thread.sleep(50);
                    }
                    CompletableFuture<Optional<Duration>> rtt = new CompletableFuture<>();
                    context.loop().execute(() -> context.network().ping(Ipv4Address.parse("10.0.2.2"), Duration.ofSeconds(5),
                            rtt::complete));
                    Optional<Duration> result = rtt.get(10, TimeUnit.SECONDS);
                    System.out.println("pith-guest: address " + address(context).orElse(null) + ", ping 10.0.2.2: "
                            + result.map(d -> "reply in " + d.toNanos() / 1000 + " us").orElse("no reply"));
                    // Serve until the host says stop on port 9.
                    CompletableFuture<Void> stop = new CompletableFuture<>();
                    context.loop().execute(() -> context.tcp().listen(9, c -> stop.complete(null)));
                    stop.get();
                    return result.isPresent() ? 0 : 5;
                })
                .build();
    }

    private static Optional<Ipv4Address> address(dev.pith.TaskContext context) throws Exception {
        CompletableFuture<Optional<Ipv4Address>> a = new CompletableFuture<>();
        context.loop().execute(() -> a.complete(context.network().address()));
        return a.get(5, TimeUnit.SECONDS);
    }

    public static void main(String[] args) {
        unikernel().run();
    }
}
