package dev.pith.block.virtio;

import static dev.pith.block.virtio.VirtioBlkProtocol.SECTOR_SIZE;

import dev.pith.core.virtio.VirtioException;

/**
 * How the driver cuts a caller's request into virtio-blk requests: the sector size it reports, and
 * the most bytes per data descriptor, descriptors per request and bytes per request that the
 * device's limits (§5.2.4 {@code size_max}, {@code seg_max}) and the queue allow.
 *
 * @param sectorSize the sector size {@link VirtioBlk} reports: {@code blk_size} when it is a power of
 *     two from 512 to 64 KiB, else 512 ({@code blk_size} is advice, §5.2.5: the protocol stays in 512-byte units)
 * @param sectors the capacity in sectors of {@code sectorSize}
 * @param maxSegments data descriptors per request: {@code seg_max}, at most the queue size - 2 (header and status)
 * @param maxSegmentBytes bytes per data descriptor: {@code size_max}, at most {@link #MAX_REQUEST_BYTES}
 * @param maxRequestBytes data bytes per request: a multiple of {@code sectorSize}, at most
 *     {@code maxSegments * maxSegmentBytes} and {@link #MAX_REQUEST_BYTES}
 */
record RequestLimits(int sectorSize, long sectors, int maxSegments, int maxSegmentBytes, int maxRequestBytes) {

    /** The most data bytes in one virtio-blk request; larger caller requests become several (1 MiB). */
    static final int MAX_REQUEST_BYTES = 1 << 20;
    /** The largest {@code blk_size} taken as the sector size (64 KiB); larger values are ignored. */
    static final int MAX_SECTOR_SIZE = 64 << 10;

    static RequestLimits of(String name, VirtioBlkConfig config, int queueSize) throws VirtioException {
        long blkSize = config.blkSize();
        int sectorSize = blkSize >= SECTOR_SIZE && blkSize <= MAX_SECTOR_SIZE && Long.bitCount(blkSize) == 1
                ? (int) blkSize : SECTOR_SIZE;
        if (config.capacity() < 0 || config.capacity() > Long.MAX_VALUE / SECTOR_SIZE) {
            throw new VirtioException(name + ": capacity " + Long.toUnsignedString(config.capacity())
                    + " sectors is beyond 2^63 bytes");
        }
        long sectors = config.capacity() / (sectorSize / SECTOR_SIZE);
        // Linux's virtio_blk reads a seg_max of 0 as 1; so do we.
        long segMax = config.segMax() == 0 ? Integer.MAX_VALUE : config.segMax();
        int maxSegments = (int) Math.min(segMax, queueSize - 2);
        // A size_max of 0 would forbid every request: read it as "no limit given".
        long sizeMax = config.sizeMax() == 0 ? MAX_REQUEST_BYTES : config.sizeMax();
        int maxSegmentBytes = (int) Math.min(sizeMax, MAX_REQUEST_BYTES);
        long request = Math.min((long) maxSegments * maxSegmentBytes, MAX_REQUEST_BYTES);
        request -= request % sectorSize;
        if (request < sectorSize) {
            throw new VirtioException(name + ": size_max " + config.sizeMax() + " x seg_max " + config.segMax()
                    + " (queue of " + queueSize + ") allows " + (long) maxSegments * maxSegmentBytes
                    + " bytes per request, less than one sector of " + sectorSize + " bytes");
        }
        return new RequestLimits(sectorSize, sectors, maxSegments, maxSegmentBytes, (int) request);
    }

    /** Returns how many 512-byte protocol sectors make one of {@link #sectorSize}. */
    int sectorScale() {
        return sectorSize / SECTOR_SIZE;
    }
}
