package ${package};

import dev.pith.Ipv4;
import dev.pith.Network;
import dev.pith.Unikernel;
import dev.pith.net.tcp.TcpConnection;

/**
 * ${unikernelName}: a unikernel that echoes what clients send on port 8080. Change the
 * composition to the OS parts your service needs; the compiler tells you what cannot work.
 */
public final class App {

    private App() {}

    /** The composition, evaluated by the image build and run by {@link #main}. */
    public static Unikernel unikernel() {
        return Unikernel.builder("${unikernelName}")
                .network(Network.virtio())
                .ipv4(Ipv4.dhcp())
                .tcp()
                .listen(8080, connection -> connection.setListener(new TcpConnection.Listener() {
                    @Override
                    public void onReadable(TcpConnection c) {
                        c.pipeTo(c);
                    }

                    @Override
                    public void onWritable(TcpConnection c) {
                        c.pipeTo(c);
                    }
                }))
                .build();
    }

    public static void main(String[] args) {
        unikernel().run();
    }
}
