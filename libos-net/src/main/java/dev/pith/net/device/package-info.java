/**
 * Network devices of the hosted platform, and devices that stack on any other (smoltcp's
 * {@code phy}): everything here implements {@link dev.pith.core.device.NetDevice}, so the stack
 * cannot tell them from the guest's virtio-net.
 *
 * <ul>
 *   <li>{@link dev.pith.net.device.TapDevice} — real Ethernet frames to and from the host's Linux
 *       kernel through a TAP interface ({@code /dev/net/tun}); for running a unikernel hosted and
 *       reaching it with ping, curl or another namespace. Needs root or {@code CAP_NET_ADMIN}. One
 *       reader thread per device ({@code pith-tap-<if>}) polls with a 100 ms timeout, reads at most 64
 *       frames per wake-up, and queues them in a bounded queue (256 frames by default); when the pool
 *       or the queue is full it drops and counts. No offloads (no {@code IFF_VNET_HDR}): frames of at
 *       most {@code mtu + 14} bytes, checksums computed by the stack. The interface is deleted when the
 *       device closes.
 *   <li>{@link dev.pith.net.device.MemorySwitch} — a learning Ethernet switch in memory for tests and
 *       for several stacks in one JVM, deterministic on a {@code ManualClock} with a seeded
 *       {@code RandomSource}: loss, duplication, corruption, delay, reordering and bandwidth per link,
 *       every decision counted. Bounds: 4096 frames in flight by default, 64 frames behind a busy
 *       link, 1024 frames per port's receive queue, 4096 learned addresses ageing after 300 s.
 *   <li>{@link dev.pith.net.device.PcapWriter} — wraps any device and records what it receives and
 *       transmits in a libpcap file (nanosecond timestamps, snaplen 65,535, Ethernet link type) that
 *       tshark and Wireshark read. Buffers 256 KiB; an I/O error ends the capture, never the device.
 * </ul>
 *
 * <p>Not here: the no-privilege host gateway ({@link dev.pith.net.gateway}), TUN (IP without Ethernet), multi-queue
 * TAP, vnet-header offloads, VLANs or spanning tree in the switch.
 *
 * <p>Ownership follows {@link dev.pith.core.device.NetDevice}: received frames belong to the caller,
 * transmitted frames to the device, which releases every frame it drops.
 */
package dev.pith.net.device;
