package dev.pith.net.virtio;

import dev.pith.core.dma.DmaArena;
import dev.pith.core.virtio.Virtio;
import dev.pith.core.virtio.testing.DescriptorChain;
import dev.pith.core.virtio.testing.DeviceQueue;
import dev.pith.core.virtio.testing.SoftwareVirtioDevice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A software virtio-net device (the device side in Java, over a simulated DMA arena) and the
 * driver opened on it: what each test of {@link VirtioNet} starts from.
 */
final class NetDeviceFixture implements AutoCloseable {

    static final long VERSION_1 = Virtio.feature(Virtio.F_VERSION_1);
    static final long MAC = Virtio.feature(VirtioNet.F_MAC);
    static final long STATUS = Virtio.feature(VirtioNet.F_STATUS);
    static final long MTU = Virtio.feature(VirtioNet.F_MTU);
    static final long CSUM = Virtio.feature(VirtioNet.F_CSUM);
    static final long GUEST_CSUM = Virtio.feature(VirtioNet.F_GUEST_CSUM);
    /** What QEMU's virtio-net-pci offers with a tap backend, more or less. */
    static final long QEMU_LIKE = VERSION_1 | MAC | STATUS | CSUM | GUEST_CSUM
            | Virtio.feature(VirtioNet.F_MRG_RXBUF) | Virtio.feature(VirtioNet.F_CTRL_VQ)
            | Virtio.feature(7) | Virtio.feature(8) | Virtio.feature(11) | Virtio.feature(12) // GUEST/HOST_TSO4/6
            | Virtio.feature(22) // MQ
            | Virtio.feature(Virtio.F_EVENT_IDX) | Virtio.feature(Virtio.F_INDIRECT_DESC);
    static final byte[] DEVICE_MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

    final DmaArena memory;
    final SoftwareVirtioDevice device;
    VirtioNet net;

    /** A device offering {@code features}, with a 16-byte configuration holding {@link #DEVICE_MAC}, link up. */
    NetDeviceFixture(long features, int maxQueueSize) {
        this(features, maxQueueSize, 4096);
    }

    NetDeviceFixture(long features, int maxQueueSize, long chunkSize) {
        this.memory = DmaArena.simulated(8 << 20, chunkSize);
        this.device = SoftwareVirtioDevice.builder(memory).name("0000:00:03.0").features(features)
                .queues(2, maxQueueSize).deviceConfigSize(16).build();
        MemorySegment.copy(DEVICE_MAC, 0, device.deviceConfigMemory(), ValueLayout.JAVA_BYTE, 0, 6);
        setStatus(1);
    }

    /** Opens the driver on the device. */
    VirtioNet open(VirtioNet.Settings settings) throws IOException {
        net = VirtioNet.open(device.transport(), memory, settings);
        return net;
    }

    void setStatus(int status) {
        device.deviceConfigMemory().set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 6,
                (short) status);
    }

    void setMtu(int mtu) {
        device.deviceConfigMemory().set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 10,
                (short) mtu);
    }

    DeviceQueue receiveQueue() {
        return device.queue(0);
    }

    DeviceQueue transmitQueue() {
        return device.queue(1);
    }

    /** Puts {@code header + frame} into the next receive buffer, as the device does for a frame off the wire. */
    void deliver(byte[] header, byte[] frame) {
        DescriptorChain chain = receiveQueue().take();
        if (chain == null) {
            throw new AssertionError("no receive buffer available to the device");
        }
        byte[] bytes = new byte[header.length + frame.length];
        System.arraycopy(header, 0, bytes, 0, header.length);
        System.arraycopy(frame, 0, bytes, header.length, frame.length);
        receiveQueue().complete(chain, chain.write(bytes));
    }

    /** Delivers {@code frame} behind a zero header (flags 0, GSO_NONE, num_buffers 0). */
    void deliver(byte[] frame) {
        deliver(new byte[VirtioNet.HEADER_LENGTH], frame);
    }

    /** Makes whatever {@code from}'s driver transmits arrive at {@code to}'s driver: two NICs and a cable. */
    static void cable(SoftwareVirtioDevice from, SoftwareVirtioDevice to) {
        from.serve(1, chain -> {
            DeviceQueue receive = to.queue(0);
            DescriptorChain target = receive == null ? null : receive.take();
            if (target != null) {
                receive.complete(target, target.write(chain.readAll())); // header and frame, as they came
            }
            return 0; // nothing written into a transmit chain
        });
    }

    /** An Ethernet frame of {@code length} bytes to our device's MAC, numbered {@code sequence} after the header. */
    static byte[] frame(int length, int sequence) {
        byte[] frame = new byte[length];
        System.arraycopy(DEVICE_MAC, 0, frame, 0, 6);
        frame[6] = 0x02; // a locally administered source
        frame[12] = (byte) 0x88;
        frame[13] = (byte) 0xb5; // IEEE 802 local experimental EtherType
        for (int i = 14; i < length; i++) {
            frame[i] = (byte) (sequence * 31 + i);
        }
        if (length >= 18) {
            frame[14] = (byte) (sequence >>> 24);
            frame[15] = (byte) (sequence >>> 16);
            frame[16] = (byte) (sequence >>> 8);
            frame[17] = (byte) sequence;
        }
        return frame;
    }

    @Override
    public void close() throws IOException {
        if (net != null) {
            net.close();
        }
        device.close();
        memory.close();
    }
}
