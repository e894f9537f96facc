package dev.pith.net.interop;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pith.core.buffer.PacketBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.net.Ipv4Address;
import dev.pith.net.device.TapDevice;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Linux kernel as a test peer (DESIGN.md §7): a network namespace of its own, named
 * {@code pith-io-<pid>-<n>}, holding the kernel's side of a TAP interface whose descriptor Pith reads
 * and writes. Linux owns {@code 10.<x>.<y>.1/24}; {@code .2} is left for Pith.
 *
 * <pre>{@code
 * try (LinuxPeer linux = LinuxPeer.create();
 *      PithHost pith = PithHost.start(linux)) {
 *     linux.exec("ping", "-c", "3", linux.pithAddress().toString()).assertSuccess();
 * }
 * }</pre>
 *
 * <p>Commands run inside the namespace through {@code ip netns exec}, so they see only the TAP and
 * the namespace's loopback; the file system is the host's, so files in a test's temporary directory
 * are shared with Pith. Faults on Linux's side: {@link #addLoss} and {@link #addDuplication} with
 * iptables (which every kernel here has), or {@link #tryNetem} where {@code sch_netem} exists (not on
 * this project's CI kernel: "Specified qdisc kind is unknown").
 *
 * <p>{@link #close()} kills the background processes and deletes the namespace, which takes its
 * iptables rules and qdiscs with it; the TAP interface goes when Pith closes its descriptor. A run
 * that died without closing leaves a namespace behind: {@link #create()} deletes those whose process
 * is gone. Needs root and iproute2; {@link #assumeUsable()} skips a test without them.
 */
final class LinuxPeer implements AutoCloseable {

    /** Default bound on a foreground command. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final String NAMESPACE_PREFIX = "pith-io-";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String ip;
    private final String namespace;
    private final String tapName;
    private final Ipv4Address linuxAddress;
    private final Ipv4Address pithAddress;
    private final List<Background> background = new ArrayList<>();
    private TapDevice tap;
    private boolean ifbCreated;

    private LinuxPeer(String ip, String namespace, String tapName, Ipv4Address linuxAddress, Ipv4Address pithAddress) {
        this.ip = ip;
        this.namespace = namespace;
        this.tapName = tapName;
        this.linuxAddress = linuxAddress;
        this.pithAddress = pithAddress;
    }

    /** Skips the calling test unless it runs as root with iproute2's {@code ip} installed. */
    static void assumeUsable() {
        assumeTrue(isRoot(), "interop tests need root (TAP devices and network namespaces)");
        assumeTrue(which("ip") != null, "interop tests need iproute2's ip");
    }

    /** Creates the namespace with its loopback up and IPv6 off (no router solicitations in the traces). */
    static LinuxPeer create() throws IOException {
        assumeUsable();
        String ip = which("ip");
        deleteStaleNamespaces(ip);
        long pid = ProcessHandle.current().pid();
        int n = COUNTER.incrementAndGet();
        String namespace = NAMESPACE_PREFIX + pid + "-" + n;
        // "pio" + base-36 pid + "-" + base-36 counter: at most 3 + 5 + 1 + 6 = 15 bytes (IFNAMSIZ - 1).
        String tapName = ("pio" + Long.toString(pid, 36) + "-" + Integer.toString(n, 36));
        if (tapName.length() > 15) {
            tapName = tapName.substring(tapName.length() - 15);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int x = 100 + random.nextInt(100);
        int y = random.nextInt(256);
        LinuxPeer peer = new LinuxPeer(ip, namespace, tapName, Ipv4Address.of(10, x, y, 1), Ipv4Address.of(10, x, y, 2));
        run(ip, "netns", "add", namespace);
        try {
            peer.exec(ip, "link", "set", "lo", "up").assertSuccess();
            // Through /proc rather than sysctl(8), which a minimal system may lack (procps); best effort.
            peer.exec("sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6");
        } catch (RuntimeException | Error e) {
            peer.close();
            throw e;
        }
        return peer;
    }

    /**
     * Opens the TAP Pith will use, moves its kernel side into the namespace, gives Linux its address
     * and brings it up. The caller owns the device (closing it deletes the interface).
     */
    TapDevice openTap(MacAddress pithMac, PacketBufferPool pool) throws IOException {
        if (tap != null) {
            throw new IllegalStateException("the TAP is open already: " + tap);
        }
        TapDevice device = TapDevice.open(tapName, pithMac, 1500, pool, 1024);
        try {
            run(ip, "link", "set", tapName, "netns", namespace); // the descriptor follows the interface
            exec(ip, "addr", "add", linuxAddress + "/24", "dev", tapName).assertSuccess();
            exec(ip, "link", "set", tapName, "up").assertSuccess();
        } catch (IOException | RuntimeException | Error e) {
            device.close();
            throw e;
        }
        tap = device;
        return device;
    }

    String namespace() {
        return namespace;
    }

    String tapName() {
        return tapName;
    }

    /** Returns Linux's address, {@code 10.x.y.1}. */
    Ipv4Address linuxAddress() {
        return linuxAddress;
    }

    /** Returns the address left for Pith, {@code 10.x.y.2}. */
    Ipv4Address pithAddress() {
        return pithAddress;
    }

    // ---------------------------------------------------------------- commands

    /** What a finished command printed (standard output and error, interleaved) and its exit status. */
    record Result(List<String> command, int exitCode, String output) {
        /** Returns this result, or throws with the command and its output when it failed. */
        Result assertSuccess() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    /** Runs {@code command} in the namespace, waits up to {@link #COMMAND_TIMEOUT}, and returns its result. */
    Result exec(String... command) {
        return exec(COMMAND_TIMEOUT, command);
    }

    /** Runs {@code command} in the namespace, waits up to {@code timeout} (then kills it and fails). */
    Result exec(Duration timeout, String... command) {
        List<String> full = inNamespace(command);
        try {
            Path log = Files.createTempFile("pith-interop-", ".log");
            try {
                Process process = new ProcessBuilder(full).redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(log.toFile()).start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    kill(process);
                    throw new AssertionError(String.join(" ", full) + " did not finish within " + timeout + ":\n"
                            + Files.readString(log));
                }
                return new Result(List.copyOf(full), process.exitValue(), Files.readString(log));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + full, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + full, e);
        }
    }

    /** Runs a bash script in the namespace; see {@link #exec(Duration, String...)}. */
    Result shell(Duration timeout, String script) {
        return exec(timeout, "bash", "-c", script);
    }

    /** A process started in the background; killed on {@link #close()} unless it ended before. */
    static final class Background {
        private final List<String> command;
        private final Process process;
        private final Path log;

        private Background(List<String> command, Process process, Path log) {
            this.command = command;
            this.process = process;
            this.log = log;
        }

        /** Waits up to {@code timeout} for the process to end and returns its result; kills it and fails otherwise. */
        Result await(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n" + output());
            }
            return new Result(command, process.exitValue(), output());
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Returns what the process printed so far. */
        String output() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(cannot read " + log + ": " + e + ")";
            }
        }

        void stop() {
            kill(process);
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // A temporary file; the system cleans it up eventually.
            }
        }
    }

    /** Starts {@code command} in the namespace in the background, its output going to a temporary file. */
    Background start(String... command) {
        List<String> full = inNamespace(command);
        try {
            Path log = Files.createTempFile("pith-interop-", ".log");
            Process process = new ProcessBuilder(full).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(log.toFile()).start();
            Background started = new Background(List.copyOf(full), process, log);
            background.add(started);
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + full, e);
        }
    }

    /** Starts a bash script in the namespace in the background. */
    Background startShell(String script) {
        return start("bash", "-c", script);
    }

    /** Waits until something in the namespace listens on TCP {@code port}. */
    void awaitListening(int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            Result result = exec("ss", "-Hltn", "sport = :" + port);
            last = result.output();
            if (result.exitCode() == 0 && !last.isBlank()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("nothing listens on TCP port " + port + " in " + namespace + " after " + timeout + ": " + last);
    }

    /** Starts tcpdump on the TAP's kernel side, writing {@code file}; it stops on {@link #close()}. */
    Background capture(Path file) throws InterruptedException {
        Background tcpdump = start("tcpdump", "-i", tapName, "-U", "-s", "128", "-w", file.toString());
        Thread.sleep(300); // tcpdump needs a moment before it sees frames
        return tcpdump;
    }

    // ---------------------------------------------------------------- faults

    /**
     * Drops {@code probability} of the IPv4 packets Linux receives (INPUT) and of those it sends
     * (OUTPUT) with iptables' statistic match, drawn independently per packet.
     */
    void addLoss(double probability) {
        String p = probability(probability);
        for (String chain : List.of("INPUT", "OUTPUT")) {
            exec("iptables", "-w", "-A", chain, "-m", "statistic", "--mode", "random",
                    "--probability", p, "-j", "DROP").assertSuccess();
        }
    }

    /**
     * Sends a copy of {@code probability} of the IPv4 packets Linux sends to Pith, with iptables'
     * TEE target in the mangle table's OUTPUT chain (the copy goes to Pith's address as gateway).
     */
    void addDuplication(double probability) {
        exec("iptables", "-w", "-t", "mangle", "-A", "OUTPUT", "-d", pithAddress.toString(), "-m", "statistic",
                "--mode", "random", "--probability", probability(probability), "-j", "TEE", "--gateway",
                pithAddress.toString()).assertSuccess();
    }

    /** Returns the iptables rules in force, for messages. */
    String firewall() {
        return exec("iptables", "-w", "-S", "-v").output() + exec("iptables", "-w", "-t", "mangle", "-S", "-v").output();
    }

    /**
     * Puts {@code tc netem <args>} on both directions of the TAP — on its egress (to Pith) and,
     * through an ifb device and a mirred redirect, on its ingress (from Pith) — and returns true;
     * returns false, leaving nothing behind, where the kernel lacks netem, ifb or the u32 classifier.
     */
    boolean tryNetem(String args) {
        List<String> netem = new ArrayList<>(List.of("tc", "qdisc", "add", "dev", tapName, "root", "netem"));
        netem.addAll(List.of(args.trim().split("\\s+")));
        if (exec(netem.toArray(String[]::new)).exitCode() != 0) {
            return false;
        }
        String ifb = "ifb-" + Integer.toString(COUNTER.get(), 36);
        List<String> ifbNetem = new ArrayList<>(List.of("tc", "qdisc", "add", "dev", ifb, "root", "netem"));
        ifbNetem.addAll(List.of(args.trim().split("\\s+")));
        boolean ok = exec(ip, "link", "add", ifb, "type", "ifb").exitCode() == 0;
        ifbCreated = ok;
        ok = ok && exec(ip, "link", "set", ifb, "up").exitCode() == 0
                && exec("tc", "qdisc", "add", "dev", tapName, "handle", "ffff:", "ingress").exitCode() == 0
                && exec("tc", "filter", "add", "dev", tapName, "parent", "ffff:", "protocol", "all", "u32", "match", "u32",
                        "0", "0", "action", "mirred", "egress", "redirect", "dev", ifb).exitCode() == 0
                && exec(ifbNetem.toArray(String[]::new)).exitCode() == 0;
        if (!ok) {
            exec("tc", "qdisc", "del", "dev", tapName, "root");
            exec("tc", "qdisc", "del", "dev", tapName, "ingress");
            if (ifbCreated) {
                exec(ip, "link", "del", ifb);
                ifbCreated = false;
            }
        }
        return ok;
    }

    private static String probability(double probability) {
        if (!(probability > 0 && probability < 1)) {
            throw new IllegalArgumentException("probability must be in (0, 1): " + probability);
        }
        return String.format(Locale.ROOT, "%.4f", probability);
    }

    // ---------------------------------------------------------------- cleanup

    /** Kills the background processes and deletes the namespace; the TAP is the caller's to close. */
    @Override
    public void close() {
        for (Background process : background) {
            process.stop();
        }
        background.clear();
        try {
            run(ip, "netns", "pids", namespace).lines().map(String::trim).filter(s -> !s.isEmpty())
                    .forEach(pid -> ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly));
        } catch (IOException | RuntimeException | Error e) {
            // The namespace may be gone already; deleting it below reports what matters.
        }
        try {
            run(ip, "netns", "del", namespace);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes namespaces of earlier runs whose JVM is gone (a run killed before its close()). */
    private static void deleteStaleNamespaces(String ip) {
        try {
            for (String line : run(ip, "netns", "list").lines().toList()) {
                String name = line.split("\\s+")[0];
                if (!name.startsWith(NAMESPACE_PREFIX)) {
                    continue;
                }
                String[] parts = name.substring(NAMESPACE_PREFIX.length()).split("-");
                try {
                    long pid = Long.parseLong(parts[0]);
                    if (ProcessHandle.of(pid).isEmpty()) {
                        runQuietly(ip, "netns", "del", name);
                    }
                } catch (NumberFormatException ignored) {
                    // Not one of ours.
                }
            }
        } catch (IOException ignored) {
            // Best effort: the unique name keeps this run apart anyway.
        }
    }

    private List<String> inNamespace(String... command) {
        List<String> full = new ArrayList<>(List.of(ip, "netns", "exec", namespace));
        full.addAll(List.of(command));
        return full;
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs a command outside the namespace and returns its output; throws when it fails. */
    private static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new IOException(String.join(" ", command) + " did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ": " + out);
        }
        return out;
    }

    private static void runQuietly(String... command) {
        try {
            run(command);
        } catch (IOException ignored) {
            // Best effort.
        }
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException ignored) {
            // Not Linux: not usable.
        }
        return false;
    }

    static String which(String program) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Path.of(dir, program).toString();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "LinuxPeer[" + namespace + ", " + tapName + ", linux " + linuxAddress + ", pith " + pithAddress + "]";
    }
}
