package dev.pith.examples.echo;

import dev.pith.Ipv4;
import dev.pith.Network;
import dev.pith.Unikernel;
import dev.pith.net.tcp.TcpConnection;

/**
 * The TCP echo server of the talk Pith answers: every line a client sends comes back, to any
 * number of clients at once, on port 8080.
 *
 * <pre>
 *   virtio-net ── Pith's driver ── Ethernet/ARP/IPv4 (DHCP) ── TCP ── :8080 echo
 * </pre>
 *
 * <p>Hosted (a plain JVM), the virtio NIC is stood in for by the host gateway, so
 * {@code nc localhost 8080} reaches the unikernel's own TCP/IP stack without root.
 */
public final class Echo {

    private Echo() {}

    /** The composition: what the image linker evaluates, and what {@link #main} runs. */
    public static Unikernel unikernel() {
        return Unikernel.builder("echo")
                .memoryMib(64)
                .network(Network.virtio())
                .ipv4(Ipv4.dhcp())
                .tcp()
                .listen(8080, connection -> connection.setListener(new EchoListener()))
                .build();
    }

    /** Sends back whatever arrives, as fast as the client takes it; closes when the client does. */
    static final class EchoListener implements TcpConnection.Listener {
        @Override
        public void onReadable(TcpConnection connection) {
            connection.pipeTo(connection);
        }

        @Override
        public void onWritable(TcpConnection connection) {
            connection.pipeTo(connection);
        }
    }

    public static void main(String[] args) {
        unikernel().run();
    }
}
