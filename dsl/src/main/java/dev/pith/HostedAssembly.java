package dev.pith;

import dev.pith.core.Component;
import dev.pith.core.EventLoop;
import dev.pith.core.Supervisor;
import dev.pith.core.device.BlockDevice;
import dev.pith.core.device.FileBlockDevice;
import dev.pith.core.device.MemoryBlockDevice;
import dev.pith.core.platform.Platform;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs a plan inside this JVM: one event loop, one component per part, a supervisor. This is the
 * hosted twin of the boot class the image linker generates, which wires the same parts with
 * plain constructor calls for the guest.
 */
final class HostedAssembly {

    /** Size of the memory disk that stands in for a virtio disk when running hosted without a file. */
    static final long HOSTED_VIRTIO_DISK_BYTES = 64L << 20;

    private HostedAssembly() {}

    static RunningUnikernel start(Plan plan, Platform platform) {
        Supervisor[] supervisor = new Supervisor[1];
        EventLoop loop = platform.eventLoop()
                .onError(failure -> supervisor[0].fail("event loop", failure))
                .build();
        Map<String, BlockDevice> disks = new ConcurrentHashMap<>();
        NetworkAssembly network = plan.network().map(n -> new NetworkAssembly(n, plan.services(), platform, loop)).orElse(null);
        List<Component> components = new ArrayList<>();
        for (Plan.Part part : plan.parts()) {
            components.add(component(part.name(), plan, platform, loop, disks, network));
        }
        supervisor[0] = new Supervisor(loop, components);
        loop.start("pith-" + plan.name());
        supervisor[0].start();
        // Parts start quickly (none waits for the network: DHCP goes on in the background), so wait for them.
        supervisor[0].startup().join();
        return new RunningUnikernel(plan, loop, supervisor[0], disks, network);
    }

    private static Component component(String part, Plan plan, Platform platform, EventLoop loop,
            Map<String, BlockDevice> disks, NetworkAssembly network) {
        if (part.startsWith("disk:")) {
            String name = part.substring("disk:".length());
            Disk disk = plan.disks().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
            return new DiskComponent(part, disk, platform, loop, disks);
        }
        Component component = network == null ? null : network.component(part, plan);
        if (component == null) {
            throw new IllegalStateException("part '" + part + "' of unikernel '" + plan.name() + "' has no implementation");
        }
        return component;
    }

    /** Opens a disk at start and closes it at stop. */
    private record DiskComponent(String name, Disk disk, Platform platform, EventLoop loop, Map<String, BlockDevice> disks)
            implements Component {

        @Override
        public void start() throws Exception {
            BlockDevice device = switch (disk) {
                case Disk.File f -> FileBlockDevice.open(loop, f.name(), f.file(), f.readOnly());
                case Disk.Memory m -> new MemoryBlockDevice(loop, m.name(), 512, m.bytes() / 512, false);
                case Disk.Virtio v -> hostedStandIn(v);
            };
            disks.put(disk.name(), device);
        }

        /** Virtio disks exist only in images; hosted, a file named by a setting, or memory, stands in. */
        private BlockDevice hostedStandIn(Disk.Virtio v) throws java.io.IOException {
            String file = platform.settings().get("disk." + v.name());
            if (file != null) {
                return FileBlockDevice.open(loop, v.name(), Path.of(file), v.readOnly());
            }
            System.getLogger(HostedAssembly.class.getName()).log(System.Logger.Level.WARNING,
                    "disk '" + v.name() + "' is a virtio disk, which exists only in an image; hosted, it is a "
                            + (HOSTED_VIRTIO_DISK_BYTES >> 20) + " MiB memory disk, lost at exit"
                            + " (run with -Dpith.disk." + v.name() + "=/path/to/file to use a file)");
            return new MemoryBlockDevice(loop, v.name(), 512, HOSTED_VIRTIO_DISK_BYTES / 512, v.readOnly());
        }

        @Override
        public void stop() {
            BlockDevice device = disks.remove(disk.name());
            if (device != null) {
                device.close();
            }
        }
    }
}
