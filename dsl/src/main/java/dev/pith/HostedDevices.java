package dev.pith;

import dev.pith.core.EventLoop;
import dev.pith.core.device.BlockDevice;
import dev.pith.core.device.FileBlockDevice;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.MemoryBlockDevice;
import dev.pith.core.device.NetDevice;
import dev.pith.core.platform.Platform;
import dev.pith.internal.Source;
import dev.pith.net.device.TapDevice;
import dev.pith.net.gateway.HostGateway;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The hosted platform's devices: a TAP interface, a device the application made, or — standing
 * in for a virtio NIC — the host gateway; a file or memory for disks, memory standing in for a
 * virtio disk unless a {@code pith.disk.NAME} setting names a file.
 */
final class HostedDevices implements Assembly.Devices {

    /** Frame buffers per unikernel: enough for full device queues in both directions. */
    static final int FRAME_BUFFERS = 4096;
    static final int FRAME_BUFFER_SIZE = 2048;
    /** Size of the memory disk that stands in for a virtio disk when running hosted without a file. */
    static final long HOSTED_VIRTIO_DISK_BYTES = 64L << 20;

    private final Plan plan;
    private final Platform platform;
    private final EventLoop loop;
    /** The gateway, once the net part has started it. */
    volatile HostGateway gateway;

    HostedDevices(Plan plan, Platform platform, EventLoop loop) {
        this.plan = plan;
        this.platform = platform;
        this.loop = loop;
    }

    @Override
    public Source<NetDevice> network(Network network) {
        MacAddress mac = MacAddress.local(platform.random().nextLong() & 0xFF_FFFF_FFFFL);
        return switch (network) {
            case Network.Tap tap -> () -> TapDevice.open(tap.interfaceName(), mac, 1500,
                    platform.packetBuffers(FRAME_BUFFER_SIZE, FRAME_BUFFERS));
            case Network.Provided provided -> () -> provided.device().get();
            // Hosted, a virtio NIC is stood in for by the host gateway: the same app, reachable on localhost.
            case Network.Virtio v -> gateway(mac);
            case Network.HostGateway g -> gateway(mac);
        };
    }

    private Source<NetDevice> gateway(MacAddress mac) {
        return new Source<>() {
            @Override
            public NetDevice open() throws Exception {
                List<HostGateway.Forward> forwards = forwards();
                gateway = HostGateway.start(forwards, platform.random(), mac, addressing());
                for (HostGateway.Forward f : forwards) {
                    System.getLogger(HostedDevices.class.getName()).log(System.Logger.Level.INFO,
                            "pith: localhost:" + gateway.hostPort(f.guestPort()) + " -> unikernel port " + f.guestPort());
                }
                return gateway.guestDevice();
            }

            @Override
            public void close(NetDevice device) {
                gateway.close(); // closes the cable, its end included
            }
        };
    }

    /** The cable's addresses: QEMU's 10.0.2.0/24 for DHCP, else around the plan's static address. */
    private HostGateway.Addressing addressing() {
        return switch (plan.network().orElseThrow().ipv4()) {
            case Ipv4.Static s -> HostGateway.Addressing.around(s.address(), s.prefixLength(), s.gateway());
            case Ipv4.Dhcp d -> HostGateway.Addressing.DEFAULT;
        };
    }

    /** Host ports to forward: pith.forward ("8080" or "18080:8080", comma-separated), else each TCP service's own port. */
    private List<HostGateway.Forward> forwards() {
        String setting = platform.settings().get("forward");
        if (setting != null) {
            return Arrays.stream(setting.split(",")).filter(f -> !f.isBlank()).map(HostGateway.Forward::parse).toList();
        }
        return plan.services().stream().filter(s -> s.protocol().equals("tcp"))
                .map(s -> new HostGateway.Forward(s.port(), s.port())).toList();
    }

    @Override
    public Source<BlockDevice> disk(Disk disk) {
        return switch (disk) {
            case Disk.File f -> () -> FileBlockDevice.open(loop, f.name(), f.file(), f.readOnly());
            case Disk.Memory m -> () -> new MemoryBlockDevice(loop, m.name(), 512, m.bytes() / 512, false);
            case Disk.Virtio v -> () -> hostedStandIn(v);
        };
    }

    /** Virtio disks exist only in an image; hosted, a file named by a setting, or memory, stands in. */
    private BlockDevice hostedStandIn(Disk.Virtio v) throws java.io.IOException {
        String file = platform.settings().get("disk." + v.name());
        if (file != null) {
            return FileBlockDevice.open(loop, v.name(), Path.of(file), v.readOnly());
        }
        System.getLogger(HostedDevices.class.getName()).log(System.Logger.Level.WARNING,
                "disk '" + v.name() + "' is a virtio disk, which exists only in an image; hosted, it is a "
                        + (HOSTED_VIRTIO_DISK_BYTES >> 20) + " MiB memory disk, lost at exit"
                        + " (run with -Dpith.disk." + v.name() + "=/path/to/file to use a file)");
        return new MemoryBlockDevice(loop, v.name(), 512, HOSTED_VIRTIO_DISK_BYTES / 512, v.readOnly());
    }
}
