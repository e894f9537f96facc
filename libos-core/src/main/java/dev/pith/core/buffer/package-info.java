/**
 * Packet buffers: Netty {@link io.netty.buffer.ByteBuf}s taken from fixed pools of memory that a
 * device can read and write, and the rules for who releases them.
 *
 * <h2>Ownership</h2>
 * The rules are Netty's ({@link io.netty.util.ReferenceCounted}), applied without exception:
 * <ul>
 *   <li>A buffer's reference count starts at 1 and its allocator is its first owner. Whoever holds
 *       the last reference releases it; the last {@code release()} returns the buffer to its pool.
 *   <li>A method that takes a {@code ByteBuf} releases it, or says in its Javadoc that it passes it
 *       on. Returning a buffer hands ownership to the caller.
 *   <li>Hand on a part with {@link io.netty.buffer.ByteBuf#readRetainedSlice(int)}: the receiver
 *       owns exactly the slice it got, and the root stays out of the pool until every slice of it
 *       has been released too.
 *   <li>{@code NetDevice.transmit} takes ownership of the frames it accepts; received frames are
 *       owned by the receiver.
 *   <li>Give a device root buffers from a pool, never a slice: a driver puts the root's physical
 *       address in a descriptor and releases the root when the device is done with it. See
 *       {@link dev.pith.core.buffer.PacketBuffers#physicalAddress} for why a slice's address is the
 *       slow path.
 *   <li>Pooled buffers are reused: touching a buffer after releasing it, or releasing it twice,
 *       throws {@link io.netty.util.IllegalReferenceCountException} while it sits in the pool, and
 *       corrupts whoever holds it next once it has been reallocated. Netty's pooled buffers behave the same.
 * </ul>
 *
 * <h2>Memory</h2>
 * A {@link dev.pith.core.buffer.DmaRegion} pairs memory with the physical address of its first
 * byte, as ixy's {@code struct dma_memory { virt, phy }} does. A
 * {@link dev.pith.core.buffer.SlabBufferPool} carves one region into equal buffers; its buffers
 * implement {@link dev.pith.core.buffer.DmaBuffer} when the region has a physical address (guest
 * hugepage memory) and do not otherwise (hosted memory, {@link dev.pith.core.buffer.DirectBufferPool}).
 *
 * <h2>Leaks</h2>
 * Pools report buffers that were garbage-collected without being released through Netty's
 * {@link io.netty.util.ResourceLeakDetector} (sampled by default; every buffer with
 * {@code -Dio.netty.leakDetection.level=paranoid}, as Pith's tests run). A leaked buffer is lost to
 * its pool: {@code outstanding()} keeps counting it and {@code close()} refuses.
 */
package dev.pith.core.buffer;
