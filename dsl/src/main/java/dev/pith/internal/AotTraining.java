package dev.pith.internal;

import dev.pith.RunningUnikernel;
import dev.pith.Service;
import dev.pith.Unikernel;
import dev.pith.core.Clock;
import dev.pith.core.RandomSource;
import dev.pith.core.platform.HostedPlatform;
import dev.pith.core.sys.Linux;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The training run behind an image's AOT cache (JEP 483/514): the image linker starts the image's
 * own runtime and jar on the build host with {@code -XX:AOTCacheOutput} and {@value #PROPERTY}, and
 * the boot class calls {@link #run} instead of booting. What the run loads and links is what the
 * guest then finds ready in the cache instead of parsing, verifying and linking it under emulation.
 *
 * <p>The run never touches the host as the guest would (no mounts, no PCI, no power-off): it loads
 * every class of the image's jar without initialising it, makes one harmless FFM downcall (the
 * foreign-function machinery the guest's mount pays for), starts the same unikernel hosted with each
 * TCP port forwarded from an ephemeral localhost port, opens and half-closes one connection to each
 * (nothing application-specific is sent), and stops it. A unikernel with a task is not started: the
 * task would run at once, and the training runs no application code on the build host.
 */
public final class AotTraining {

    /** The system property that turns the boot class's {@code main} into a training run. */
    public static final String PROPERTY = "pith.aot.training";

    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int READ_TIMEOUT_MS = 2_000;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private AotTraining() {}

    /** Returns whether this JVM was started for a training run. */
    public static boolean requested() {
        return Boolean.getBoolean(PROPERTY);
    }

    /** Runs the training for {@code unikernel}, whose boot class is {@code bootClass}, then exits the JVM (status 0). */
    public static void run(Unikernel unikernel, Class<?> bootClass) throws Exception {
        int loaded = loadAll(bootClass);
        int pid = Linux.getpid(); // links a downcall: the guest's first one (mount) needs the same classes
        String name = unikernel.plan().name();
        String ran;
        if (unikernel.plan().task().isPresent()) {
            // The training never runs application code on the build host: a task would start at once.
            ran = "not started hosted: it has a task";
        } else {
            ran = startAndTouch(unikernel);
        }
        System.out.println("pith: AOT training of '" + name + "' (pid " + pid + "): " + loaded + " classes loaded, " + ran);
        System.exit(0); // nothing the unikernel left behind may keep the run (and the cache) waiting
    }

    /** Starts the unikernel hosted, opens and half-closes one connection to each TCP port, stops it; says how it went. */
    private static String startAndTouch(Unikernel unikernel) {
        List<Integer> ports = unikernel.plan().services().stream()
                .filter(s -> s.protocol().equals("tcp")).map(Service::port).toList();
        List<String> forwards = new ArrayList<>();
        ports.forEach(port -> forwards.add("0:" + port));
        HostedPlatform platform = new HostedPlatform(Clock.system(), RandomSource.secure(),
                Map.of("forward", String.join(",", forwards)));
        RunningUnikernel running = unikernel.start(platform);
        int connections = 0;
        try {
            if (running.failure().isEmpty()) {
                for (int port : ports) {
                    connections += touch(running.hostPort(port)) ? 1 : 0;
                }
            }
        } finally {
            running.stop();
            Thread waiter = Thread.ofVirtual().start(running::awaitExit);
            try {
                if (!waiter.join(STOP_TIMEOUT)) {
                    System.out.println("pith: the unikernel did not stop within " + STOP_TIMEOUT.toSeconds()
                            + " s; the training ends without it");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return connections + " of " + ports.size() + " TCP ports answered"
                + running.failure().map(f -> "; the unikernel failed: " + f.message()).orElse("");
    }

    /** Loads, without initialising, every class in the jar {@code bootClass} came from; returns how many. */
    private static int loadAll(Class<?> bootClass) throws IOException, URISyntaxException {
        Path jar = Path.of(bootClass.getProtectionDomain().getCodeSource().getLocation().toURI());
        ClassLoader loader = bootClass.getClassLoader();
        int loaded = 0;
        try (JarFile file = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> entries = file.entries(); entries.hasMoreElements(); ) {
                String name = entries.nextElement().getName();
                if (!name.endsWith(".class") || name.endsWith("module-info.class") || name.startsWith("META-INF/")) {
                    continue;
                }
                try {
                    Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false, loader);
                    loaded++;
                } catch (ClassNotFoundException | LinkageError skipped) {
                    // A class pruning kept but whose dependency it removed: the guest never loads it either.
                }
            }
        }
        return loaded;
    }

    /** Connects to localhost:{@code port}, half-closes, and reads until the peer closes or a timeout; true if it connected. */
    private static boolean touch(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), CONNECT_TIMEOUT_MS);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            while (in.read(buffer) >= 0) {
                // drain whatever the service answers to an empty request
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
