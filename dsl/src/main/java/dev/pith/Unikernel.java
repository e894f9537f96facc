package dev.pith;

import dev.pith.core.Supervisor;
import dev.pith.core.platform.HostedPlatform;
import dev.pith.core.platform.Platform;
import java.util.Objects;

/**
 * A unikernel: the OS parts one application needs, composed with a type-checked builder.
 *
 * <pre>{@code
 * Unikernel echo = Unikernel.builder("echo")          //  virtio-net ── Pith's driver
 *         .network(Network.virtio())                  //      │
 *         .ipv4(Ipv4.dhcp())                          //  Ethernet/ARP/IPv4/ICMP + DHCP client
 *         .tcp()                                      //      │
 *         .serve(8080, connection -> {                //  TCP ── listener :8080
 *             connection.input().transferTo(connection.output());
 *         })
 *         .build();
 * echo.run();
 * }</pre>
 *
 * <p>Each step offers only what can follow it: {@code tcp()} exists only after an IPv4
 * configuration, which exists only after a network, so a composition that cannot work does not
 * compile. {@link UnikernelStep#build() build()} checks the rest (names, addresses, ports) and
 * yields a unikernel whose {@link #plan()} is plain data: the image linker evaluates it at build
 * time to link only these parts into a bootable image; {@link #run()} runs the same composition
 * hosted, inside this JVM.
 */
public final class Unikernel {

    private final Plan plan;

    Unikernel(Plan plan) {
        this.plan = Objects.requireNonNull(plan, "plan == null");
    }

    /** Starts a composition; {@code name} names the unikernel and its image. */
    public static UnikernelStep builder(String name) {
        return new Composition(name);
    }

    /** Returns the evaluated composition. */
    public Plan plan() {
        return plan;
    }

    /**
     * Starts the unikernel hosted, in this JVM, and returns once its parts have started (or one
     * failed: then {@link RunningUnikernel#awaitExit()} returns 1 and {@code failure()} says why).
     */
    public RunningUnikernel start() {
        return start(new HostedPlatform());
    }

    /** Starts the unikernel on {@code platform} (hosted with another clock or randomness, in tests), as {@link #start()}. */
    public RunningUnikernel start(Platform platform) {
        return HostedAssembly.start(plan, platform);
    }

    /**
     * Runs the unikernel hosted until it stops (Ctrl-C stops it cleanly), then exits the JVM with
     * its status: 0 after a clean stop, {@value Supervisor#FAILURE_STATUS} after a failure, whose
     * message names the part that failed.
     */
    public void run() {
        HostedPlatform platform = new HostedPlatform();
        RunningUnikernel running = start(platform);
        Thread hook = Thread.ofPlatform().unstarted(running::stop);
        Runtime.getRuntime().addShutdownHook(hook);
        int status = running.awaitExit();
        running.failure().ifPresent(f -> System.err.println("pith: unikernel '" + plan.name() + "' stopped: " + f.message()));
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return; // Ctrl-C: the JVM is already on its way out.
        }
        platform.exit(status);
    }

    @Override
    public String toString() {
        return plan.describe();
    }
}
