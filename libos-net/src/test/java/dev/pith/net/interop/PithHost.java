package dev.pith.net.interop;

import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDevice;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.Ipv4Address;
import dev.pith.net.device.FaultInjector;
import dev.pith.net.device.TapDevice;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.tcp.TcpLayer;
import dev.pith.net.internal.udp.UdpLayer;
import dev.pith.net.tcp.TcpSettings;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * A Pith stack on the TAP of a {@link LinuxPeer}: {@link Interface}, {@link UdpLayer} and
 * {@link TcpLayer}, as {@code Stacks.add} wires them on the in-memory switch, but on a real
 * {@link EventLoop} thread with the system clock and {@link RandomSource#secure()}; optionally with a
 * {@link FaultInjector} between the interface and the TAP. Pith takes {@link LinuxPeer#pithAddress()}.
 *
 * <p>The stack belongs to the loop thread: tests reach it through {@link #call} and {@link #run},
 * which hand a task to the loop and wait for its result. {@link #close()} stops the layers on the
 * loop, stops the loop, closes the device (the TAP goes with it) and then the buffer pool, which
 * throws if a frame was never released.
 */
final class PithHost implements AutoCloseable {

    static final MacAddress MAC = MacAddress.local(0x50_49_54_48_02L);
    /** How long {@link #call} waits for the loop. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final DirectBufferPool pool;
    private final EventLoop loop;
    private final NetDevice device;
    private final FaultInjector faults;
    private final Interface iface;
    private final UdpLayer udp;
    private final TcpLayer tcp;
    private final Ipv4Address address;
    private boolean closed;

    private PithHost(DirectBufferPool pool, EventLoop loop, NetDevice device, FaultInjector faults, Interface iface,
                     UdpLayer udp, TcpLayer tcp, Ipv4Address address) {
        this.pool = pool;
        this.loop = loop;
        this.device = device;
        this.faults = faults;
        this.iface = iface;
        this.udp = udp;
        this.tcp = tcp;
        this.address = address;
    }

    /** Starts a stack with the default TCP settings and no fault injector. */
    static PithHost start(LinuxPeer linux) throws IOException {
        return start(linux, TcpSettings.defaults(), null, null);
    }

    /** Starts a stack with {@code settings} and no fault injector. */
    static PithHost start(LinuxPeer linux, TcpSettings settings) throws IOException {
        return start(linux, settings, null, null);
    }

    /**
     * Starts a stack on a new TAP of {@code linux}, configured with its Pith address.
     *
     * @param receiveFaults faults of frames from the TAP to the interface, or null
     * @param transmitFaults faults of frames from the interface to the TAP, or null; with both null
     *     there is no {@link FaultInjector}
     */
    static PithHost start(LinuxPeer linux, TcpSettings settings, FaultInjector.Faults receiveFaults,
                          FaultInjector.Faults transmitFaults) throws IOException {
        return start(linux, settings, receiveFaults, transmitFaults, true);
    }

    /** Starts a stack with no address, for a DHCP client to configure; build it with {@link #call}. */
    static PithHost startUnconfigured(LinuxPeer linux) throws IOException {
        return start(linux, TcpSettings.defaults(), null, null, false);
    }

    private static PithHost start(LinuxPeer linux, TcpSettings settings, FaultInjector.Faults receiveFaults,
                                  FaultInjector.Faults transmitFaults, boolean configure) throws IOException {
        DirectBufferPool pool = new DirectBufferPool(2048, 4096);
        EventLoop loop = EventLoop.builder().build();
        RandomSource random = RandomSource.secure();
        NetDevice device;
        try {
            device = linux.openTap(MAC, pool);
        } catch (IOException | RuntimeException | Error e) {
            pool.close();
            throw e;
        }
        try {
            FaultInjector injector = null;
            if (receiveFaults != null || transmitFaults != null) {
                injector = new FaultInjector(loop, device, random);
                injector.setReceiveFaults(receiveFaults != null ? receiveFaults : FaultInjector.Faults.NONE);
                injector.setTransmitFaults(transmitFaults != null ? transmitFaults : FaultInjector.Faults.NONE);
                device = injector;
            }
            // Built before the loop starts, on this thread, as the loop's rules allow.
            Interface iface = new Interface(loop, device, random, InterfaceSettings.defaults());
            UdpLayer udp = new UdpLayer(iface, random);
            TcpLayer tcp = new TcpLayer(loop, iface, random, settings);
            iface.start();
            udp.start();
            tcp.start();
            if (configure) {
                iface.configure(linux.pithAddress(), 24, null, List.of());
            }
            loop.start("pith-loop-" + linux.tapName());
            return new PithHost(pool, loop, device, injector, iface, udp, tcp, linux.pithAddress());
        } catch (RuntimeException | Error e) {
            loop.stop();
            device.close();
            pool.close();
            throw e;
        }
    }

    EventLoop loop() {
        return loop;
    }

    /** The interface; use it on the loop thread only. */
    Interface iface() {
        return iface;
    }

    /** TCP; use it on the loop thread only (except {@code open}, which is for other threads). */
    TcpLayer tcp() {
        return tcp;
    }

    UdpLayer udp() {
        return udp;
    }

    /** The fault injector in front of the TAP, if any; use it on the loop thread only. */
    Optional<FaultInjector> faults() {
        return Optional.ofNullable(faults);
    }

    Ipv4Address address() {
        return address;
    }

    /** Runs {@code task} on the loop and returns its result, waiting up to {@link #CALL_TIMEOUT}. */
    <T> T call(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        return await(result, CALL_TIMEOUT);
    }

    /** Runs {@code task} on the loop and waits until it ran. */
    void run(Runnable task) {
        call(() -> {
            task.run();
            return null;
        });
    }

    /** Waits up to {@code timeout} for {@code future}; rethrows its failure as an AssertionError. */
    static <T> T await(CompletableFuture<T> future, Duration timeout) {
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no result within " + timeout, e);
        } catch (ExecutionException e) {
            throw new AssertionError("failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Checks {@code condition} on the loop every 20 ms until it holds or {@code timeout} passes; returns whether it held. */
    boolean awaitOnLoop(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (call(condition::getAsBoolean)) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
    }

    /** Pings {@code target} from Pith and returns the round-trip time, empty when no reply came within {@code timeout}. */
    Optional<Duration> ping(Ipv4Address target, Duration timeout) {
        CompletableFuture<Optional<Duration>> result = new CompletableFuture<>();
        run(() -> iface.ping(target, timeout, result::complete));
        return await(result, timeout.plusSeconds(5));
    }

    /** Returns bugs the interface caught while handling frames; 0 for a correct stack. */
    long internalErrors() {
        return call(iface::internalErrors);
    }

    /** Returns exceptions that escaped to the loop; 0 for a correct stack. */
    long loopErrors() {
        return loop.stats().errors();
    }

    /** Returns a line of counters for failure messages: TCP, interface, drops, device, faults. */
    String describe() {
        return call(() -> "tcp " + tcp.stats() + "\niface " + iface.stats() + "\ndrops " + iface.drops()
                + "\ndevice " + device.stats() + (faults == null ? ""
                : "\nfaults rx " + faults.receiveCounters() + "\nfaults tx " + faults.transmitCounters())
                + "\nloop " + loop.stats() + ", internal errors " + iface.internalErrors() + "\npool outstanding "
                + pool.outstanding() + ", exhausted " + pool.exhaustedCount());
    }

    /**
     * Stops TCP (aborting what is left) and the interface on the loop, stops the loop, closes the
     * device and the pool. Idempotent; throws if buffers leaked.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!loop.isStopping()) {
                CompletableFuture<Void> stopped = new CompletableFuture<>();
                loop.execute(() -> {
                    try {
                        tcp.stop();
                        iface.stop();
                    } finally {
                        stopped.complete(null);
                    }
                });
                await(stopped, CALL_TIMEOUT);
                loop.stop();
            }
        } finally {
            try {
                device.close();
            } finally {
                pool.close();
            }
        }
    }

    @Override
    public String toString() {
        return "PithHost[" + address + " on " + device + "]";
    }

    /** The device below the interface: the TAP, or the fault injector around it. */
    NetDevice device() {
        return device;
    }

    /** The TAP itself. */
    TapDevice tap() {
        return (TapDevice) (faults != null ? faults.device() : device);
    }
}
