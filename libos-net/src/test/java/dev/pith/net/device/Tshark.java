package dev.pith.net.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Reads a capture with tshark (Debian package {@code tshark}) as the test's independent judge of the file. */
final class Tshark {

    private Tshark() {}

    /** Returns whether a tshark executable is on the PATH. */
    static boolean installed() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "tshark"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code tshark -r file -T fields -e frame.protocols} and returns one line per frame, after
     * asserting that tshark exited 0 and called nothing malformed.
     */
    static List<String> protocols(Path capture) throws IOException, InterruptedException {
        Path stderr = Files.createTempFile("tshark", ".err");
        try {
            // Reading a file needs no privilege; as root tshark only warns on stderr ("could be dangerous").
            // -n: no name resolution, so the run never waits for DNS.
            Process process = new ProcessBuilder("tshark", "-n", "-r", capture.toString(), "-T", "fields", "-e", "frame.protocols")
                    .redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tshark did not finish within 60 s");
            String err = Files.readString(stderr);
            assertEquals(0, process.exitValue(), "tshark failed on " + capture + ":\n" + err);
            assertFalse(out.toLowerCase().contains("malformed"), "tshark found malformed frames:\n" + out);
            assertFalse(err.toLowerCase().contains("malformed") || err.contains("appears to be damaged"),
                    "tshark complained:\n" + err);
            return out.lines().toList();
        } finally {
            Files.deleteIfExists(stderr);
        }
    }
}
