package dev.pith.core.device;

/**
 * Counters of a block device since it was opened.
 *
 * @param reads read requests completed
 * @param writes write requests completed
 * @param flushes flush requests completed
 * @param bytesRead bytes read by completed requests
 * @param bytesWritten bytes written by completed requests
 * @param errors requests that completed with a status other than {@link BlockStatus#OK}
 */
public record BlockDeviceStats(long reads, long writes, long flushes, long bytesRead, long bytesWritten, long errors) {}
