package dev.pith.examples.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.link.ImageLinker;
import dev.pith.image.link.LinkedImage;
import dev.pith.image.qemu.PortForward;
import dev.pith.image.qemu.QemuProcess;
import dev.pith.image.qemu.QemuRunner;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The echo example as an image: linked by Pith's image linker, booted under QEMU (TCG), and reached
 * from the host through QEMU's user networking. In the guest, Pith's virtio-net driver, Pith's
 * TCP/IP stack and its DHCP client are the only network code that runs.
 */
@Tag("guest")
class EchoImageTest {

    static List<Path> runtimeClassPath() throws Exception {
        List<Path> path = new ArrayList<>();
        path.add(Path.of("target", "classes"));
        Arrays.stream(Files.readString(Path.of("target", "runtime-classpath.txt")).strip().split(java.io.File.pathSeparator))
                .filter(s -> !s.isBlank()).map(Path::of).forEach(path::add);
        return path;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void bootsAndEchoesThroughQemuUserNetworking() throws Exception {
        long t0 = System.nanoTime();
        LinkedImage image = ImageLinker.builder()
                .classPath(runtimeClassPath())
                .composition(Echo.class.getName())
                .output(Path.of("target", "image"))
                .build()
                .link();
        System.out.printf("linked in %.1f s: %s, jar %d KiB, initrd %.1f MB%n", (System.nanoTime() - t0) / 1e9,
                image.pruned().summary(), Files.size(image.appJar()) / 1024, Files.size(image.guest().initrd()) / 1e6);
        int port = freePort();
        try (QemuProcess qemu = QemuRunner.builder()
                .directBoot(image.guest())
                .network(new PortForward(port, 8080))
                .memoryMb(512)
                .timeout(Duration.ofMinutes(3))
                .build()
                .start()) {
            long booted = System.nanoTime();
            var lease = qemu.awaitLineContaining("DHCP lease", Duration.ofSeconds(120));
            assertTrue(lease.isPresent(), "the guest got a DHCP lease:\n" + String.join("\n",
                    qemu.lines().stream().map(Object::toString).toList()));
            String answer = null;
            for (int attempt = 0; attempt < 50 && answer == null; attempt++) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.setSoTimeout(20_000);
                    var out = new PrintStream(s.getOutputStream(), true, StandardCharsets.UTF_8);
                    var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    out.println("hello from the host");
                    answer = in.readLine();
                } catch (java.io.IOException notYet) {
                    Thread.sleep(200);
                }
            }
            System.out.printf("QEMU start -> first echoed line: %.2f s%n", (System.nanoTime() - booted) / 1e9);
            assertEquals("hello from the host", answer);
        }
    }
}
