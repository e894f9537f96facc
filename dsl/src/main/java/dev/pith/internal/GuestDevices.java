package dev.pith.internal;

import dev.pith.block.virtio.VirtioBlk;
import dev.pith.block.virtio.VirtioBlkSettings;
import dev.pith.core.EventLoop;
import dev.pith.core.device.BlockDevice;
import dev.pith.core.device.NetDevice;
import dev.pith.core.dma.DmaArena;
import dev.pith.core.guest.BootTrace;
import dev.pith.core.guest.GuestPlatform;
import dev.pith.core.guest.KernelCommandLine;
import dev.pith.core.pci.PciAddress;
import dev.pith.core.pci.PciDevice;
import dev.pith.core.virtio.Virtio;
import dev.pith.net.virtio.VirtioNet;
import java.util.ArrayList;
import java.util.List;

/** The guest's devices: virtio devices found on the PCI bus and driven by Pith's own drivers. */
public final class GuestDevices {

    private GuestDevices() {}

    /**
     * Returns the virtio-blk disk whose serial is {@code serial}, driven by {@link VirtioBlk}; the
     * boot disk (serial pith-boot, or the MBR signature named by pith.bootdisk) is never taken.
     */
    public static Source<BlockDevice> virtioBlk(GuestPlatform platform, EventLoop loop, String serial, boolean readOnly) {
        return () -> {
            long start = System.nanoTime();
            VirtioBlk disk = VirtioBlk.openBySerial(loop, PciDevice.SYSFS, platform.dmaArena(), serial,
                    VirtioBlkSettings.DEFAULT.withBootDisk(KernelCommandLine.read()));
            platform.bootTrace().phase("disk open", start);
            if (readOnly && !disk.readOnly()) {
                disk.close();
                throw new IllegalStateException("disk '" + serial + "' is declared read-only but the VM attached it writable;"
                        + " attach it with -drive ...,readonly=on");
            }
            return disk;
        };
    }

    /** Returns the {@code index}-th virtio-net device in PCI order, driven by {@link VirtioNet}. */
    public static Source<NetDevice> virtioNet(GuestPlatform platform, int index) {
        return new Source<>() {
            private PciDevice pci;

            @Override
            public NetDevice open() throws Exception {
                BootTrace trace = platform.bootTrace();
                long start = System.nanoTime();
                // Modern-only (1041) and transitional (1000) devices alike: Pith drives both through the modern
                // interface, so "-device virtio-net" works as well as "-device virtio-net-pci,disable-legacy=on".
                List<PciAddress> nics = new ArrayList<>(
                        PciDevice.scan(PciDevice.SYSFS, Virtio.PCI_VENDOR_ID, Virtio.PCI_DEVICE_ID_NET));
                nics.addAll(PciDevice.scan(PciDevice.SYSFS, Virtio.PCI_VENDOR_ID, Virtio.PCI_DEVICE_ID_NET_TRANSITIONAL));
                nics.sort(null); // PciAddress orders as sysfs lists them
                if (index >= nics.size()) {
                    throw new IllegalStateException("no virtio-net #" + index + ": the machine has " + nics.size()
                            + " virtio-net devices; start QEMU with -device virtio-net-pci,netdev=...");
                }
                trace.phase("nic scan", start);
                long phase = System.nanoTime();
                pci = PciDevice.open(PciDevice.SYSFS, nics.get(index));
                trace.phase("nic pci", phase);
                phase = System.nanoTime();
                DmaArena dma = platform.dmaArena();
                trace.phase("nic dma", phase);
                phase = System.nanoTime();
                NetDevice nic = VirtioNet.open(pci, dma, VirtioNet.Settings.defaults());
                trace.phase("nic virtio", phase);
                trace.phase("nic open", start);
                return nic;
            }

            @Override
            public void close(NetDevice device) throws Exception {
                device.close(); // resets the device through the BAR, so it goes before the BAR is unmapped
                pci.close();
            }
        };
    }
}
