package dev.pith.core.device;

/**
 * Counters of a network device since it was opened.
 *
 * @param rxFrames frames handed to the stack
 * @param rxBytes bytes of those frames
 * @param rxDropped frames the device dropped before the stack saw them (queue full, no buffer, bad frame)
 * @param txFrames frames accepted for transmission
 * @param txBytes bytes of those frames
 * @param txDropped frames lost after acceptance (link down, peer gone)
 */
public record NetDeviceStats(long rxFrames, long rxBytes, long rxDropped, long txFrames, long txBytes, long txDropped) {}
