package dev.pith;

import dev.pith.core.EventLoop;
import dev.pith.core.Supervisor;
import dev.pith.core.device.BlockDevice;
import dev.pith.internal.DiskPart;
import dev.pith.net.NetInterface;
import dev.pith.net.tcp.Tcp;
import dev.pith.net.udp.Udp;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.Optional;

/** A unikernel that has been started: stop it, wait for it, reach its parts. */
public final class RunningUnikernel {

    private final Plan plan;
    private final EventLoop loop;
    private final Supervisor supervisor;
    private final Assembly assembly;
    private final HostedDevices hosted;

    RunningUnikernel(Plan plan, EventLoop loop, Supervisor supervisor, Assembly assembly, HostedDevices hosted) {
        this.plan = plan;
        this.loop = loop;
        this.supervisor = supervisor;
        this.assembly = assembly;
        this.hosted = hosted;
    }

    /** Returns the plan it runs. */
    public Plan plan() {
        return plan;
    }

    /** Returns its event loop; hand work to it with {@link EventLoop#execute}. */
    public EventLoop loop() {
        return loop;
    }

    /** Returns the disk named {@code name}, once its part has started; use it on the loop thread. */
    public BlockDevice disk(String name) {
        DiskPart part = assembly.disks.get(name);
        if (part == null || part.device() == null) {
            throw new NoSuchElementException("no started disk named '" + name + "'; the plan has "
                    + plan.disks().stream().map(Disk::name).toList());
        }
        return part.device();
    }

    /** Returns the network interface, once the "net" part has started; use it on the loop thread. */
    public NetInterface network() {
        return started(assembly.net == null ? null : assembly.net.iface(), "net");
    }

    /** Returns TCP, once its part has started; use it on the loop thread, except {@link Tcp#open}. */
    public Tcp tcp() {
        return started(assembly.tcp == null ? null : assembly.tcp.tcp(), "tcp");
    }

    /** Returns UDP, once its part has started; use it on the loop thread. */
    public Udp udp() {
        return started(assembly.udp == null ? null : assembly.udp.udp(), "udp");
    }

    /** Returns the host port on loopback that reaches the unikernel's {@code port}, when it runs behind the host gateway. */
    public int hostPort(int port) {
        return started(hosted == null ? null : hosted.gateway, "host gateway").hostPort(port);
    }

    private <T> T started(T part, String name) {
        if (part == null) {
            throw new NoSuchElementException("unikernel '" + plan.name() + "' has no started '" + name + "' part");
        }
        return part;
    }

    /** Stops it cleanly (exit status 0). Callable from any thread. */
    public void stop() {
        supervisor.stop();
    }

    /** Waits until it has stopped; returns the exit status. */
    public int awaitExit() {
        int status = supervisor.awaitExit();
        loop.awaitTermination(Duration.ofSeconds(30));
        return status;
    }

    /** Returns the failure that stopped it, if one did. */
    public Optional<Supervisor.Failure> failure() {
        return supervisor.failure();
    }
}
