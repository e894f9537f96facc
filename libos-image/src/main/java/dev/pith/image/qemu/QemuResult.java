package dev.pith.image.qemu;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A finished guest run: how it ended, what it wrote to its serial console and when.
 *
 * @param outcome how it ended
 * @param exitCode QEMU's exit status (negative if QEMU was killed by a signal)
 * @param accelerator the accelerator it ran on (never {@link Accelerator#AUTO})
 * @param lines the serial console, line by line, with arrival times
 * @param stderr what QEMU itself wrote to its standard error
 * @param elapsed from QEMU's start to its exit
 * @param command the QEMU command line
 */
public record QemuResult(Outcome outcome, int exitCode, Accelerator accelerator, List<ConsoleLine> lines,
                         String stderr, Duration elapsed, List<String> command) {
    /** Copies the lists. */
    public QemuResult {
        lines = List.copyOf(lines);
        command = List.copyOf(command);
    }

    /** The status the guest wrote to {@code isa-debug-exit}, if it ended that way. */
    public OptionalInt guestExitStatus() {
        return outcome instanceof Outcome.DebugExit(int status) ? OptionalInt.of(status) : OptionalInt.empty();
    }

    /** The serial console as text, one line per line. */
    public String log() {
        return lines.stream().map(ConsoleLine::text).collect(Collectors.joining("\n"));
    }

    /** The first console line that {@code test} accepts. */
    public Optional<ConsoleLine> firstLine(Predicate<String> test) {
        return lines.stream().filter(l -> test.test(l.text())).findFirst();
    }

    /** The first console line containing {@code text}. */
    public Optional<ConsoleLine> firstLineContaining(String text) {
        return firstLine(l -> l.contains(text));
    }

    /** A report for a failed assertion: outcome, the command, QEMU's errors and the console with times. */
    public String describe() {
        return "QEMU run: " + outcome + " (exit " + exitCode + ", " + accelerator + ", " + elapsed.toMillis() + " ms)\n"
                + "command: " + String.join(" ", command) + "\n"
                + (stderr.isBlank() ? "" : "QEMU stderr:\n" + stderr.strip() + "\n")
                + "serial console:\n" + lines.stream().map(ConsoleLine::toString).collect(Collectors.joining("\n"));
    }
}
