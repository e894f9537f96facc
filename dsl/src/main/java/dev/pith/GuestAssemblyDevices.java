package dev.pith;

import dev.pith.core.device.BlockDevice;
import dev.pith.core.device.NetDevice;
import dev.pith.core.guest.GuestPlatform;
import dev.pith.internal.GuestDevices;
import dev.pith.internal.Source;

/** The guest's devices for an interpreted plan; the generated boot class names them directly. */
final class GuestAssemblyDevices implements Assembly.Devices {

    private final GuestPlatform platform;

    GuestAssemblyDevices(GuestPlatform platform) {
        this.platform = platform;
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
        throw new IllegalStateException("disk '" + disk.name() + "': virtio-blk is not wired into the guest yet");
    }
}
