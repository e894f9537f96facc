package dev.pith.core.device;

import io.netty.buffer.ByteBuf;
import java.util.Set;

/**
 * A network interface card as the stack sees it: Ethernet frames in and out, in batches, with
 * no knowledge of what drives them (virtio, a TAP device, an in-memory switch). Modelled on
 * ixy's {@code rx_batch}/{@code tx_batch}.
 *
 * <p>Frames are {@link ByteBuf}s whose readable bytes are one Ethernet frame from the
 * destination address up to the end of the payload, without preamble or FCS. The event loop
 * thread calls {@link #receive} and {@link #transmit}; devices fed by other threads (a TAP
 * reader, a switch) hand frames over through a bounded queue and call the
 * {@linkplain #setWakeup wake-up} so a parked loop notices.
 *
 * <p>Ownership: received frames belong to the caller, which must release them; frames the device
 * accepts for transmission belong to the device from then on; frames it does not accept stay
 * with the caller.
 */
public interface NetDevice extends AutoCloseable {

    /** Returns a name for logs and counters, such as "tap0" or "virtio-net 00:03.0". */
    String name();

    /** Returns the device's MAC address. */
    MacAddress mac();

    /** Returns the largest payload of a frame in bytes, excluding the 14-byte Ethernet header (1500 on most links). */
    int mtu();

    /** Returns the offloads the device offers. */
    Set<NetOffload> offloads();

    /** Returns whether the link is up. */
    boolean linkUp();

    /**
     * Moves up to {@code max} received frames into {@code frames[offset ...]} and returns how many.
     * The caller owns each frame it gets.
     */
    int receive(ByteBuf[] frames, int offset, int max);

    /**
     * Offers {@code frames[offset ... offset+count)} for transmission, in order, and returns how
     * many leading frames the device accepted (and now owns); a device with a full queue accepts
     * fewer. The device sends each batch with as few notifications as it can (one kick).
     */
    int transmit(ByteBuf[] frames, int offset, int count);

    /**
     * Returns an empty buffer of at least {@code mtu() + 14} bytes for a frame to transmit, from
     * the memory the device can send from (DMA memory in the guest), or {@code null} when none is
     * free. The caller owns it.
     */
    ByteBuf allocateFrame();

    /**
     * Sets the action the device runs, from any thread, when frames become ready after
     * {@link #receive} found none; the stack passes {@code loop::wakeup}. Devices that are only
     * polled may ignore it.
     */
    void setWakeup(Runnable wakeup);

    /** Returns the device's counters. */
    NetDeviceStats stats();

    /** Stops the device and releases the frames it holds. */
    @Override
    void close();
}
