package dev.pith.block.virtio;

import dev.pith.core.EventLoop;
import dev.pith.core.buffer.DmaRegion;
import dev.pith.core.dma.DmaArena;
import dev.pith.core.pci.PciAddress;
import dev.pith.core.pci.PciDevice;
import dev.pith.core.virtio.Virtio;
import dev.pith.core.virtio.VirtioException;
import dev.pith.core.virtio.VirtioPciTransport;
import dev.pith.core.virtio.Virtqueue;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Picks a data disk among the virtio-blk devices: by serial ({@code -device
 * virtio-blk-pci,serial=data}), or by position among the data disks. The image's boot disk is
 * never a data disk: it is the one whose serial is {@value VirtioBlk#BOOT_DISK_SERIAL}, or whose
 * sector 0 holds the MBR disk signature of {@link VirtioBlkSettings#bootDiskSignature()} when that
 * is set. Each candidate is probed in PCI order: reset, VERSION_1 only, a 4-entry queue,
 * DRIVER_OK, GET_ID (and a read of sector 0 if a signature is set), reset again. The probe queue
 * and its scratch memory are carved once per selection and reused for every candidate (a DMA arena
 * never frees), and only the chosen disk is opened for real.
 */
final class DiskSelection {
    private DiskSelection() {}

    /** A candidate disk: a transport over it, and its PCI function, closed unless chosen (null in host tests). */
    record Candidate(VirtioPciTransport transport, PciDevice pci) {}

    /** Opens one candidate when its turn comes, so that at most one is open besides the chosen one. */
    interface Source {
        /** Names the candidate in messages: its PCI address. */
        String name();

        Candidate open() throws IOException;
    }

    /** What a probe found: the serial, and whether this is the image's boot disk. */
    record Probed(String serial, boolean boot) {}

    private static final int PROBE_QUEUE_SIZE = 4;
    private static final Object PROBE_TOKEN = new Object();

    static List<PciAddress> find(Path sysfs) throws IOException {
        List<PciAddress> found = new ArrayList<>(PciDevice.scan(sysfs, Virtio.PCI_VENDOR_ID, Virtio.PCI_DEVICE_ID_BLOCK));
        found.addAll(PciDevice.scan(sysfs, Virtio.PCI_VENDOR_ID, Virtio.PCI_DEVICE_ID_BLOCK_TRANSITIONAL));
        found.sort((a, b) -> a.toString().compareTo(b.toString()));
        return found;
    }

    /** Returns a source per virtio-blk function under {@code sysfs}, in PCI order. */
    static List<Source> candidates(Path sysfs) throws IOException {
        List<Source> sources = new ArrayList<>();
        for (PciAddress address : find(sysfs)) {
            sources.add(new Source() {
                @Override
                public String name() {
                    return address.toString();
                }

                @Override
                public Candidate open() throws IOException {
                    PciDevice pci = PciDevice.open(sysfs, address);
                    try {
                        return new Candidate(VirtioPciTransport.open(pci), pci);
                    } catch (IOException | RuntimeException e) {
                        closeQuietly(pci, e);
                        throw e;
                    }
                }
            });
        }
        return sources;
    }

    static VirtioBlk openBySerial(EventLoop loop, List<Source> sources, DmaArena dma, String serial,
            VirtioBlkSettings settings) throws IOException {
        Objects.requireNonNull(serial, "serial == null");
        if (serial.isEmpty()) {
            throw new IllegalArgumentException("serial is empty; pick a disk without one with openByIndex");
        }
        return select(loop, sources, dma, settings, serial, -1);
    }

    static VirtioBlk openByIndex(EventLoop loop, List<Source> sources, DmaArena dma, int index,
            VirtioBlkSettings settings) throws IOException {
        if (index < 0) {
            throw new IllegalArgumentException("index < 0: " + index);
        }
        return select(loop, sources, dma, settings, null, index);
    }

    /** Probes sources in order; opens the one whose serial is {@code serial}, or the {@code index}th data disk. */
    private static VirtioBlk select(EventLoop loop, List<Source> sources, DmaArena dma, VirtioBlkSettings settings,
            String serial, int index) throws IOException {
        Objects.requireNonNull(loop, "loop == null");
        Objects.requireNonNull(dma, "dma == null");
        Objects.requireNonNull(settings, "settings == null");
        Probe probe = null;
        List<String> seen = new ArrayList<>();
        int dataDisks = 0;
        for (Source source : sources) {
            Candidate candidate;
            Probed found;
            try {
                candidate = source.open();
            } catch (IOException | RuntimeException e) {
                seen.add(source.name() + " (cannot open: " + e.getMessage() + ")");
                continue;
            }
            try {
                if (probe == null) {
                    probe = new Probe(dma, settings);
                }
                found = probe.probe(candidate);
            } catch (IOException | RuntimeException e) {
                seen.add(source.name() + " (probe failed: " + e.getMessage() + ")");
                closeQuietly(candidate.pci(), e);
                continue;
            }
            boolean boot = found.boot();
            boolean chosen = !boot && (serial != null ? found.serial().equals(serial) : dataDisks++ == index);
            if (chosen) {
                try {
                    return VirtioBlk.open(loop, candidate.transport(), candidate.pci(), dma, settings);
                } catch (IOException | RuntimeException e) {
                    closeQuietly(candidate.pci(), e);
                    throw e;
                }
            }
            seen.add(source.name() + " serial \"" + found.serial() + "\"" + (boot ? " (the boot disk)" : ""));
            closeQuietly(candidate.pci(), null);
        }
        String wanted = serial != null ? "data disk with serial \"" + serial + "\""
                : "data disk number " + index + " (counting from 0, the boot disk skipped)";
        throw new IOException("no virtio-blk " + wanted + " among " + sources.size() + " virtio-blk device"
                + (sources.size() == 1 ? "" : "s") + (seen.isEmpty() ? "" : ": " + String.join(", ", seen)));
    }

    private static void closeQuietly(PciDevice pci, Exception cause) {
        if (pci == null) {
            return;
        }
        try {
            pci.close();
        } catch (IOException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
    }

    /** A small queue and scratch memory that read one candidate's serial after another. */
    private static final class Probe {
        private final DmaArena dma;
        private final VirtioBlkSettings settings;
        private Virtqueue<Object> queue;
        private DmaRegion scratch;

        Probe(DmaArena dma, VirtioBlkSettings settings) {
            this.dma = dma;
            this.settings = settings;
            allocate();
        }

        private void allocate() {
            queue = Virtqueue.allocate(dma, "virtio-blk probe", PROBE_QUEUE_SIZE);
            scratch = dma.allocate(SetupRequests.SECTOR_SCRATCH_BYTES, 16);
        }

        /** Reads the candidate's serial (and MBR) and leaves the device reset (§3.1.1), FAILED too if the probe failed. */
        Probed probe(Candidate candidate) throws IOException {
            VirtioPciTransport transport = candidate.transport();
            String name = transport.name();
            Probed probed;
            transport.reset(); // firmware may have used it (DESIGN.md §3)
            try {
                if (candidate.pci() != null) {
                    candidate.pci().enableBusMaster(); // GET_ID is DMA (PCI Local Bus 3.0 §6.2.2)
                }
                transport.negotiate(0); // VERSION_1 only: GET_ID needs no feature
                int max = transport.maxQueueSize(0);
                if (max < PROBE_QUEUE_SIZE) {
                    throw new VirtioException(name + ": requestq allows " + max + " descriptors, fewer than "
                            + PROBE_QUEUE_SIZE);
                }
                transport.setUpQueue(0, queue);
                queue.setNoInterrupt(true);
                transport.driverOk();
                String serial = SetupRequests.serial(name, queue, PROBE_TOKEN, scratch, settings.setupTimeout());
                boolean boot = serial.equals(VirtioBlk.BOOT_DISK_SERIAL);
                OptionalInt bootSignature = settings.bootDiskSignature();
                // §5.2.6.1: no request beyond capacity, so an empty disk's sector 0 is not read.
                if (!boot && bootSignature.isPresent() && VirtioBlkConfig.read(transport).capacity() > 0) {
                    OptionalInt signature = SetupRequests.mbrSignature(name, queue, PROBE_TOKEN, scratch,
                            settings.setupTimeout());
                    boot = signature.isPresent() && signature.getAsInt() == bootSignature.getAsInt();
                }
                probed = new Probed(serial, boot);
            } catch (IOException | RuntimeException e) {
                stop(transport, e);
                transport.fail(); // §2.1: we gave up on it
                throw e;
            }
            stop(transport, null);
            return probed;
        }

        /** Resets the device so that the queue can serve the next candidate; if it will not reset, abandons the queue. */
        private void stop(VirtioPciTransport transport, Exception cause) throws VirtioException {
            try {
                transport.reset(VirtioBlk.RESET_TIMEOUT);
                queue.reclaim(token -> { });
            } catch (VirtioException e) {
                allocate(); // the device may still use the old rings: leave them to it
                if (cause == null) {
                    throw e;
                }
                cause.addSuppressed(e);
            }
        }
    }
}
