package dev.pith.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.link.LinkedImage;
import dev.pith.image.qemu.PortForward;
import dev.pith.image.qemu.QemuProcess;
import dev.pith.image.qemu.QemuResult;
import dev.pith.image.qemu.QemuRunner;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Pith's virtio-net driver with Pith's ARP, IPv4, ICMP, DHCP and TCP in a QEMU guest: it pings the
 * user-network gateway and echoes TCP for the host through hostfwd; its exit status reaches the test.
 */
@Tag("guest")
class VirtioNetGuestTest {

    @Test
    void pingsTheGatewayEchoesTcpAndExits() throws Exception {
        LinkedImage image = Guests.link(NetProbe.class);
        int echoPort = Guests.freePort();
        int stopPort = Guests.freePort();
        try (QemuProcess qemu = QemuRunner.builder()
                .directBoot(image.guest())
                .network(new PortForward(echoPort, 7), new PortForward(stopPort, 9))
                .memoryMb(256)
                .timeout(Duration.ofMinutes(3))
                .build()
                .start()) {
            var pinged = qemu.awaitLineContaining("ping 10.0.2.2", Duration.ofSeconds(150));
            assertTrue(pinged.isPresent() && pinged.get().toString().contains("reply in"),
                    "the guest's ping was answered: " + pinged);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), echoPort)) {
                s.setSoTimeout(20_000);
                var out = new PrintStream(s.getOutputStream(), true, StandardCharsets.UTF_8);
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                for (int i = 0; i < 10; i++) {
                    out.println("line " + i);
                    assertEquals("line " + i, in.readLine());
                }
            }
            try (Socket stop = new Socket(InetAddress.getLoopbackAddress(), stopPort)) {
                stop.getOutputStream().write("stop\n".getBytes(StandardCharsets.US_ASCII));
            }
            QemuResult result = qemu.awaitExit();
            assertEquals(0, result.guestExitStatus().orElseThrow(), result.describe());
        }
    }
}
