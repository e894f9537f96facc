package dev.pith.image.qemu;

import java.time.Duration;

/** How a guest run ended. */
public sealed interface Outcome {
    /**
     * The guest wrote {@code status} to the {@code isa-debug-exit} port; QEMU exited with
     * {@code (status << 1) | 1}.
     */
    record DebugExit(int status) implements Outcome { }

    /** The guest powered off (ACPI, {@code reboot(RB_POWER_OFF)}): QEMU exited with 0. */
    record PoweredOff() implements Outcome { }

    /** The kernel panicked (with {@code panic=-1} and {@code -no-reboot} QEMU then exits with 0); {@code line} says why. */
    record KernelPanic(String line) implements Outcome { }

    /** The run took longer than its timeout and QEMU was stopped. */
    record TimedOut(Duration timeout) implements Outcome { }

    /** The run was stopped by {@link QemuProcess#stop()}. */
    record Stopped() implements Outcome { }

    /** QEMU failed: it could not start the guest, or ended with an unexpected status. */
    record Failed(int exitCode, String stderr) implements Outcome { }
}
