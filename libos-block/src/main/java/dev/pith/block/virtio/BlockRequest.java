package dev.pith.block.virtio;

import dev.pith.core.device.BlockCompletion;
import dev.pith.core.device.BlockStatus;
import io.netty.buffer.ByteBuf;

/**
 * A caller's read, write or flush while the driver carries it out: cut into one or more
 * virtio-blk requests ({@link RequestSlot}s) of at most {@link RequestLimits#maxRequestBytes()},
 * exposed as slots, bounce buffers and descriptors allow, and completed once the last of them is
 * used. Pooled: the driver owns {@code maxInFlight} of them, so the data path allocates nothing.
 */
final class BlockRequest {

    /** VIRTIO_BLK_T_IN, T_OUT or T_FLUSH. */
    int type;
    /** The first 512-byte sector on the device. */
    long sector;
    /** Data bytes in all; 0 for a flush. */
    int length;
    /** The caller's buffer and where the data starts in it; null for a flush. The caller owns it. */
    ByteBuf buffer;
    int index;
    BlockCompletion completion;
    /** The physical address of {@code buffer} at {@code index}, or -1 to go through bounce buffers. */
    long physicalAddress;
    /** Data bytes exposed to the device so far. */
    int exposed;
    /** Chains exposed and not yet used. */
    int outstanding;
    /** Whether part of the request still waits in the backlog for a slot, a bounce buffer or descriptors. */
    boolean waiting;
    /** OK, or the first failure of any part: the request's outcome. */
    BlockStatus status = BlockStatus.OK;
    /** Whether the request is taken from the pool. */
    boolean inUse;

    void clear() {
        buffer = null;
        completion = null;
        exposed = 0;
        outstanding = 0;
        waiting = false;
        status = BlockStatus.OK;
        inUse = false;
    }
}
