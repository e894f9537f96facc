package dev.pith.core.guest;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * The way out of a guest: sync, hand the status to QEMU's isa-debug-exit device when there is one,
 * power off. PID 1 must never simply return (the kernel panics with "Attempted to kill init"), so
 * every step is guarded and the last resort is a halt. Only the first caller shuts down; any
 * other thread that asks meanwhile waits for the power to go.
 */
final class Shutdown {

    /** The shutdown of this JVM's machine, reading the debug-exit port from the kernel command line when asked. */
    static final Shutdown SYSTEM = new Shutdown(Machine.LINUX, Shutdown::debugExitPortFromCommandLine);

    private final Machine machine;
    private final IntSupplier debugExitPort;
    private final AtomicBoolean started = new AtomicBoolean();

    Shutdown(Machine machine, IntSupplier debugExitPort) {
        this.machine = machine;
        this.debugExitPort = debugExitPort;
    }

    /** Syncs, reports {@code status} to isa-debug-exit if configured, powers off; never returns on a real machine. */
    void exit(int status) {
        if (!started.compareAndSet(false, true)) {
            for (;;) {
                LockSupport.park(this); // another thread is powering the machine off
            }
        }
        PrintStream console = machine.console();
        try {
            console.println("pith: exit status " + status + ", powering off");
            console.flush();
            System.err.flush();
        } catch (Throwable ignored) {
            // nothing left to tell it with
        }
        try {
            machine.sync();
        } catch (Throwable e) {
            report(console, "sync", e);
        }
        int port = -1;
        try {
            port = debugExitPort.getAsInt();
            if (port >= 0) {
                // QEMU's isa-debug-exit exits at once with (value << 1) | 1 (hw/misc/debugexit.c).
                machine.writeIoPort(port, GuestPlatform.debugExitValue(status));
            }
        } catch (Throwable e) {
            report(console, "write the exit status to I/O port 0x" + Integer.toHexString(port), e);
        }
        try {
            machine.powerOff();
        } catch (Throwable e) {
            report(console, "power off", e);
        }
        machine.halt(status);
    }

    private static void report(PrintStream console, String step, Throwable e) {
        try {
            console.println("pith: could not " + step + ": " + e);
            console.flush();
        } catch (Throwable ignored) {
            // keep going: the machine must still stop
        }
    }

    /** Reads {@code pith.exit_port} from /proc/cmdline: a port number, "none", or the default 0x501. */
    static int debugExitPortFromCommandLine() {
        try {
            return GuestPlatform.debugExitPort(KernelCommandLine.read().pithSettings());
        } catch (Exception e) {
            return GuestPlatform.DEFAULT_DEBUG_EXIT_PORT; // /proc not mounted: still try QEMU's default
        }
    }
}
