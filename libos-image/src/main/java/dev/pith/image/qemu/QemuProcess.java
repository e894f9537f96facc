package dev.pith.image.qemu;

import dev.pith.image.ImageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A running QEMU: its serial console is read line by line as it arrives (each line stamped with
 * the time since QEMU started), so a test can wait for a line, talk to the guest over a forwarded
 * port, and then stop it. {@link #close()} stops QEMU if it is still running: SIGTERM, which QEMU
 * handles by shutting down cleanly, then SIGKILL after 5 s.
 */
public final class QemuProcess implements AutoCloseable {
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final Process process;
    private final List<String> command;
    private final Accelerator accelerator;
    private final Duration timeout;
    private final long startNanos;
    private final List<ConsoleLine> lines = new ArrayList<>(); // guarded by this
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream(); // guarded by itself
    private final Thread consoleReader;
    private final Thread errorReader;
    private boolean consoleClosed; // guarded by this
    private volatile Outcome forcedOutcome;
    private QemuResult result;

    private QemuProcess(Process process, List<String> command, Accelerator accelerator, Duration timeout,
                        long startNanos, OutputStream serialCopy) {
        this.process = process;
        this.command = command;
        this.accelerator = accelerator;
        this.timeout = timeout;
        this.startNanos = startNanos;
        this.consoleReader = Thread.ofPlatform().daemon().name("qemu-serial").start(() -> readConsole(serialCopy));
        this.errorReader = Thread.ofPlatform().daemon().name("qemu-stderr").start(this::readErrors);
    }

    static QemuProcess start(List<String> command, Accelerator accelerator, Duration timeout, Path serialLog,
                             OutputStream console) throws IOException {
        OutputStream serialCopy = copies(serialLog == null ? null : Files.newOutputStream(serialLog), console);
        long t0 = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            if (serialCopy != null) {
                serialCopy.close();
            }
            throw new ImageException("cannot start " + command.getFirst() + ": " + e.getMessage(),
                    "install QEMU (Debian: apt-get install qemu-system-x86), or name the program with QemuRunner.builder().qemu(...)", e);
        }
        p.getOutputStream().close(); // the guest gets no console input
        return new QemuProcess(p, command, accelerator, timeout, t0, serialCopy);
    }

    /**
     * One stream that writes to the serial log file (closed with it) and to {@code console} (flushed,
     * never closed: it is the caller's, often System.out).
     */
    private static OutputStream copies(OutputStream file, OutputStream console) {
        if (console == null) {
            return file;
        }
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (file != null) {
                    file.write(b, off, len);
                }
                console.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                if (file != null) {
                    file.flush();
                }
                console.flush();
            }

            @Override
            public void close() throws IOException {
                flush();
                if (file != null) {
                    file.close();
                }
            }
        };
    }

    /** The QEMU process's id. */
    public long pid() {
        return process.pid();
    }

    /** Whether QEMU still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The console lines so far. */
    public synchronized List<ConsoleLine> lines() {
        return List.copyOf(lines);
    }

    /**
     * Waits until a console line satisfies {@code test}, QEMU ends, or {@code wait} passes.
     *
     * @return the line, or empty if QEMU ended or the time passed first
     */
    public Optional<ConsoleLine> awaitLine(Predicate<String> test, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        int checked = 0;
        synchronized (this) {
            while (true) {
                for (; checked < lines.size(); checked++) {
                    if (test.test(lines.get(checked).text())) {
                        return Optional.of(lines.get(checked));
                    }
                }
                long left = deadline - System.nanoTime();
                if (consoleClosed || left <= 0) {
                    return Optional.empty();
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    /** Waits for a console line containing {@code text}. */
    public Optional<ConsoleLine> awaitLineContaining(String text, Duration wait) throws InterruptedException {
        return awaitLine(l -> l.contains(text), wait);
    }

    /** Waits until QEMU ends, stopping it when the run's timeout passes. */
    public QemuResult awaitExit() throws InterruptedException {
        if (result != null) {
            return result;
        }
        long left = timeout.toNanos() - (System.nanoTime() - startNanos);
        if (!process.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
            forcedOutcome = new Outcome.TimedOut(timeout);
            terminate();
        }
        return finish();
    }

    /** Stops QEMU (SIGTERM, then SIGKILL after 5 s) and returns the run. */
    public QemuResult stop() throws InterruptedException {
        if (result != null) {
            return result;
        }
        if (process.isAlive()) {
            forcedOutcome = new Outcome.Stopped();
            terminate();
        }
        return finish();
    }

    /** Stops QEMU if it still runs; if interrupted meanwhile, kills it and keeps the interrupt. */
    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(STOP_GRACE.toNanos(), TimeUnit.NANOSECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    private QemuResult finish() throws InterruptedException {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        consoleReader.join(STOP_GRACE);
        errorReader.join(STOP_GRACE);
        int exit = process.exitValue();
        String err;
        synchronized (stderr) {
            err = stderr.toString(StandardCharsets.UTF_8);
        }
        List<ConsoleLine> all = lines();
        Outcome outcome = forcedOutcome != null ? forcedOutcome : decode(exit, err, all);
        result = new QemuResult(outcome, exit, accelerator, all, err, elapsed, command);
        return result;
    }

    /**
     * QEMU's exit status: {@code (v << 1) | 1} after the guest wrote v to isa-debug-exit; 0 after a
     * power-off or, with {@code -no-reboot}, a reboot (a panic with {@code panic=-1} is one); 1 also
     * when QEMU itself failed, which its standard error then says.
     */
    static Outcome decode(int exit, String stderr, List<ConsoleLine> lines) {
        if (exit == 0) {
            for (ConsoleLine l : lines) {
                if (l.text().contains("Kernel panic - not syncing")) {
                    return new Outcome.KernelPanic(l.text().strip());
                }
            }
            return new Outcome.PoweredOff();
        }
        boolean qemuError = stderr.lines().anyMatch(l -> l.startsWith("qemu-system") && !l.contains("warning:")
                && !l.contains("terminating on signal"));
        if ((exit & 1) == 1 && exit < 512 && !(exit == 1 && qemuError)) {
            return new Outcome.DebugExit(exit >> 1);
        }
        return new Outcome.Failed(exit, stderr);
    }

    private void readConsole(OutputStream copy) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (InputStream in = process.getInputStream(); OutputStream c = copy) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (c != null) {
                    c.write(buf, 0, n);
                    c.flush();
                }
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (b == '\n') {
                        addLine(line);
                    } else if (b != '\r') {
                        line.write(b);
                    }
                }
            }
        } catch (IOException e) {
            // QEMU ended or the stream broke: keep what arrived
        } finally {
            if (line.size() > 0) {
                addLine(line);
            }
            synchronized (this) {
                consoleClosed = true;
                notifyAll();
            }
        }
    }

    private void addLine(ByteArrayOutputStream line) {
        ConsoleLine l = new ConsoleLine(Duration.ofNanos(System.nanoTime() - startNanos),
                line.toString(StandardCharsets.UTF_8));
        line.reset();
        synchronized (this) {
            lines.add(l);
            notifyAll();
        }
    }

    private void readErrors() {
        byte[] buf = new byte[4096];
        try (InputStream in = process.getErrorStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (stderr) {
                    if (stderr.size() < (1 << 20)) {
                        stderr.write(buf, 0, n);
                    }
                }
            }
        } catch (IOException e) {
            // QEMU ended
        }
    }
}
