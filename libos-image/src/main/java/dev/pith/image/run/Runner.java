package dev.pith.image.run;

import dev.pith.image.ImageException;
import dev.pith.image.qemu.Accelerator;
import dev.pith.image.qemu.Outcome;
import dev.pith.image.qemu.PortForward;
import dev.pith.image.qemu.QemuProcess;
import dev.pith.image.qemu.QemuResult;
import dev.pith.image.qemu.QemuRunner;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Runs a linked image under QEMU the way a user runs an application: the serial console streamed
 * to the terminal as it arrives, host ports forwarded to the guest, KVM where it works, a clean
 * stop on Ctrl-C, and the guest's exit status handed back. The {@code pith} command and the Maven
 * plugin's {@code run} goal are both this class.
 *
 * <pre>{@code
 * RunResult r = Runner.builder()
 *         .image(BootableImage.read(Path.of("target/pith")))
 *         .ports(List.of(Runner.parsePort("8080")))       // 127.0.0.1:8080 -> guest 8080
 *         .build()
 *         .run();                                         // blocks until the guest ends or Ctrl-C
 * System.exit(r.exitStatus());
 * }</pre>
 *
 * <p>What it decides, and the overrides:
 * <ul>
 *   <li>Boot: the direct-boot triple (kernel, initrd, command line), the fastest; {@code disk(true)}
 *       boots the raw disk through the BIOS and syslinux instead, as a cloud would.
 *   <li>Accelerator: {@link Accelerator#fromEnvironment()} ({@code -Dpith.qemu.accel},
 *       {@code PITH_QEMU_ACCEL}), else AUTO: KVM when {@code /dev/kvm} is usable and a probe boot
 *       shows the kernel's banner within 5 s, else TCG (nested KVM hangs on some hosts).
 *   <li>Memory: what the plan asks for, raised to what the image needs to unpack its initramfs
 *       ({@link BootableImage#minimumMemoryMib()}); an explicit {@code memoryMib} is taken as given.
 *   <li>Ports: each forward binds 127.0.0.1 only; a host port already in use fails before QEMU starts.
 *   <li>Ctrl-C: a shutdown hook stops QEMU (SIGTERM, SIGKILL after 5 s), so no QEMU outlives the run.
 * </ul>
 */
public final class Runner {
    /** No timeout unless asked for: a server runs until stopped. */
    private static final Duration FOREVER = Duration.ofDays(3650);

    private final BootableImage image;
    private final List<PortForward> ports;
    private final int memoryMib;
    private final boolean memoryGiven;
    private final int cpus;
    private final boolean disk;
    private final Accelerator accelerator;
    private final Duration timeout;
    private final OutputStream console;
    private final Consumer<String> log;
    private final String qemu;
    private final boolean checkHost;

    private Runner(Builder b) {
        this.image = Objects.requireNonNull(b.image, "image == null");
        this.ports = List.copyOf(b.ports);
        this.memoryMib = b.memoryMib > 0 ? b.memoryMib : image.defaultMemoryMib();
        this.memoryGiven = b.memoryMib > 0;
        this.cpus = b.cpus > 0 ? b.cpus : Math.max(1, image.cpus());
        this.disk = b.disk;
        this.accelerator = b.accelerator;
        this.timeout = b.timeout;
        this.console = b.console;
        this.log = b.log;
        this.qemu = b.qemu;
        this.checkHost = b.checkHost;
        if (disk && image.disk() == null) {
            throw new ImageException("image " + image.name() + " has no raw disk (" + image.name() + ".img)",
                    "run it without --disk (-Dpith.disk=false), or rebuild it with the disk (the linker's default)");
        }
        Set<Integer> hostPorts = new HashSet<>();
        for (PortForward f : ports) {
            if (!hostPorts.add(f.hostPort())) {
                throw new ImageException("host port " + f.hostPort() + " is forwarded twice",
                        "give each -p its own host port: -p 18080:8080");
            }
        }
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses a port forward as {@code docker run -p} and {@code ops run -p} write it: {@code 8080}
     * forwards host port 8080 to guest port 8080, {@code 18080:8080} host 18080 to guest 8080.
     * The host side binds 127.0.0.1 only.
     */
    public static PortForward parsePort(String spec) {
        Objects.requireNonNull(spec, "spec == null");
        String s = spec.strip();
        if (s.endsWith("/tcp")) {
            s = s.substring(0, s.length() - 4);
        }
        String[] parts = s.split(":", -1);
        try {
            if (parts.length == 1) {
                int port = port(parts[0]);
                return new PortForward(port, port);
            }
            if (parts.length == 2) {
                return new PortForward(port(parts[0]), port(parts[1]));
            }
        } catch (IllegalArgumentException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("'" + spec + "' is not a port forward: write GUEST (-p 8080) or HOST:GUEST"
                + " (-p 18080:8080), ports 1..65535, TCP");
    }

    private static int port(String s) {
        int p = Integer.parseInt(s.strip());
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("port out of range: " + p);
        }
        return p;
    }

    /** The memory the guest gets, in MiB. */
    public int memoryMib() {
        return memoryMib;
    }

    /** The virtual CPUs the guest gets. */
    public int cpus() {
        return cpus;
    }

    /** The image this runner boots. */
    public BootableImage image() {
        return image;
    }

    /**
     * The QEMU command line, without starting anything but the KVM probe (when the accelerator
     * is AUTO).
     */
    public List<String> command() {
        return qemuRunner().command();
    }

    /**
     * Starts QEMU: checks the host (QEMU installed, host ports free), resolves the accelerator,
     * streams the console, and installs the shutdown hook that stops QEMU on Ctrl-C.
     */
    public Running start() throws IOException {
        if (checkHost) {
            checkQemuInstalled(qemu);
            for (PortForward f : ports) {
                checkHostPortFree(f);
            }
        }
        if (accelerator == Accelerator.AUTO && Files.exists(Path.of("/dev/kvm"))) {
            log.accept("checking that KVM works here (a probe boot, up to 5 s; --accel tcg or -Dpith.qemu.accel=tcg skips it)");
        }
        QemuRunner runner = qemuRunner();
        describe(runner);
        return new Running(runner.start(), log, image.name());
    }

    /**
     * Starts QEMU and blocks until the guest ends, the timeout passes, or Ctrl-C stops it; logs
     * how it ended ({@link RunResult#summary()}).
     */
    public RunResult run() throws IOException, InterruptedException {
        try (Running running = start()) {
            RunResult result = running.awaitExit();
            log.accept(result.summary());
            return result;
        }
    }

    private QemuRunner qemuRunner() {
        Accelerator chosen = accelerator;
        if (chosen == Accelerator.AUTO && disk) {
            // The probe boots a kernel; a disk boot has none of its own to offer, so probe with the image's.
            chosen = QemuRunner.builder().qemu(qemu).directBoot(image.kernel(), null, "").accelerator(Accelerator.AUTO)
                    .build().accelerator();
        }
        QemuRunner.Builder q = QemuRunner.builder()
                .qemu(qemu)
                .accelerator(chosen)
                .memoryMb(memoryMib)
                .cpus(cpus)
                .timeout(timeout)
                .network(ports.toArray(PortForward[]::new));
        if (console != null) {
            q.console(console);
        }
        if (disk) {
            q.bootDisk(image.disk());
        } else {
            q.directBoot(image.kernel(), image.initrd(), image.commandLine());
        }
        return q.build();
    }

    private void describe(QemuRunner runner) {
        String forwards = ports.isEmpty() ? "no ports forwarded"
                : ports.stream().map(f -> "127.0.0.1:" + f.hostPort() + " -> guest " + f.guestPort())
                        .collect(Collectors.joining(", "));
        log.accept(String.format("booting %s: %s, %s, %d MiB, %d %s; %s. Ctrl-C stops it.", image.name(),
                disk ? "raw disk " + image.disk().getFileName() : "direct boot",
                runner.accelerator().name(), memoryMib, cpus, cpus == 1 ? "CPU" : "CPUs", forwards));
        if (memoryMib < image.minimumMemoryMib()) {
            log.accept("warning: " + memoryMib + " MiB is less than the " + image.minimumMemoryMib()
                    + " MiB this image needs to unpack its initramfs; the kernel may panic");
        } else if (!memoryGiven && image.memoryMib() > 0 && image.memoryMib() < memoryMib) {
            log.accept("memory: the plan asks for " + image.memoryMib() + " MiB; the image needs " + image.minimumMemoryMib()
                    + " MiB to unpack its initramfs in RAM, so it gets " + memoryMib + " MiB");
        }
        List<Integer> listening = image.tcpPorts();
        List<Integer> unforwarded = new ArrayList<>(listening);
        for (PortForward f : ports) {
            unforwarded.remove(Integer.valueOf(f.guestPort()));
            if (!listening.isEmpty() && !listening.contains(f.guestPort())) {
                log.accept("warning: " + image.name() + " does not listen on guest port " + f.guestPort() + " (it listens on "
                        + String.join(", ", image.ports()) + ")");
            }
        }
        if (!unforwarded.isEmpty()) {
            log.accept(image.name() + " also listens on " + unforwarded.stream().map(p -> p + "/tcp")
                    .collect(Collectors.joining(", ")) + ", not forwarded: add -p " + unforwarded.getFirst()
                    + " (or -p HOST:" + unforwarded.getFirst() + ") to reach it");
        }
    }

    /** Fails with the fix when {@code program} is not a file and not on the PATH. */
    static void checkQemuInstalled(String program) {
        if (program.contains(File.separator)) {
            if (Files.isExecutable(Path.of(program))) {
                return;
            }
        } else {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                    return;
                }
            }
        }
        throw new ImageException(program + " is not installed (not on the PATH)",
                "install QEMU: apt-get install qemu-system-x86 (Debian, Ubuntu)");
    }

    /** Fails with the fix when the forward's host port is taken on 127.0.0.1. */
    static void checkHostPortFree(PortForward f) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), f.hostPort()), 1);
        } catch (IOException e) {
            throw new ImageException("host port " + f.hostPort() + " is in use on 127.0.0.1 (" + e.getMessage() + ")",
                    "forward another host port to guest port " + f.guestPort() + ": -p " + suggest(f) + ":" + f.guestPort()
                            + " (Maven: -Dpith.ports=" + suggest(f) + ":" + f.guestPort() + "), or stop what holds "
                            + f.hostPort(), e);
        }
    }

    private static int suggest(PortForward f) {
        return f.hostPort() + 10000 <= 65535 ? f.hostPort() + 10000 : f.hostPort() - 10000;
    }

    /**
     * A running guest. {@link #awaitExit()} blocks until it ends; closing it stops QEMU if it still
     * runs. Until it is closed, a shutdown hook stops QEMU when the JVM is asked to exit (Ctrl-C,
     * SIGTERM), then waits up to 2 s for the front end to report the run.
     */
    public static final class Running implements AutoCloseable {
        private final QemuProcess process;
        private final Consumer<String> log;
        private final String name;
        private final Thread hook;
        private final CountDownLatch reported = new CountDownLatch(1);
        private volatile boolean stopRequested;
        private RunResult result;

        private Running(QemuProcess process, Consumer<String> log, String name) {
            this.process = process;
            this.log = log;
            this.name = name;
            this.hook = Thread.ofPlatform().name("pith-stop-qemu").unstarted(this::stopOnShutdown);
            Runtime.getRuntime().addShutdownHook(hook);
        }

        /** The QEMU process: its pid, and the console lines so far. */
        public QemuProcess process() {
            return process;
        }

        /**
         * Blocks until the guest ends (or the timeout passes, or Ctrl-C stops it).
         *
         * @throws ImageException when QEMU itself failed, with QEMU's message and the fix
         */
        public RunResult awaitExit() throws InterruptedException {
            return finish(process.awaitExit());
        }

        /** Stops QEMU (SIGTERM, then SIGKILL after 5 s) and returns the run. */
        public RunResult stop() throws InterruptedException {
            stopRequested = true;
            return finish(process.stop());
        }

        private synchronized RunResult finish(QemuResult q) {
            if (result != null) {
                return result;
            }
            boolean stopped = stopRequested || q.outcome() instanceof Outcome.Stopped
                    || q.stderr().contains("terminating on signal"); // Ctrl-C in a terminal reaches QEMU too
            if (!stopped && q.outcome() instanceof Outcome.Failed failed) {
                throw diagnose(failed, q);
            }
            result = new RunResult(q, stopped);
            return result;
        }

        private void stopOnShutdown() {
            stopRequested = true;
            if (process.isAlive()) {
                log.accept("stopping " + name + " (QEMU pid " + process.pid() + ")");
                process.close();
            }
            try {
                reported.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Stops QEMU if it still runs and removes the shutdown hook. */
        @Override
        public void close() {
            try {
                if (process.isAlive()) {
                    stopRequested = true;
                }
                process.close();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs now, or has run
                }
            } finally {
                reported.countDown();
            }
        }

        private static ImageException diagnose(Outcome.Failed failed, QemuResult q) {
            String err = failed.stderr().strip();
            String fix;
            if (err.contains("hostfwd") || err.contains("host forwarding")) {
                fix = "a forwarded host port is taken: forward another one, e.g. -p 18080:8080";
            } else if (err.toLowerCase(Locale.ROOT).contains("kvm")) {
                fix = "KVM does not work here: run on TCG with --accel tcg (Maven: -Dpith.qemu.accel=tcg; or PITH_QEMU_ACCEL=tcg)";
            } else if (err.contains("Could not open") || err.contains("No such file")) {
                fix = "an image file is missing or unreadable: rebuild the image";
            } else {
                fix = "see QEMU's message above; the command was: " + String.join(" ", q.command());
            }
            return new ImageException("QEMU failed with status " + failed.exitCode() + (err.isEmpty() ? "" : ":\n" + err), fix);
        }
    }

    /** A run's settings; the defaults come from the image and the environment. */
    public static final class Builder {
        private BootableImage image;
        private final List<PortForward> ports = new ArrayList<>();
        private int memoryMib;
        private int cpus;
        private boolean disk;
        private Accelerator accelerator = Accelerator.fromEnvironment();
        private Duration timeout = FOREVER;
        private OutputStream console = System.out;
        private Consumer<String> log = line -> System.err.println("pith: " + line);
        private String qemu = "qemu-system-x86_64";
        private boolean checkHost = true;

        private Builder() {
        }

        /** The image to boot. */
        public Builder image(BootableImage image) {
            this.image = Objects.requireNonNull(image, "image == null");
            return this;
        }

        /** The image in {@code directory} ({@code image.properties}, {@code boot/}, {@code <name>.img}). */
        public Builder imageDirectory(Path directory) throws IOException {
            return image(BootableImage.read(directory));
        }

        /** Host ports forwarded to guest ports (see {@link Runner#parsePort}). */
        public Builder ports(List<PortForward> forwards) {
            ports.addAll(forwards);
            return this;
        }

        /** Guest memory in MiB (default: the plan's, raised to what the image needs). */
        public Builder memoryMib(int mib) {
            if (mib != 0 && mib < 16) {
                throw new IllegalArgumentException("memory < 16 MiB: " + mib);
            }
            this.memoryMib = mib;
            return this;
        }

        /** Virtual CPUs (default: the plan's). */
        public Builder cpus(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("cpus < 0: " + count);
            }
            this.cpus = count;
            return this;
        }

        /** Boots the raw disk through the BIOS instead of the direct-boot triple (default false). */
        public Builder disk(boolean bootDisk) {
            this.disk = bootDisk;
            return this;
        }

        /** The accelerator (default {@link Accelerator#fromEnvironment()}: AUTO unless overridden). */
        public Builder accelerator(Accelerator accelerator) {
            this.accelerator = Objects.requireNonNull(accelerator, "accelerator == null");
            return this;
        }

        /** Stops the guest after {@code timeout} (default: never). */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout == null");
            return this;
        }

        /** Where the serial console goes as it arrives (default System.out; null: nowhere). */
        public Builder console(OutputStream stream) {
            this.console = stream;
            return this;
        }

        /** Where the runner's own messages go, one line each (default System.err with a "pith: " prefix). */
        public Builder log(Consumer<String> log) {
            this.log = Objects.requireNonNull(log, "log == null");
            return this;
        }

        /** The QEMU program (default {@code qemu-system-x86_64} on the PATH). */
        public Builder qemu(String program) {
            this.qemu = Objects.requireNonNull(program, "program == null");
            return this;
        }

        /** Whether {@link Runner#start()} checks that QEMU is installed and the host ports are free (default true). */
        public Builder checkHost(boolean check) {
            this.checkHost = check;
            return this;
        }

        /** The runner; fails at once on a disk boot of an image without a disk, or a host port given twice. */
        public Runner build() {
            return new Runner(this);
        }
    }
}
