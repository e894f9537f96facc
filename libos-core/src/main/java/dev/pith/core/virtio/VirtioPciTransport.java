package dev.pith.core.virtio;

import dev.pith.core.pci.PciBar;
import dev.pith.core.pci.PciCapability;
import dev.pith.core.pci.PciDevice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;

/**
 * The modern virtio-pci transport (virtio 1.2 §4.1): the common configuration structure through
 * which a driver resets the device, negotiates features and sets up queues, the notification
 * area its kicks write to, the ISR byte and the device-specific configuration.
 *
 * <p>A driver follows §3.1.1 (Driver Requirements: Device Initialization) in this order:
 * <pre>{@code
 * PciDevice pci = PciDevice.open(PciDevice.SYSFS, address);
 * VirtioPciTransport virtio = VirtioPciTransport.open(pci);   // find and map the structures (§4.1.4)
 * virtio.reset();                                             // firmware may have used the device
 * pci.enableBusMaster();
 * long features = virtio.negotiate(wanted);                   // ACKNOWLEDGE, DRIVER, features, FEATURES_OK
 * Virtqueue<ByteBuf> rx = Virtqueue.allocate(arena, "rx", Math.min(256, virtio.maxQueueSize(0)));
 * virtio.setUpQueue(0, rx);                                   // size, addresses, enable (§4.1.5.1.3)
 * virtio.driverOk();                                          // the device is live
 * }</pre>
 * Every failure during setup sets FAILED in the device status (best effort) and throws a
 * {@link VirtioException} naming the device, the register and the values; after DRIVER_OK the
 * transport's only data-path method is {@link #notify(int)}, which cannot fail.
 *
 * <p>Registers are reached through {@link Registers}: volatile exact-width accesses to the mapped
 * BAR in the guest, a device written in Java in host tests. Not thread-safe: one thread sets a
 * device up, then its event loop owns it.
 */
public final class VirtioPciTransport {

    /** How long {@link #reset()} waits for the device to read back status 0 by default. */
    public static final Duration DEFAULT_RESET_TIMEOUT = Duration.ofSeconds(1);

    // §4.1.4 struct virtio_pci_cap: cap_vndr, cap_next, cap_len, cfg_type, bar, id, padding[2], offset, length.
    private static final int CAP_LEN = 2;
    private static final int CAP_CFG_TYPE = 3;
    private static final int CAP_BAR = 4;
    private static final int CAP_OFFSET = 8;
    private static final int CAP_LENGTH = 12;
    /** §4.1.4.4 struct virtio_pci_notify_cap: notify_off_multiplier follows the 16-byte cap. */
    private static final int CAP_NOTIFY_OFF_MULTIPLIER = 16;
    private static final int VIRTIO_PCI_CAP_COMMON_CFG = 1;
    private static final int VIRTIO_PCI_CAP_NOTIFY_CFG = 2;
    private static final int VIRTIO_PCI_CAP_ISR_CFG = 3;
    private static final int VIRTIO_PCI_CAP_DEVICE_CFG = 4;

    // §4.1.4.3 struct virtio_pci_common_cfg.
    private static final int DEVICE_FEATURE_SELECT = 0;
    private static final int DEVICE_FEATURE = 4;
    private static final int DRIVER_FEATURE_SELECT = 8;
    private static final int DRIVER_FEATURE = 12;
    private static final int NUM_QUEUES = 18;
    private static final int DEVICE_STATUS = 20;
    private static final int CONFIG_GENERATION = 21;
    private static final int QUEUE_SELECT = 22;
    private static final int QUEUE_SIZE = 24;
    private static final int QUEUE_ENABLE = 28;
    private static final int QUEUE_NOTIFY_OFF = 30;
    private static final int QUEUE_DESC = 32;
    private static final int QUEUE_DRIVER = 40;
    private static final int QUEUE_DEVICE = 48;
    /** The common structure up to and including queue_device. */
    private static final int COMMON_CFG_MIN_LENGTH = 56;
    /** Retries of {@link #readDeviceConfig} before it gives up on a configuration that keeps changing. */
    private static final int CONFIG_GENERATION_RETRIES = 16;

    private final String name;
    private final Registers common;
    private final Registers notify;
    private final long notifyOffMultiplier;
    private final Registers isr;
    private final Registers deviceConfig;
    /** Notify offset of each set-up queue, -1 for the others. */
    private final long[] notifyOffsets;
    private long features;

    /**
     * Creates a transport over the four structures; {@link #open(PciDevice)} finds them on a real
     * device, tests pass a software device's.
     *
     * @param name the device in messages, e.g. its PCI address
     * @param notifyOffMultiplier the notification capability's multiplier (§4.1.4.4)
     * @param deviceConfig the device-specific configuration, or null if the device has none
     */
    public VirtioPciTransport(String name, Registers common, Registers notify, long notifyOffMultiplier,
            Registers isr, Registers deviceConfig) {
        this.name = Objects.requireNonNull(name, "name == null");
        this.common = Objects.requireNonNull(common, "common == null");
        this.notify = Objects.requireNonNull(notify, "notify == null");
        this.isr = Objects.requireNonNull(isr, "isr == null");
        this.deviceConfig = deviceConfig;
        if (common.size() < COMMON_CFG_MIN_LENGTH) {
            throw new IllegalArgumentException(name + ": common configuration is " + common.size()
                    + " bytes, less than "
                    + COMMON_CFG_MIN_LENGTH);
        }
        if (notifyOffMultiplier < 0) {
            throw new IllegalArgumentException(name + ": notify_off_multiplier < 0: " + notifyOffMultiplier);
        }
        this.notifyOffMultiplier = notifyOffMultiplier;
        this.notifyOffsets = new long[common.read16(NUM_QUEUES)];
        Arrays.fill(notifyOffsets, -1);
    }

    /**
     * Finds a modern virtio device's structures in its vendor capabilities (§4.1.4: cfg_type 1
     * common, 2 notify, 3 ISR, 4 device), the first of each type in a memory BAR, and maps them.
     *
     * @throws VirtioException if a structure is missing (a legacy-only device) or lies outside its BAR
     */
    public static VirtioPciTransport open(PciDevice device) throws IOException {
        String name = device.address().toString();
        MemorySegment[] windows = new MemorySegment[5];
        long multiplier = -1;
        for (PciCapability capability : device.capabilities()) {
            if (capability.id() != PciDevice.CAP_ID_VENDOR) {
                continue;
            }
            int at = capability.offset();
            int type = device.readConfig8(at + CAP_CFG_TYPE);
            int barIndex = device.readConfig8(at + CAP_BAR);
            // §4.1.4.1: ignore reserved cfg_type and bar values; take the first structure of each type we can use.
            if (type < VIRTIO_PCI_CAP_COMMON_CFG || type > VIRTIO_PCI_CAP_DEVICE_CFG || barIndex > 5
                    || windows[type] != null) {
                continue;
            }
            int capLength = device.readConfig8(at + CAP_LEN);
            if (capLength < 16 || (type == VIRTIO_PCI_CAP_NOTIFY_CFG && capLength < 20)) {
                throw new VirtioException(name + ": virtio capability at config offset 0x" + Integer.toHexString(at)
                        + " (cfg_type " + type + ") has cap_len " + capLength + ", too short");
            }
            PciBar bar = device.bar(barIndex);
            if (!bar.isMemory()) {
                continue; // e.g. a notify structure in an I/O BAR; a later capability may offer it in memory
            }
            long offset = Integer.toUnsignedLong(device.readConfig32(at + CAP_OFFSET));
            long length = Integer.toUnsignedLong(device.readConfig32(at + CAP_LENGTH));
            if (offset + length > bar.size()) {
                throw new VirtioException(name + ": virtio structure cfg_type " + type + " at " + bar
                        + " offset 0x" + Long.toHexString(offset) + " length 0x" + Long.toHexString(length)
                        + " lies outside the BAR");
            }
            windows[type] = device.mapBar(barIndex).asSlice(offset, length);
            if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
                multiplier = Integer.toUnsignedLong(device.readConfig32(at + CAP_NOTIFY_OFF_MULTIPLIER));
            }
        }
        String[] names = {null, "common configuration", "notification", "ISR status"};
        for (int type = VIRTIO_PCI_CAP_COMMON_CFG; type <= VIRTIO_PCI_CAP_ISR_CFG; type++) {
            if (windows[type] == null) {
                throw new VirtioException(name + " [" + String.format("%04x:%04x", device.vendorId(), device.deviceId())
                        + "]: no " + names[type] + " capability in a memory BAR: not a modern virtio device"
                        + " (legacy-only devices are not supported)");
            }
        }
        return new VirtioPciTransport(name, Registers.mmio(windows[VIRTIO_PCI_CAP_COMMON_CFG]),
                Registers.mmio(windows[VIRTIO_PCI_CAP_NOTIFY_CFG]), multiplier,
                Registers.mmio(windows[VIRTIO_PCI_CAP_ISR_CFG]),
                windows[VIRTIO_PCI_CAP_DEVICE_CFG] == null ? null : Registers.mmio(windows[VIRTIO_PCI_CAP_DEVICE_CFG]));
    }

    // ---- Initialization, §3.1.1.

    /** Resets the device and waits up to {@link #DEFAULT_RESET_TIMEOUT} for it to finish. */
    public void reset() throws VirtioException {
        reset(DEFAULT_RESET_TIMEOUT);
    }

    /**
     * Writes 0 to device_status and waits until it reads 0 (§4.1.4.3.2: the driver MUST wait for
     * that before reinitializing), up to {@code timeout}; forgets every queue set up.
     */
    public void reset(Duration timeout) throws VirtioException {
        common.write8(DEVICE_STATUS, 0);
        long deadline = System.nanoTime() + timeout.toNanos();
        int reads = 0;
        while (common.read8(DEVICE_STATUS) != 0) {
            if (System.nanoTime() - deadline > 0) {
                throw new VirtioException(name + ": device_status still reads "
                        + Virtio.statusNames(common.read8(DEVICE_STATUS)) + " " + timeout.toMillis()
                        + " ms after reset (0 written)");
            }
            if (++reads > 100) {
                sleepBriefly(); // QEMU resets synchronously; a slow device gets the CPU back for others
            }
        }
        Arrays.fill(notifyOffsets, -1);
        features = 0;
    }

    /**
     * Negotiates features (§3.1.1 steps 2–6): sets ACKNOWLEDGE and DRIVER, reads the 64 offered
     * bits, accepts {@code wanted & offered} plus VIRTIO_F_VERSION_1, sets FEATURES_OK and reads it
     * back. Returns the accepted set, which the driver must now honour.
     *
     * @param wanted feature masks the driver understands (e.g. {@code Virtio.feature(5)} for virtio-net's MAC);
     *     VIRTIO_F_VERSION_1 is always asked for
     * @throws VirtioException naming the features if the device does not offer VERSION_1 or does
     *     not accept the subset (FEATURES_OK cleared); FAILED is set then
     */
    public long negotiate(long wanted) throws VirtioException {
        setStatus(Virtio.ACKNOWLEDGE);
        setStatus(Virtio.DRIVER);
        long offered = deviceFeatures();
        long version1 = Virtio.feature(Virtio.F_VERSION_1);
        if ((offered & version1) == 0) {
            throw failed("the device does not offer VIRTIO_F_VERSION_1 (offers " + Virtio.featureNames(offered)
                    + "): legacy-only devices are not supported");
        }
        long accepted = (wanted | version1) & offered;
        common.write32(DRIVER_FEATURE_SELECT, 0);
        common.write32(DRIVER_FEATURE, (int) accepted);
        common.write32(DRIVER_FEATURE_SELECT, 1);
        common.write32(DRIVER_FEATURE, (int) (accepted >>> 32));
        setStatus(Virtio.FEATURES_OK);
        // §3.1.1 step 6: re-read device status to ensure FEATURES_OK is still set; else the subset is unsupported.
        int status = common.read8(DEVICE_STATUS);
        if ((status & Virtio.FEATURES_OK) == 0) {
            throw failed("the device cleared FEATURES_OK (status " + Virtio.statusNames(status)
                    + "): it does not accept features " + Virtio.featureNames(accepted) + " (offered "
                    + Virtio.featureNames(offered) + ")");
        }
        features = accepted;
        return accepted;
    }

    /** Returns the 64 feature bits the device offers (device_feature_select 0 and 1). */
    public long deviceFeatures() {
        common.write32(DEVICE_FEATURE_SELECT, 0);
        long low = Integer.toUnsignedLong(common.read32(DEVICE_FEATURE));
        common.write32(DEVICE_FEATURE_SELECT, 1);
        return low | (long) common.read32(DEVICE_FEATURE) << 32;
    }

    /** Returns the features {@link #negotiate} accepted; 0 before. */
    public long features() {
        return features;
    }

    /** Returns whether feature bit {@code feature} was negotiated. */
    public boolean hasFeature(int feature) {
        return (features & Virtio.feature(feature)) != 0;
    }

    /** Returns num_queues: how many queues the device supports. */
    public int queueCount() {
        return notifyOffsets.length;
    }

    /** Returns the largest size queue {@code queue} supports, 0 if it is unavailable; read before setting it up. */
    public int maxQueueSize(int queue) {
        checkQueue(queue);
        common.write16(QUEUE_SELECT, queue);
        return common.read16(QUEUE_SIZE);
    }

    /**
     * Sets up queue {@code queue} with {@code virtqueue}'s size and ring addresses and enables it
     * (§4.1.5.1.3), after {@link #negotiate} and before {@link #driverOk}. The virtqueue's kicks
     * then notify this queue, and it uses EVENT_IDX if that was negotiated.
     *
     * @throws VirtioException if the queue is unavailable, smaller than the virtqueue, already
     *     enabled, or its notify address lies outside the notification structure; FAILED is set then
     */
    public void setUpQueue(int queue, Virtqueue<?> virtqueue) throws VirtioException {
        checkQueue(queue);
        int status = common.read8(DEVICE_STATUS);
        if ((status & Virtio.FEATURES_OK) == 0 || (status & Virtio.DRIVER_OK) != 0) {
            throw new IllegalStateException(name
                    + ": queues are set up after negotiate() and before driverOk(); status is "
                    + Virtio.statusNames(status));
        }
        common.write16(QUEUE_SELECT, queue);
        int max = common.read16(QUEUE_SIZE);
        if (max == 0) {
            throw failed("queue " + queue + " is unavailable (queue_size 0)");
        }
        if (virtqueue.size() > max) {
            throw failed("queue " + queue + ": virtqueue size " + virtqueue.size()
                    + " exceeds the device's maximum " + max);
        }
        if (common.read16(QUEUE_ENABLE) != 0) {
            throw failed("queue " + queue + " is already enabled");
        }
        common.write16(QUEUE_SIZE, virtqueue.size()); // may lower it (§4.1.4.3)
        common.write64(QUEUE_DESC, virtqueue.descriptorTableAddress());
        common.write64(QUEUE_DRIVER, virtqueue.driverAreaAddress());
        common.write64(QUEUE_DEVICE, virtqueue.deviceAreaAddress());
        // §4.1.4.4: the queue's notify address is cap.offset + queue_notify_off * notify_off_multiplier.
        long notifyOffset = (long) common.read16(QUEUE_NOTIFY_OFF) * notifyOffMultiplier;
        if (notifyOffset + 2 > notify.size()) {
            throw failed("queue " + queue + ": notify offset 0x" + Long.toHexString(notifyOffset)
                    + " lies outside the " + notify.size() + "-byte notification structure");
        }
        notifyOffsets[queue] = notifyOffset;
        virtqueue.useEventIndex(hasFeature(Virtio.F_EVENT_IDX));
        virtqueue.setNotifier(() -> notify(queue));
        common.write16(QUEUE_ENABLE, 1); // §4.1.4.3.2: configure the other fields before enabling
    }

    /**
     * Sets DRIVER_OK (§3.1.1 step 8): the device is live.
     *
     * @throws VirtioException if the device reports DEVICE_NEEDS_RESET instead
     */
    public void driverOk() throws VirtioException {
        setStatus(Virtio.DRIVER_OK);
        int status = common.read8(DEVICE_STATUS);
        if ((status & Virtio.DEVICE_NEEDS_RESET) != 0 || (status & Virtio.DRIVER_OK) == 0) {
            throw failed("the device did not go live after DRIVER_OK: status " + Virtio.statusNames(status));
        }
    }

    /** Sets FAILED (§2.1): the driver has given up on the device. Best effort; never throws. */
    public void fail() {
        try {
            setStatus(Virtio.FAILED);
        } catch (RuntimeException ignored) {
            // the device is going away anyway
        }
    }

    // ---- Operation.

    /**
     * Sends queue {@code queue} an available buffer notification (§4.1.5.2): its 16-bit index
     * written to its notify address. One store, no system call.
     */
    public void notify(int queue) {
        notify.write16(notifyOffsets[queue], queue);
    }

    /** Returns device_status, e.g. to check DEVICE_NEEDS_RESET (§2.1.2). */
    public int deviceStatus() {
        return common.read8(DEVICE_STATUS);
    }

    /** Returns config_generation, which changes whenever the device configuration does (§4.1.4.3). */
    public int configGeneration() {
        return common.read8(CONFIG_GENERATION);
    }

    /** Reads and so clears the ISR status (§4.1.4.5): bit 0 a queue interrupt, bit 1 a configuration change. */
    public int readIsr() {
        return isr.read8(0);
    }

    /** Returns the device-specific configuration (§4.1.4.6), e.g. virtio-net's MAC at offset 0. */
    public Registers deviceConfig() {
        if (deviceConfig == null) {
            throw new IllegalStateException(name + " has no device-specific configuration");
        }
        return deviceConfig;
    }

    /**
     * Reads the device configuration consistently: calls {@code reader} until config_generation is
     * the same before and after (§2.5.1), as fields wider than 32 bits need.
     *
     * @throws VirtioException if the configuration keeps changing
     */
    public <T> T readDeviceConfig(Function<Registers, T> reader) throws VirtioException {
        Registers config = deviceConfig();
        for (int attempt = 0; attempt < CONFIG_GENERATION_RETRIES; attempt++) {
            int before = configGeneration();
            T value = reader.apply(config);
            if (configGeneration() == before) {
                return value;
            }
        }
        throw new VirtioException(name + ": device configuration changed during each of " + CONFIG_GENERATION_RETRIES
                + " reads");
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "VirtioPciTransport[" + name + ", status " + Virtio.statusNames(deviceStatus()) + ", features "
                + Virtio.featureNames(features) + "]";
    }

    // ---- Helpers.

    private void setStatus(int bit) {
        common.write8(DEVICE_STATUS, common.read8(DEVICE_STATUS) | bit);
    }

    private VirtioException failed(String message) {
        fail();
        return new VirtioException(name + ": " + message);
    }

    private void checkQueue(int queue) {
        if (queue < 0 || queue >= notifyOffsets.length) {
            throw new IllegalArgumentException(name + ": no queue " + queue + "; the device has "
                    + notifyOffsets.length);
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
