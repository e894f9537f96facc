package dev.pith.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pith.image.link.ImageLinker;
import dev.pith.image.link.LinkedImage;
import dev.pith.image.prune.Soundness;
import dev.pith.image.qemu.PortForward;
import dev.pith.image.qemu.QemuProcess;
import dev.pith.image.qemu.QemuRunner;
import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * hello-http as an image, booted in QEMU (TCG) and curled through user networking; and, as for
 * every example, an unpruned reference image whose class-load log shows pruning removed nothing
 * the same requests need.
 */
@Tag("guest")
class HelloHttpImageTest {

    static List<Path> runtimeClassPath() throws Exception {
        List<Path> path = new ArrayList<>();
        path.add(Path.of("target", "classes"));
        Arrays.stream(Files.readString(Path.of("target", "runtime-classpath.txt")).strip().split(File.pathSeparator))
                .filter(s -> !s.isBlank()).map(Path::of).forEach(path::add);
        return path;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return p.exitValue() == 0 ? out : null;
    }

    static LinkedImage link(String output, ImageLinker.Pruning pruning, boolean aotCache, String... jvmOptions) throws Exception {
        return ImageLinker.builder()
                .classPath(runtimeClassPath())
                .composition(HelloHttp.class.getName())
                .output(Path.of("target", output))
                .pruning(pruning)
                .aotCache(aotCache)
                .jvmOptions(jvmOptions)
                .build()
                .link();
    }

    static Path bootAndCurl(LinkedImage image, String label) throws Exception {
        int port = freePort();
        String base = "http://127.0.0.1:" + port;
        Path serial = image.appJar().resolveSibling("serial-" + label + ".log");
        try (QemuProcess qemu = QemuRunner.builder()
                .directBoot(image.guest())
                .network(new PortForward(port, 8080))
                .memoryMb(512)
                .serialLog(serial)
                .timeout(Duration.ofMinutes(3))
                .build()
                .start()) {
            String hello = null;
            for (int attempt = 0; attempt < 300 && hello == null; attempt++) {
                hello = curl(base + "/");
                if (hello == null) {
                    Thread.sleep(300);
                }
            }
            assertEquals("hello, unikernel\n", hello, "console:\n" + qemu.lines());
            assertEquals("hello, guest\n", curl(base + "/hello/guest"));
            assertEquals("posted body", curl("--data-binary", "posted body", base + "/echo"));
            String counted = curl(base + "/count/5000");
            assertTrue(counted != null && counted.startsWith("1\n2\n") && counted.endsWith("\n5000\n"), counted);
            String head = curl("-I", base + "/");
            assertTrue(head != null && head.startsWith("HTTP/1.1 200"), head);
        }
        return serial;
    }

    @Test
    void bootsServesCurlAndLoadsNothingPruningRemoved() throws Exception {
        assumeTrue(new File("/usr/bin/curl").canExecute(), "curl is not installed; .ci/run installs it");
        LinkedImage pruned = link("image", ImageLinker.Pruning.reachable(), true);
        Path console = bootAndCurl(pruned, "pruned");
        assertFalse(Files.readString(console).contains("mapped no AOT cache"), "the guest ignored its AOT cache");

        List<String> reference = new ArrayList<>(Soundness.REFERENCE_RUN_OPTIONS);
        reference.add("-Xlog:class+load=info:stdout");
        LinkedImage unpruned = link("image-reference", ImageLinker.Pruning.none(), false, reference.toArray(String[]::new));
        Path log = bootAndCurl(unpruned, "unpruned");
        var loaded = Soundness.readClassLoadLog(log);
        assertTrue(loaded.size() > 500, "the class-load log was captured: " + loaded.size());
        assertEquals(List.of(), Soundness.removedButLoaded(pruned.appJar(), loaded),
                "classes the unpruned image loaded that pruning removed");
    }
}
