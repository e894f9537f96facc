package dev.pith.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing, once: {@code bin/pith run -p PORT:8080 echo-app.jar} as a user types it — link the
 * echo example's fat jar, boot it under QEMU (KVM if the probe says so, else TCG), reach it through
 * the forwarded port, then Ctrl-C (SIGINT to the launcher's JVM) and check that QEMU is gone.
 * Runs after {@code package} (failsafe), since bin/pith runs target/pith.jar.
 */
@Tag("guest")
class PithRunIT {
    @TempDir
    Path home;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void runsTheEchoJarAndStopsOnCtrlC() throws Exception {
        requireQemu();
        Path launcher = Path.of(System.getProperty("pith.launcher", "../bin/pith")).toAbsolutePath().normalize();
        Path echoJar = Path.of(System.getProperty("pith.echo.jar", ""));
        assertTrue(Files.isRegularFile(echoJar), "the echo example's fat jar (-Dpith.echo.jar) is missing: " + echoJar);
        int port = freePort();
        Path out = home.resolve("stdout.txt");
        Path err = home.resolve("stderr.txt");
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "run", "-p", port + ":8080", echoJar.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().put("PITH_HOME", home.toString());
        long t0 = System.nanoTime();
        Process pith = pb.start();
        ProcessHandle qemu = null;
        try {
            String answer = null;
            while (answer == null && pith.isAlive() && System.nanoTime() - t0 < 75_000_000_000L) {
                if (Files.readString(out).contains("DHCP lease")) {
                    answer = echo(port, "hello through pith run");
                }
                if (answer == null) {
                    Thread.sleep(250);
                }
            }
            assertEquals("hello through pith run", answer, () -> "no echo\n" + logs(out, err));
            System.out.printf("pith run: jar -> first echoed line in %.1f s%n", (System.nanoTime() - t0) / 1e9);

            Optional<ProcessHandle> found = pith.toHandle().descendants()
                    .filter(h -> h.info().command().orElse("").contains("qemu-system")).findFirst();
            assertTrue(found.isPresent(), "QEMU is a child of the pith JVM");
            qemu = found.get();

            // Ctrl-C. A JVM started with SIGINT ignored (a background job of a non-interactive shell, as some
            // harnesses run tests) cannot catch it; SIGTERM then takes the same shutdown-hook path.
            String signal = ignoresSigint(pith.pid()) ? "TERM" : "INT";
            System.out.println("pith run: sending SIG" + signal + " to the pith JVM " + pith.pid());
            new ProcessBuilder("kill", "-" + signal, Long.toString(pith.pid())).inheritIO().start().waitFor();
            assertTrue(pith.waitFor(20, TimeUnit.SECONDS), "pith exits after SIG" + signal + "\n" + logs(out, err));
            assertEquals(signal.equals("INT") ? 130 : 143, pith.exitValue(), logs(out, err));
            qemu.onExit().get(10, TimeUnit.SECONDS);
            assertFalse(qemu.isAlive(), "QEMU is gone");
            String stderr = Files.readString(err);
            assertTrue(stderr.contains("stopping echo (QEMU pid " + qemu.pid() + ")"), stderr);
            assertTrue(stderr.contains("pith: stopped"), stderr);
        } finally {
            pith.destroyForcibly();
            if (qemu != null) {
                qemu.destroyForcibly();
            }
        }
    }

    private static String echo(int port, String line) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            new PrintStream(s.getOutputStream(), true, StandardCharsets.UTF_8).println(line);
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        } catch (IOException notYet) {
            return null;
        }
    }

    private static boolean ignoresSigint(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(l.substring(7).strip(), 16) & (1L << 1)) != 0; // SIGINT is 2: bit 1
            }
        }
        return false;
    }

    private static String logs(Path out, Path err) {
        try {
            return "stderr:\n" + Files.readString(err) + "\nstdout:\n" + Files.readString(out);
        } catch (IOException e) {
            return "(logs unreadable: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void requireQemu() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "qemu-system-x86_64"))) {
                return;
            }
        }
        String message = "qemu-system-x86_64 is not installed: apt-get install qemu-system-x86 (.ci/run installs it)";
        if (System.getenv("CI") != null) {
            fail(message);
        }
        Assumptions.abort(message);
    }
}
