package dev.pith.core.virtio.testing;

/**
 * Ways a {@link DeviceQueue} can break the split-ring protocol on purpose when it completes a
 * chain, to prove that a driver turns them into errors, not hangs or out-of-bounds accesses. Each
 * stays in force until set back to {@link #NONE}.
 */
public enum Misbehavior {
    /** Keep to virtio 1.2 §2.7. */
    NONE,
    /** Write the used element, then advance used {@code idx} by the queue size + 1 more than that. */
    USED_INDEX_JUMP,
    /** Report an {@code id} outside the descriptor table. */
    ID_OUT_OF_RANGE,
    /** Write the used element twice: the second names a chain no longer in flight. */
    DUPLICATE_ID,
    /** Report one byte more than the chain's device-writable length. */
    LENGTH_TOO_LONG,
    /** Take chains from the available ring and never return them. */
    NEVER_COMPLETE
}
