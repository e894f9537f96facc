package dev.pith;

import dev.pith.core.EventLoop;
import dev.pith.core.Supervisor;
import dev.pith.core.guest.GuestPlatform;
import dev.pith.core.platform.HostedPlatform;
import dev.pith.core.platform.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * Runs the unikernel until it stops, then ends with its status: 0 after a clean stop,
     * {@value Supervisor#FAILURE_STATUS} after a failure, whose message names the part that failed.
     * As init of a virtual machine it {@linkplain #boot() boots} the guest; otherwise it runs hosted,
     * in this JVM (Ctrl-C stops it cleanly), and exits the JVM.
     */
    public void run() {
        if (isVirtualMachineInit()) {
            boot();
        }
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

    /**
     * Runs the unikernel as PID 1 of its virtual machine: mounts what the JVM needs, drives the
     * virtio devices with Pith's own drivers, runs the parts on the main thread's event loop, and
     * powers the machine off with the exit status (handed to QEMU's isa-debug-exit). Never returns.
     * The image linker's generated boot class does the same with the plan's parts written out.
     */
    public void boot() {
        GuestPlatform.runAsInit(() -> {
            GuestPlatform platform = GuestPlatform.boot();
            Supervisor[] supervisor = new Supervisor[1];
            EventLoop loop = platform.eventLoop().onError(failure -> supervisor[0].fail("event loop", failure)).build();
            Assembly assembly = new Assembly(plan, loop, platform.random(), new GuestAssemblyDevices(platform, loop));
            supervisor[0] = new Supervisor(loop, assembly.components);
            assembly.attach(supervisor[0]);
            supervisor[0].start();
            loop.runOnCurrentThread();
            int status = supervisor[0].awaitExit();
            supervisor[0].failure().ifPresent(f -> System.out.println("pith: unikernel '" + plan.name() + "' stopped: "
                    + f.message()));
            platform.exit(status);
        });
    }

    /**
     * PID 1 with no {@code /proc} yet: the kernel started this JVM as init and nothing has mounted
     * anything. A container's PID 1 always has {@code /proc}, and runs hosted.
     */
    private static boolean isVirtualMachineInit() {
        return ProcessHandle.current().pid() == 1 && !Files.exists(Path.of("/proc/self"));
    }

    @Override
    public String toString() {
        return plan.describe();
    }
}
