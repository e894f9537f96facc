package dev.pith.core.guest;

import dev.pith.core.sys.Linux;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Boot-phase timing, printed with {@code pith.log=debug}: one console line per phase,
 * {@code pith: boot <phase> <ms> ms (downcall handles: <n>)}, where n counts the FFM downcall handles
 * this JVM has made so far — each costs a few hundred milliseconds under TCG (DESIGN.md §3), so the
 * count is worth watching. bench/scripts/guest-boot.py reads these lines.
 *
 * <p>Cheap when off: {@link #phase} tests a final boolean. When on, it builds its line without
 * {@code String.format} or string-concatenation bootstraps, which would load classes of their own in
 * the middle of the boot being measured.
 */
public final class BootTrace {

    /** A trace that prints nothing. */
    public static final BootTrace OFF = new BootTrace(false, System.out);

    private final boolean enabled;
    private final PrintStream console;

    BootTrace(boolean enabled, PrintStream console) {
        this.enabled = enabled;
        this.console = console;
    }

    /** Returns the trace for these settings: on if {@code log} is {@code debug}. */
    static BootTrace of(Map<String, String> settings) {
        return "debug".equals(settings.get("log")) ? new BootTrace(true, System.out) : OFF;
    }

    /** Returns whether phases are printed. */
    public boolean enabled() {
        return enabled;
    }

    /** Prints {@code phase}'s time since {@code startNanos}, a {@link System#nanoTime()} reading. */
    public void phase(String phase, long startNanos) {
        if (enabled) {
            line(phase, (System.nanoTime() - startNanos) / 1000);
        }
    }

    /**
     * Prints phase "jvm": the kernel's uptime when {@code startNanos} was read, from /proc/uptime (10 ms steps).
     * Against the kernel's "Run /jre/bin/java as init process" (printk.time=1) it gives the JVM's own start-up.
     */
    void kernelUptimeAt(long startNanos) {
        if (!enabled) {
            return;
        }
        try {
            String uptime = Files.readString(Path.of("/proc/uptime")); // "123.45 67.89\n": seconds up, idle
            long micros = Math.round(Double.parseDouble(uptime.substring(0, uptime.indexOf(' '))) * 1e6);
            line("jvm", micros - (System.nanoTime() - startNanos) / 1000);
        } catch (IOException | RuntimeException e) {
            console.println("pith: boot jvm: cannot read /proc/uptime: " + e);
        }
    }

    private void line(String phase, long micros) {
        StringBuilder line = new StringBuilder(64).append("pith: boot ").append(phase).append(' ')
                .append(micros / 1000).append('.').append(micros / 100 % 10)
                .append(" ms (downcall handles: ").append(Linux.downcallHandlesCreated()).append(')');
        console.println(line);
    }
}
