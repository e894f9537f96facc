package dev.pith.block.virtio;

/**
 * Counters of a {@link VirtioBlk}'s driver, beside the device-neutral
 * {@link dev.pith.core.device.BlockDeviceStats}.
 *
 * @param chains virtio-blk requests (descriptor chains) exposed to the device
 * @param splitRequests caller requests cut into more than one virtio-blk request (size_max, seg_max, 1 MiB, bounce size)
 * @param bouncedRequests caller requests whose buffer the device could not reach, copied through bounce buffers
 * @param backlogWaits times a request waited for a slot, a bounce buffer or descriptors (not an error)
 * @param malformedCompletions requests the device returned without a valid status or with a short used length,
 *     ended with IO_ERROR
 * @param timeouts requests the device kept beyond the request timeout (each fails the device)
 * @param deviceFaults times the device broke the queue protocol or timed out, failing it
 */
public record VirtioBlkStats(long chains, long splitRequests, long bouncedRequests, long backlogWaits,
        long malformedCompletions, long timeouts, long deviceFaults) {}
