package dev.pith;

import dev.pith.core.EventLoop;
import dev.pith.core.Supervisor;
import dev.pith.core.device.BlockDevice;
import dev.pith.net.NetInterface;
import dev.pith.net.tcp.Tcp;
import dev.pith.net.udp.Udp;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/** A unikernel that has been started: stop it, wait for it, reach its parts. */
public final class RunningUnikernel {

    private final Plan plan;
    private final EventLoop loop;
    private final Supervisor supervisor;
    private final Map<String, BlockDevice> disks;
    private final NetworkAssembly network;

    RunningUnikernel(Plan plan, EventLoop loop, Supervisor supervisor, Map<String, BlockDevice> disks,
            NetworkAssembly network) {
        this.plan = plan;
        this.loop = loop;
        this.supervisor = supervisor;
        this.disks = disks;
        this.network = network;
    }

    /** Returns the network interface, once the "net" part has started; use it on the loop thread. */
    public NetInterface network() {
        return requireNetwork().iface();
    }

    /** Returns TCP, once its part has started; use it on the loop thread, except {@link Tcp#open}. */
    public Tcp tcp() {
        return requireNetwork().tcp();
    }

    /** Returns UDP, once its part has started; use it on the loop thread. */
    public Udp udp() {
        return requireNetwork().udp();
    }

    /** Returns the host port on loopback that reaches the unikernel's {@code port}, when it runs behind the host gateway. */
    public int hostPort(int port) {
        return requireNetwork().hostPort(port);
    }

    private NetworkAssembly requireNetwork() {
        if (network == null) {
            throw new NoSuchElementException("unikernel '" + plan.name() + "' has no network");
        }
        return network;
    }

    /** Returns the plan it runs. */
    public Plan plan() {
        return plan;
    }

    /** Returns its event loop; hand work to it with {@link EventLoop#execute}. */
    public EventLoop loop() {
        return loop;
    }

    /** Returns the disk named {@code name}, once its part has started. */
    public BlockDevice disk(String name) {
        BlockDevice disk = disks.get(name);
        if (disk == null) {
            throw new NoSuchElementException("no started disk named '" + name + "'; the plan has "
                    + plan.disks().stream().map(Disk::name).toList());
        }
        return disk;
    }

    /** Stops it cleanly (exit status 0). Callable from any thread. */
    public void stop() {
        supervisor.stop();
    }

    /** Waits until it has stopped; returns the exit status. */
    public int awaitExit() {
        int status = supervisor.awaitExit();
        loop.awaitTermination(java.time.Duration.ofSeconds(30));
        return status;
    }

    /** Returns the failure that stopped it, if one did. */
    public Optional<Supervisor.Failure> failure() {
        return supervisor.failure();
    }
}
