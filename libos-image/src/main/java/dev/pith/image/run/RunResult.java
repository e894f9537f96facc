package dev.pith.image.run;

import dev.pith.image.qemu.Outcome;
import dev.pith.image.qemu.QemuResult;
import java.util.Objects;

/**
 * How a run ended, and the status a front end exits with.
 *
 * @param qemu the QEMU run: outcome, console, QEMU's own errors
 * @param stopped whether the run was stopped from the host (Ctrl-C, {@link Runner.Running#stop()})
 */
public record RunResult(QemuResult qemu, boolean stopped) {
    /** The status after a stop from the host, as a shell reports SIGINT (128 + 2). */
    public static final int STOPPED_STATUS = 130;
    /** The status after the run's timeout, as {@code timeout(1)} reports it. */
    public static final int TIMED_OUT_STATUS = 124;

    /** Checks the values. */
    public RunResult {
        Objects.requireNonNull(qemu, "qemu == null");
    }

    /**
     * The status to exit with: what the guest wrote to isa-debug-exit; 0 after a power-off;
     * {@value #STOPPED_STATUS} when stopped from the host; {@value #TIMED_OUT_STATUS} after the
     * timeout; 1 after a kernel panic; QEMU's own status (at least 1) when QEMU failed.
     */
    public int exitStatus() {
        if (stopped) {
            return STOPPED_STATUS;
        }
        return switch (qemu.outcome()) {
            case Outcome.DebugExit(int status) -> status;
            case Outcome.PoweredOff() -> 0;
            case Outcome.Stopped() -> STOPPED_STATUS;
            case Outcome.TimedOut(var timeout) -> TIMED_OUT_STATUS;
            case Outcome.KernelPanic(var line) -> 1;
            case Outcome.Failed(int exitCode, var stderr) -> Math.max(1, exitCode);
        };
    }

    /** One line for the terminal: how the guest ended, after how long, on which accelerator. */
    public String summary() {
        String how = stopped ? "stopped" : switch (qemu.outcome()) {
            case Outcome.DebugExit(int status) -> "the guest exited with status " + status;
            case Outcome.PoweredOff() -> "the guest powered off";
            case Outcome.Stopped() -> "stopped";
            case Outcome.TimedOut(var timeout) -> "timed out after " + timeout.toSeconds() + " s and was stopped";
            case Outcome.KernelPanic(String line) -> "the kernel panicked: " + line + hint(line);
            case Outcome.Failed(int exitCode, String stderr) -> "QEMU failed with status " + exitCode + ": " + stderr.strip();
        };
        return how + String.format(" (%.1f s, %s)", qemu.elapsed().toMillis() / 1e3, qemu.accelerator());
    }

    private static String hint(String panic) {
        return panic.contains("memory") || panic.contains("Out of memory") || panic.contains("write error")
                ? " -- give the guest more memory (pith run --memory 512, or -Dpith.memory=512)"
                : "";
    }
}
