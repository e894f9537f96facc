package dev.pith.image.link;

import dev.pith.Disk;
import dev.pith.Ipv4;
import dev.pith.Network;
import dev.pith.Unikernel;
import dev.pith.net.http.Response;

/** Compositions the boot class tests link; public, as the generated boot class calls them from its own package. */
public final class Compositions {

    private static int evaluations;

    private Compositions() {}

    /** Every kind of part, and two disks whose names would make the same Java identifier. */
    public static Unikernel everything() {
        return Unikernel.builder("everything")
                .disk(Disk.virtio("a1"))
                .disk(Disk.virtio("a-1"))
                .network(Network.virtio())
                .ipv4(Ipv4.dhcp())
                .tcp(dev.pith.net.tcp.TcpSettings.defaults().withBuffers(128 << 10, 128 << 10))
                .listen(7, connection -> connection.pipeTo(connection))
                .http(8080, routes -> routes.get("/", request -> Response.text("hi")))
                .build();
    }

    /** A task that never ends and ignores being stopped: were it run by the AOT training, the link would hang. */
    public static Unikernel stubborn() {
        return Unikernel.builder("stubborn")
                .task(context -> {
                    for (;;) {
                        try {
                            Thread.sleep(60_000);
                        } catch (InterruptedException ignored) {
                            // carries on regardless
                        }
                    }
                })
                .build();
    }

    /** A composition that depends on its environment: its port changes with each evaluation. */
    public static Unikernel changing() {
        evaluations++;
        return Unikernel.builder("changing")
                .network(Network.virtio())
                .ipv4(Ipv4.dhcp())
                .tcp()
                .listen(8000 + evaluations, connection -> connection.close())
                .build();
    }
}
