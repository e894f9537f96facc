package dev.pith.core.virtio.testing;

import dev.pith.core.dma.DmaArena;
import dev.pith.core.virtio.Registers;
import dev.pith.core.virtio.Virtio;
import dev.pith.core.virtio.VirtioPciTransport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * A virtio-pci device written in Java, for host tests of drivers: the common configuration
 * registers with their virtio 1.2 §4.1.4.3 semantics (feature select, queue select, status, reset),
 * the notification area, the ISR byte and a device-specific configuration, and the device side of
 * every queue the driver enables ({@link DeviceQueue}), over a {@link DmaArena#simulated simulated}
 * arena whose made-up physical addresses it maps back to memory.
 *
 * <pre>{@code
 * DmaArena memory = DmaArena.simulated(1 << 20, 4096);
 * SoftwareVirtioDevice device = SoftwareVirtioDevice.builder(memory)
 *         .features(Virtio.feature(Virtio.F_VERSION_1) | Virtio.feature(5))   // e.g. VIRTIO_NET_F_MAC
 *         .queues(2, 256).deviceConfigSize(32).build();
 * device.loopback(1, 0);                                 // what the driver transmits, it receives
 * VirtioPciTransport transport = device.transport();     // the driver's view; set up as on real hardware
 * }</pre>
 *
 * <p>By default the device works step by step, in the caller's thread: a notification (the
 * driver's kick) runs the queue's handler at once, inside the driver's {@code kick()}. After
 * {@link #start()} a device thread serves the queues instead, as QEMU's I/O thread would, so
 * driver and device race for real. Switches make it misbehave: {@link #rejectFeaturesOk},
 * {@link #neverFinishReset}, and per queue {@link DeviceQueue#misbehave}.
 *
 * <p>The device checks the driver, too: register accesses of the wrong width, writes to read-only
 * fields, bad queue sizes, rings outside DMA memory and malformed chains land in {@link #errors()}
 * (and set DEVICE_NEEDS_RESET). A driver test should end by asserting that list is empty.
 */
public final class SoftwareVirtioDevice implements AutoCloseable {

    // §4.1.4.3 struct virtio_pci_common_cfg, as QEMU 7.2 exposes it: 56 bytes, through queue_device.
    private static final int DEVICE_FEATURE_SELECT = 0;
    private static final int DEVICE_FEATURE = 4;
    private static final int DRIVER_FEATURE_SELECT = 8;
    private static final int DRIVER_FEATURE = 12;
    private static final int CONFIG_MSIX_VECTOR = 16;
    private static final int NUM_QUEUES = 18;
    private static final int DEVICE_STATUS = 20;
    private static final int CONFIG_GENERATION = 21;
    private static final int QUEUE_SELECT = 22;
    private static final int QUEUE_SIZE = 24;
    private static final int QUEUE_MSIX_VECTOR = 26;
    private static final int QUEUE_ENABLE = 28;
    private static final int QUEUE_NOTIFY_OFF = 30;
    private static final int QUEUE_DESC = 32;
    private static final int QUEUE_DRIVER = 40;
    private static final int QUEUE_DEVICE = 48;
    private static final int COMMON_CFG_SIZE = 56;

    /** Handles a queue's notifications; {@link DeviceQueue#serve} is the usual body. */
    @FunctionalInterface
    public interface QueueHandler {
        void notified(DeviceQueue queue);
    }

    /** The per-queue registers of the common configuration, selected by queue_select. */
    private static final class QueueConfig {
        final int maxSize;
        int size;
        int msixVector;
        long descriptorArea;
        long driverArea;
        long deviceArea;
        DeviceQueue live;
        QueueHandler handler;

        QueueConfig(int maxSize) {
            this.maxSize = maxSize;
            this.size = maxSize;
        }
    }

    private final String name;
    private final DmaArena memory;
    private final long offeredFeatures;
    private final int notifyOffMultiplier;
    private final QueueConfig[] queues;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment deviceConfigMemory;
    private final Registers common = new CommonRegisters();
    private final Registers notify = new NotifyRegisters();
    private final Registers isr = new IsrRegister();

    // Guarded by this.
    private int status;
    private int deviceFeatureSelect;
    private int driverFeatureSelect;
    private long driverFeatures;
    private int configMsixVector;
    private int configGeneration;
    private int queueSelect;
    private int isrStatus;
    private int resets;
    private boolean rejectFeaturesOk;
    private boolean neverFinishReset;
    private boolean resetPending;
    private final List<String> errors = new ArrayList<>();

    private volatile Thread thread;
    private volatile boolean running;
    private boolean closed;

    private SoftwareVirtioDevice(Builder builder) {
        this.name = builder.name;
        this.memory = builder.memory;
        this.offeredFeatures = builder.features;
        this.notifyOffMultiplier = builder.notifyOffMultiplier;
        this.queues = new QueueConfig[builder.queueCount];
        for (int i = 0; i < queues.length; i++) {
            queues[i] = new QueueConfig(builder.maxQueueSize);
        }
        this.deviceConfigMemory = arena.allocate(Math.max(builder.deviceConfigSize, 1), 8);
    }

    /** Returns a builder for a device whose DMA goes to {@code memory}. */
    public static Builder builder(DmaArena memory) {
        return new Builder(memory);
    }

    /** Settings of a {@link SoftwareVirtioDevice}; defaults: VERSION_1 only, one queue of 256, no device config. */
    public static final class Builder {
        private final DmaArena memory;
        private String name = "software virtio device";
        private long features = Virtio.feature(Virtio.F_VERSION_1);
        private int queueCount = 1;
        private int maxQueueSize = 256;
        private int deviceConfigSize;
        private int notifyOffMultiplier = 4;

        private Builder(DmaArena memory) {
            this.memory = Objects.requireNonNull(memory, "memory == null");
        }

        /** Names the device in the transport's messages. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name == null");
            return this;
        }

        /** Sets the feature bits offered (masks, e.g. {@code Virtio.feature(Virtio.F_VERSION_1)}). */
        public Builder features(long features) {
            this.features = features;
            return this;
        }

        /** Sets the number of queues and the largest size each offers (QEMU offers 256). */
        public Builder queues(int count, int maxSize) {
            if (count < 1 || maxSize < 0 || maxSize > 32768 || (maxSize != 0 && Integer.bitCount(maxSize) != 1)) {
                throw new IllegalArgumentException("queue count >= 1 and a max size 0 or a power of two <= 32768: "
                        + count + ", " + maxSize);
            }
            this.queueCount = count;
            this.maxQueueSize = maxSize;
            return this;
        }

        /** Sets the size of the device-specific configuration; tests fill it through {@link #deviceConfigMemory()}. */
        public Builder deviceConfigSize(int bytes) {
            this.deviceConfigSize = bytes;
            return this;
        }

        /** Sets notify_off_multiplier (§4.1.4.4); 0 makes all queues share one notify address. */
        public Builder notifyOffMultiplier(int multiplier) {
            this.notifyOffMultiplier = multiplier;
            return this;
        }

        public SoftwareVirtioDevice build() {
            return new SoftwareVirtioDevice(this);
        }
    }

    // ---- The driver's view.

    /** Returns a transport over this device's registers, as {@code VirtioPciTransport.open} returns over a BAR. */
    public VirtioPciTransport transport() {
        return new VirtioPciTransport(name, common, notify, notifyOffMultiplier, isr,
                deviceConfigMemory.byteSize() > 1 ? Registers.mmio(deviceConfigMemory) : null);
    }

    public Registers commonConfig() {
        return common;
    }

    public Registers notifyArea() {
        return notify;
    }

    public Registers isr() {
        return isr;
    }

    /** Returns the device-specific configuration's memory, for the test to fill (a MAC, a capacity). */
    public MemorySegment deviceConfigMemory() {
        return deviceConfigMemory;
    }

    /** Marks the device configuration changed: config_generation moves and the ISR's configuration bit is set. */
    public synchronized void configurationChanged() {
        configGeneration = (configGeneration + 1) & 0xff;
        isrStatus |= 2;
    }

    // ---- Behaviour.

    /** Sets what a notification of {@code queue} does; without a handler notifications are only counted. */
    public synchronized void onNotify(int queue, QueueHandler handler) {
        queues[queue].handler = handler;
    }

    /** Serves every chain made available on {@code queue} with {@code handler}. */
    public void serve(int queue, DeviceQueue.ChainHandler handler) {
        onNotify(queue, q -> q.serve(handler));
    }

    /**
     * Loops {@code from} back to {@code to}, as a network card wired to itself: the readable bytes
     * of each chain on {@code from} are written into the next chain on {@code to}. With no chain
     * waiting on {@code to}, the bytes are dropped, as a card drops a frame without a receive buffer.
     */
    public void loopback(int from, int to) {
        serve(from, chain -> {
            DeviceQueue receive = queue(to);
            DescriptorChain target = receive == null ? null : receive.take();
            if (target != null) {
                receive.complete(target, target.write(chain.readAll()));
            }
            return 0;
        });
    }

    /** Makes the device clear FEATURES_OK when the driver sets it: it accepts none of the driver's feature sets. */
    public synchronized void rejectFeaturesOk(boolean reject) {
        this.rejectFeaturesOk = reject;
    }

    /** Makes a reset never finish: device_status keeps reading its old value. */
    public synchronized void neverFinishReset(boolean never) {
        this.neverFinishReset = never;
    }

    /**
     * Serves the queues on a device thread from now on: each queue with a handler whose driver
     * has published chains is served within about 100 µs, notified or not.
     */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        thread = Thread.ofPlatform().daemon().name(name).start(this::run);
    }

    private void run() {
        while (running) {
            boolean worked = false;
            synchronized (this) {
                if ((status & Virtio.DRIVER_OK) != 0) {
                    for (QueueConfig queue : queues) {
                        if (queue.live != null && queue.handler != null && queue.live.available() > 0) {
                            dispatch(queue);
                            worked = true;
                        }
                    }
                }
            }
            if (!worked) {
                LockSupport.parkNanos(100_000);
            }
        }
    }

    /** Stops the device thread, if started, and frees the device configuration; does nothing if already closed. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Thread t = thread;
        running = false;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        arena.close();
    }

    // ---- State seen by tests.

    /** Returns the device's side of {@code queue} once the driver enabled it, else null. */
    public synchronized DeviceQueue queue(int queue) {
        return queues[queue].live;
    }

    public synchronized int status() {
        return status;
    }

    /** Returns the features the driver wrote to driver_feature. */
    public synchronized long driverFeatures() {
        return driverFeatures;
    }

    /** Returns how many times the driver reset the device. */
    public synchronized int resets() {
        return resets;
    }

    /** Returns the driver errors the device noticed, oldest first. */
    public synchronized List<String> errors() {
        return List.copyOf(errors);
    }

    synchronized void driverError(String message) {
        errors.add(message);
        status |= Virtio.DEVICE_NEEDS_RESET;
    }

    synchronized void raiseQueueInterrupt() {
        isrStatus |= 1;
    }

    // ---- Register semantics.

    private void dispatch(QueueConfig queue) {
        try {
            queue.handler.notified(queue.live);
        } catch (RuntimeException | AssertionError e) {
            driverError("queue handler failed: " + e);
        }
    }

    private synchronized void reset() {
        if (neverFinishReset) {
            resetPending = true;
            return;
        }
        resets++;
        status = 0;
        deviceFeatureSelect = 0;
        driverFeatureSelect = 0;
        driverFeatures = 0;
        queueSelect = 0;
        isrStatus = 0;
        for (QueueConfig queue : queues) {
            queue.size = queue.maxSize;
            queue.descriptorArea = queue.driverArea = queue.deviceArea = 0;
            queue.live = null;
        }
    }

    private synchronized void writeStatus(int value) {
        if (value == 0) {
            reset();
            return;
        }
        if (resetPending) {
            driverError("device_status written (" + Virtio.statusNames(value) + ") before the reset finished");
            return;
        }
        if ((status & ~value & ~Virtio.DEVICE_NEEDS_RESET) != 0) {
            driverError("device_status " + Virtio.statusNames(value) + " clears bits of " + Virtio.statusNames(status)
                    + " without a reset");
        }
        if ((value & Virtio.FEATURES_OK) != 0 && (status & Virtio.FEATURES_OK) == 0) {
            boolean subset = (driverFeatures & ~offeredFeatures) == 0;
            if (!subset) {
                driverError("driver accepted features " + Virtio.featureNames(driverFeatures & ~offeredFeatures)
                        + " that were not offered");
            }
            if (rejectFeaturesOk || !subset) {
                value &= ~Virtio.FEATURES_OK; // §3.1.1 step 6: the device does not accept the subset
            }
        }
        status = value | (status & Virtio.DEVICE_NEEDS_RESET);
    }

    private synchronized void enableQueue(int index) {
        QueueConfig queue = queues[index];
        if (queue.live != null) {
            driverError("queue " + index + " enabled twice");
            return;
        }
        int size = queue.size;
        boolean eventIndex = (driverFeatures & Virtio.feature(Virtio.F_EVENT_IDX)) != 0;
        try {
            // §2.7 alignment table: 16, 2 and 4 bytes.
            if (queue.descriptorArea % 16 != 0 || queue.driverArea % 2 != 0 || queue.deviceArea % 4 != 0) {
                throw new IllegalArgumentException("misaligned rings");
            }
            queue.live = new DeviceQueue(this, index, size, memory, memory.resolve(queue.descriptorArea, 16L * size),
                    memory.resolve(queue.driverArea, 6 + 2L * size), memory.resolve(queue.deviceArea, 6 + 8L * size),
                    eventIndex);
        } catch (IllegalArgumentException e) {
            driverError("queue " + index + " enabled with rings that are not DMA memory: desc 0x"
                    + Long.toHexString(queue.descriptorArea) + ", driver 0x" + Long.toHexString(queue.driverArea)
                    + ", device 0x" + Long.toHexString(queue.deviceArea) + ": " + e.getMessage());
        }
    }

    private void notified(long offset, int value) {
        QueueConfig queue;
        synchronized (this) {
            int index = notifyOffMultiplier == 0 ? value : (int) (offset / notifyOffMultiplier);
            if (index < 0 || index >= queues.length
                    || (notifyOffMultiplier != 0 && offset % notifyOffMultiplier != 0)) {
                driverError("notification at offset " + offset + " names no queue");
                return;
            }
            if (value != index) {
                driverError("notification for queue " + index + " carries " + value
                        + " instead of its index (§4.1.5.2)");
                return;
            }
            queue = queues[index];
            if (queue.live == null) {
                driverError("notification for queue " + index + ", which is not enabled");
                return;
            }
            queue.live.notified();
            if ((status & Virtio.DRIVER_OK) == 0 || queue.handler == null) {
                return;
            }
            if (thread != null) {
                LockSupport.unpark(thread);
                return;
            }
            dispatch(queue);
        }
    }

    /** Returns the width of the common configuration field at {@code offset}, 0 if none starts there. */
    private static int fieldWidth(long offset) {
        return switch ((int) offset) {
            case DEVICE_FEATURE_SELECT, DEVICE_FEATURE, DRIVER_FEATURE_SELECT, DRIVER_FEATURE -> 4;
            case CONFIG_MSIX_VECTOR, NUM_QUEUES, QUEUE_SELECT, QUEUE_SIZE, QUEUE_MSIX_VECTOR, QUEUE_ENABLE,
                    QUEUE_NOTIFY_OFF -> 2;
            case DEVICE_STATUS, CONFIG_GENERATION -> 1;
            case QUEUE_DESC, QUEUE_DESC + 4, QUEUE_DRIVER, QUEUE_DRIVER + 4, QUEUE_DEVICE, QUEUE_DEVICE + 4 -> 4;
            default -> 0;
        };
    }

    /** The common configuration structure (§4.1.4.3). */
    private final class CommonRegisters implements Registers {

        @Override
        public long size() {
            return COMMON_CFG_SIZE;
        }

        private boolean check(long offset, int width, String access) {
            if (fieldWidth(offset) != width) {
                driverError("common configuration " + access + " of " + width * 8 + " bits at offset " + offset
                        + ", which is not a field of that width (§4.1.3.1)");
                return false;
            }
            return true;
        }

        @Override
        public int read8(long offset) {
            synchronized (SoftwareVirtioDevice.this) {
                if (!check(offset, 1, "read")) {
                    return 0;
                }
                return offset == DEVICE_STATUS ? status : configGeneration;
            }
        }

        @Override
        public int read16(long offset) {
            synchronized (SoftwareVirtioDevice.this) {
                if (!check(offset, 2, "read")) {
                    return 0;
                }
                QueueConfig queue = queueSelect < queues.length ? queues[queueSelect] : null;
                return switch ((int) offset) {
                    case CONFIG_MSIX_VECTOR -> configMsixVector;
                    case NUM_QUEUES -> queues.length;
                    case QUEUE_SELECT -> queueSelect;
                    case QUEUE_SIZE -> queue == null ? 0 : queue.size; // 0: the queue is unavailable
                    case QUEUE_MSIX_VECTOR -> queue == null ? 0 : queue.msixVector;
                    case QUEUE_ENABLE -> queue != null && queue.live != null ? 1 : 0;
                    case QUEUE_NOTIFY_OFF -> queue == null ? 0 : queueSelect; // QEMU: the queue's own index
                    default -> 0;
                };
            }
        }

        @Override
        public int read32(long offset) {
            synchronized (SoftwareVirtioDevice.this) {
                if (!check(offset, 4, "read")) {
                    return 0;
                }
                QueueConfig queue = queueSelect < queues.length ? queues[queueSelect] : null;
                return switch ((int) offset) {
                    case DEVICE_FEATURE_SELECT -> deviceFeatureSelect;
                    // §4.1.4.3.1: bits select*32 and up; 0 for selectors beyond 1.
                    case DEVICE_FEATURE ->
                            deviceFeatureSelect < 2 ? (int) (offeredFeatures >>> (32 * deviceFeatureSelect)) : 0;
                    case DRIVER_FEATURE_SELECT -> driverFeatureSelect;
                    case DRIVER_FEATURE ->
                            driverFeatureSelect < 2 ? (int) (driverFeatures >>> (32 * driverFeatureSelect)) : 0;
                    case QUEUE_DESC, QUEUE_DESC + 4, QUEUE_DRIVER, QUEUE_DRIVER + 4, QUEUE_DEVICE, QUEUE_DEVICE + 4 -> {
                        if (queue == null) {
                            yield 0;
                        }
                        long area = offset < QUEUE_DRIVER ? queue.descriptorArea
                                : offset < QUEUE_DEVICE ? queue.driverArea : queue.deviceArea;
                        yield (int) (offset % 8 == 0 ? area : area >>> 32);
                    }
                    default -> 0;
                };
            }
        }

        @Override
        public void write8(long offset, int value) {
            synchronized (SoftwareVirtioDevice.this) {
                if (!check(offset, 1, "write")) {
                    return;
                }
                if (offset == CONFIG_GENERATION) {
                    driverError("config_generation is read-only");
                    return;
                }
                writeStatus(value & 0xff);
            }
        }

        @Override
        public void write16(long offset, int value) {
            synchronized (SoftwareVirtioDevice.this) {
                if (!check(offset, 2, "write")) {
                    return;
                }
                value &= 0xffff;
                QueueConfig queue = queueSelect < queues.length ? queues[queueSelect] : null;
                switch ((int) offset) {
                    case CONFIG_MSIX_VECTOR -> configMsixVector = value;
                    case QUEUE_SELECT -> queueSelect = value;
                    case QUEUE_SIZE -> {
                        if (queue == null || value == 0 || Integer.bitCount(value) != 1 || value > queue.maxSize) {
                            driverError("queue_size " + value + " for queue " + queueSelect
                                    + " is not a power of two up to its maximum (§4.1.4.3.2)");
                        } else {
                            queue.size = value;
                        }
                    }
                    case QUEUE_MSIX_VECTOR -> {
                        if (queue != null) {
                            queue.msixVector = value;
                        }
                    }
                    case QUEUE_ENABLE -> {
                        if (value != 1 || queue == null) {
                            driverError("queue_enable " + value + " for queue " + queueSelect
                                    + " (the driver MUST NOT write 0, §4.1.4.3.2)");
                        } else {
                            enableQueue(queueSelect);
                        }
                    }
                    default -> driverError("write to read-only field at offset " + offset);
                }
            }
        }

        @Override
        public void write32(long offset, int value) {
            synchronized (SoftwareVirtioDevice.this) {
                if (!check(offset, 4, "write")) {
                    return;
                }
                QueueConfig queue = queueSelect < queues.length ? queues[queueSelect] : null;
                switch ((int) offset) {
                    case DEVICE_FEATURE_SELECT -> deviceFeatureSelect = value;
                    case DRIVER_FEATURE_SELECT -> driverFeatureSelect = value;
                    case DRIVER_FEATURE -> {
                        if (driverFeatureSelect < 2) {
                            long shift = 32L * driverFeatureSelect;
                            driverFeatures = driverFeatures & ~(0xffff_ffffL << shift)
                                    | Integer.toUnsignedLong(value) << shift;
                        }
                    }
                    case QUEUE_DESC, QUEUE_DESC + 4, QUEUE_DRIVER, QUEUE_DRIVER + 4, QUEUE_DEVICE, QUEUE_DEVICE + 4 -> {
                        if (queue == null) {
                            driverError("ring address written for unavailable queue " + queueSelect);
                            return;
                        }
                        if (queue.live != null) {
                            driverError("ring address of queue " + queueSelect + " written while it is enabled");
                            return;
                        }
                        long half = Integer.toUnsignedLong(value);
                        int shift = offset % 8 == 0 ? 0 : 32;
                        long mask = ~(0xffff_ffffL << shift);
                        if (offset < QUEUE_DRIVER) {
                            queue.descriptorArea = queue.descriptorArea & mask | half << shift;
                        } else if (offset < QUEUE_DEVICE) {
                            queue.driverArea = queue.driverArea & mask | half << shift;
                        } else {
                            queue.deviceArea = queue.deviceArea & mask | half << shift;
                        }
                    }
                    default -> driverError("write to read-only field at offset " + offset);
                }
            }
        }
    }

    /** The notification area (§4.1.4.4): queue i's address is i * notify_off_multiplier. */
    private final class NotifyRegisters implements Registers {

        @Override
        public long size() {
            return Math.max(2, (long) notifyOffMultiplier * queues.length);
        }

        @Override
        public void write16(long offset, int value) {
            notified(offset, value & 0xffff);
        }

        @Override
        public int read8(long offset) {
            return 0;
        }

        @Override
        public int read16(long offset) {
            return 0;
        }

        @Override
        public int read32(long offset) {
            return 0;
        }

        @Override
        public void write8(long offset, int value) {
            driverError("8-bit notification at offset " + offset + " (§4.1.5.2 wants 16 bits)");
        }

        @Override
        public void write32(long offset, int value) {
            driverError("32-bit notification at offset " + offset + " without VIRTIO_F_NOTIFICATION_DATA");
        }
    }

    /** The ISR status byte (§4.1.4.5): reading returns and clears it. */
    private final class IsrRegister implements Registers {

        @Override
        public long size() {
            return 1;
        }

        @Override
        public int read8(long offset) {
            synchronized (SoftwareVirtioDevice.this) {
                int value = isrStatus;
                isrStatus = 0;
                return value;
            }
        }

        @Override
        public int read16(long offset) {
            driverError("16-bit read of the ISR status");
            return 0;
        }

        @Override
        public int read32(long offset) {
            driverError("32-bit read of the ISR status");
            return 0;
        }

        @Override
        public void write8(long offset, int value) {
            driverError("write to the ISR status, which is read-only");
        }

        @Override
        public void write16(long offset, int value) {
            write8(offset, value);
        }

        @Override
        public void write32(long offset, int value) {
            write8(offset, value);
        }
    }

    @Override
    public synchronized String toString() {
        return "SoftwareVirtioDevice[" + name + ", status " + Virtio.statusNames(status) + ", " + queues.length
                + " queues, " + errors.size() + " driver errors]";
    }
}
