package dev.pith.core.platform;

import dev.pith.core.Clock;
import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.PacketBufferPool;
import java.util.Map;

/**
 * What differs between the two places a unikernel runs: hosted, inside an ordinary JVM, and
 * guest, as PID 1 of its own virtual machine. The stack above is the same code on both; only
 * time, randomness, memory for devices, settings and the way out differ.
 */
public interface Platform {

    /** Returns "hosted" or "guest". */
    String name();

    /** Returns the clock the unikernel's loop runs on. */
    Clock clock();

    /** Returns the source of randomness for sequence numbers, ports and identifiers. */
    RandomSource random();

    /** Returns loop settings suited to this platform's devices (how long to spin, how long to park). */
    EventLoop.Builder eventLoop();

    /**
     * Returns a new pool of {@code count} packet buffers of {@code bufferSize} bytes in memory
     * the platform's devices can use (DMA memory in the guest).
     */
    PacketBufferPool packetBuffers(int bufferSize, int count);

    /**
     * Returns the Pith settings given to this run, without their {@code pith.} prefix: the
     * {@code pith.*} words of the kernel command line in the guest, the {@code pith.*} system
     * properties when hosted.
     */
    Map<String, String> settings();

    /**
     * Ends the unikernel with {@code status}: hosted, the JVM exits with it; in the guest the
     * platform syncs, hands the status to the host when it can, and powers the machine off.
     */
    void exit(int status);
}
