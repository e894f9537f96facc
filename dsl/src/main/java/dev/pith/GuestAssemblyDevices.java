package dev.pith;

import dev.pith.core.device.BlockDevice;
import dev.pith.core.device.NetDevice;
import dev.pith.core.guest.GuestPlatform;
import dev.pith.internal.GuestDevices;
import dev.pith.internal.Source;

/** The guest's devices for an interpreted plan; the generated boot class names them directly. */
final class GuestAssemblyDevices implements Assembly.Devices {

    private final GuestPlatform platform;
    private final dev.pith.core.EventLoop loop;

    GuestAssemblyDevices(GuestPlatform platform, dev.pith.core.EventLoop loop) {
        this.platform = platform;
        this.loop = loop;
    }

    @Override
    public Source<NetDevice> network(Network network) {
        return switch (network) {
            case Network.Virtio v -> GuestDevices.virtioNet(platform, v.index());
            default -> throw new IllegalStateException(network + " exists only hosted; in an image, use Network.virtio()");
        };
    }

    @Override
    public Source<BlockDevice> disk(Disk disk) {
        return switch (disk) {
            case Disk.Virtio v -> GuestDevices.virtioBlk(platform, loop, v.serial(), v.readOnly());
            default -> throw new IllegalStateException("disk '" + disk.name() + "' is " + disk
                    + ", which exists only hosted; in an image, use Disk.virtio(\"" + disk.name() + "\")");
        };
    }
}
