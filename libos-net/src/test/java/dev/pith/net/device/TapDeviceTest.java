package dev.pith.net.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pith.core.Clock;
import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDevice;
import dev.pith.testing.LeakDetection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TapDevice} against the Linux kernel, with no stack of ours: a TAP interface moved into a
 * network namespace of its own, where the kernel owns 10.199.x.1 and we play 10.199.x.2 with frames
 * written by hand. Needs root and iproute2; skipped (not failed) only when either is missing.
 */
@ExtendWith(LeakDetection.class)
class TapDeviceTest {

    private static final MacAddress OUR_MAC = MacAddress.local(0x50_49_54_48_01L);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final SplittableRandom random = new SplittableRandom();
    private String ip;
    private String namespace;
    private String tapName;
    private int kernelIp;
    private int ourIp;
    private DirectBufferPool pool;
    private NetDevice device;

    @BeforeEach
    void createNamespace() throws Exception {
        assumeTrue(isRoot(), "TAP tests need root (or CAP_NET_ADMIN)");
        ip = which("ip");
        assumeTrue(ip != null, "TAP tests need iproute2's ip");
        String suffix = Long.toString(ProcessHandle.current().pid()) + random.nextInt(10_000);
        namespace = "pith-test-" + suffix;
        tapName = ("pt" + suffix).substring(0, Math.min(15, 2 + suffix.length()));
        int subnet = 1 + random.nextInt(254);
        kernelIp = Frames.ipv4(10, 199, subnet, 1);
        ourIp = Frames.ipv4(10, 199, subnet, 2);
        run(ip, "netns", "add", namespace);
        pool = new DirectBufferPool(2048, 64);
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        try {
            if (device != null) {
                device.close();
            }
        } finally {
            if (namespace != null) {
                runQuietly(ip, "netns", "del", namespace);
            }
            if (pool != null) {
                pool.close(); // throws if a frame was not released
            }
        }
    }

    /** Opens the TAP in this namespace, moves it into the test's and gives the kernel its address there. */
    private TapDevice openInNamespace(int queueCapacity) throws Exception {
        TapDevice tap = TapDevice.open(tapName, OUR_MAC, 1500, pool, queueCapacity);
        device = tap;
        run(ip, "link", "set", tapName, "netns", namespace); // the descriptor follows the interface
        run(ip, "-n", namespace, "addr", "add", dotted(kernelIp) + "/24", "dev", tapName);
        run(ip, "-n", namespace, "link", "set", tapName, "up");
        return tap;
    }

    @Test
    void kernelAnswersArpRequest() throws Exception {
        TapDevice tap = openInNamespace(TapDevice.DEFAULT_QUEUE_CAPACITY);
        assertEquals(tapName, tap.name());
        MacAddress kernelMac = MacAddress.parse(linkAddress());
        assertNotEquals(OUR_MAC, kernelMac, "the kernel's side has its own address");

        transmit(tap, frame -> Frames.arpRequest(frame, OUR_MAC, ourIp, kernelIp));

        ByteBuf reply = await(tap, frame -> Frames.isArpReplyFrom(frame, kernelIp));
        try {
            assertEquals(OUR_MAC, MacAddress.read(reply, 0), "sent to us");
            assertEquals(kernelMac, Frames.arpSender(reply), "the kernel's address, as ip link shows it");
            assertEquals(OUR_MAC, MacAddress.read(reply, 14 + 18), "target hardware address");
            assertEquals(ourIp, reply.getInt(14 + 24), "target protocol address");
        } finally {
            reply.release();
        }
        assertEquals(1, tap.stats().txFrames());
        assertEquals(42, tap.stats().txBytes());
        assertEquals(0, tap.stats().txDropped());
        assertTrue(tap.stats().rxFrames() >= 1);

        tap.close();
        device = null;
        assertTrue(!tap.linkUp());
        assertNotEquals(0, runQuietly(ip, "-n", namespace, "link", "show", tapName),
                "closing the descriptor deletes the (non-persistent) interface");
    }

    @Test
    void kernelAnswersPing() throws Exception {
        TapDevice tap = openInNamespace(TapDevice.DEFAULT_QUEUE_CAPACITY);
        byte[] payload = "Pith says hello to Linux, 56 bytes of ICMP payload!!!!!".getBytes(StandardCharsets.US_ASCII);
        int identifier = random.nextInt(65_536);
        MacAddress kernelMac = resolve(tap);

        transmit(tap, frame -> Frames.icmpEchoRequest(frame, OUR_MAC, kernelMac, ourIp, kernelIp, identifier, 1, payload));

        ByteBuf reply = await(tap, frame -> Frames.isEchoReply(frame, kernelIp, identifier, 1));
        try {
            assertEquals(OUR_MAC, MacAddress.read(reply, 0));
            assertEquals(0, Frames.checksum(reply, 14, 20), "IPv4 header checksum verifies");
            assertEquals(ourIp, reply.getInt(14 + 16), "to us");
            int icmpLength = reply.getUnsignedShort(14 + 2) - 20;
            assertEquals(8 + payload.length, icmpLength);
            assertEquals(0, Frames.checksum(reply, 14 + 20, icmpLength), "ICMP checksum verifies");
            byte[] echoed = new byte[payload.length];
            reply.getBytes(14 + 20 + 8, echoed);
            assertArrayEquals(payload, echoed);
        } finally {
            reply.release();
        }
    }

    @Test
    void heapFramesAreCopiedOut() throws Exception {
        TapDevice tap = openInNamespace(TapDevice.DEFAULT_QUEUE_CAPACITY);
        ByteBuf heap = Unpooled.buffer(64);
        Frames.arpRequest(heap, OUR_MAC, ourIp, kernelIp);
        assertEquals(1, tap.transmit(new ByteBuf[] {heap}, 0, 1));
        assertEquals(0, heap.refCnt(), "transmit released it");

        await(tap, frame -> Frames.isArpReplyFrom(frame, kernelIp)).release();
    }

    @Test
    void fullQueueDropsAndCounts() throws Exception {
        TapDevice tap = openInNamespace(2);
        MacAddress kernelMac = resolve(tap);
        for (int sequence = 1; sequence <= 6; sequence++) {
            int s = sequence;
            transmit(tap, frame -> Frames.icmpEchoRequest(frame, OUR_MAC, kernelMac, ourIp, kernelIp, 7, s, new byte[8]));
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (tap.stats().rxDropped() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(tap.stats().rxDropped() >= 4, "six replies into a queue of two: " + tap.stats());
        assertEquals(2, tap.queued());
        assertEquals(2, pool.outstanding(), "dropped frames went back to the pool");
        // close() releases the two queued frames; @AfterEach's pool.close() proves it.
    }

    @Test
    void framesOverTheMtuAreDroppedAndCounted() throws Exception {
        TapDevice tap = openInNamespace(TapDevice.DEFAULT_QUEUE_CAPACITY);
        // The kernel's side may send more than our MTU of 1500 once its own MTU is larger.
        run(ip, "-n", namespace, "link", "set", tapName, "mtu", "9000");
        run(ip, "-n", namespace, "neigh", "replace", dotted(ourIp), "lladdr", OUR_MAC.toString(), "dev", tapName);
        String ping = which("ping");
        assumeTrue(ping != null, "needs ping (Debian package iputils-ping)");
        // 1,600 bytes of payload: a 1,642-byte frame, over 1,514 but within a 2,048-byte buffer;
        // 4,000: a 4,042-byte frame, which the kernel cuts to the buffer yet reports whole (tun_put_user).
        for (String size : List.of("1600", "4000")) {
            runQuietly(ip, "netns", "exec", namespace, ping, "-c", "1", "-W", "1", "-s", size, dotted(ourIp));
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (tap.stats().rxDropped() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(2, tap.stats().rxDropped(), tap.stats().toString());

        resolve(tap); // and the device works on
    }

    @Test
    void captureOfRealTrafficReadsInTshark(@TempDir Path dir) throws Exception {
        TapDevice tap = openInNamespace(TapDevice.DEFAULT_QUEUE_CAPACITY);
        Path file = dir.resolve("tap.pcap");
        PcapWriter capture = PcapWriter.wrap(tap, file, Clock.system());
        device = capture;
        MacAddress kernelMac = resolve(capture);
        transmit(capture, frame -> Frames.icmpEchoRequest(frame, OUR_MAC, kernelMac, ourIp, kernelIp, 9, 1, new byte[32]));
        await(capture, frame -> Frames.isEchoReply(frame, kernelIp, 9, 1)).release();
        long captured = capture.framesCaptured();
        capture.close();
        device = null;

        assumeTrue(Tshark.installed(), "tshark is not installed (Debian package tshark)");
        List<String> protocols = Tshark.protocols(file);
        assertEquals(captured, protocols.size(), String.join("\n", protocols));
        assertTrue(protocols.contains("eth:ethertype:arp"), String.join("\n", protocols));
        assertTrue(protocols.stream().filter(p -> p.startsWith("eth:ethertype:ip:icmp")).count() >= 2,
                "the request and the kernel's reply: " + protocols);
    }

    @Test
    void setupErrorsNameTheInterfaceAndTheFix() throws Exception {
        // "lo" exists and is not a TAP: TUNSETIFF says EINVAL.
        IOException notTap = assertThrows(IOException.class, () -> TapDevice.open("lo", OUR_MAC, 1500, pool));
        assertTrue(notTap.getMessage().contains("lo") && notTap.getMessage().contains("not a TAP"), notTap.getMessage());

        // A TAP attached to one descriptor cannot be attached to a second (no IFF_MULTI_QUEUE): EBUSY.
        device = TapDevice.open(tapName, OUR_MAC, 1500, pool);
        IOException busy = assertThrows(IOException.class, () -> TapDevice.open(tapName, OUR_MAC, 1500, pool));
        assertTrue(busy.getMessage().contains(tapName) && busy.getMessage().contains("already attached"), busy.getMessage());

        assertThrows(IllegalArgumentException.class, () -> TapDevice.open("much-too-long-name", OUR_MAC, 1500, pool));
        assertThrows(IllegalArgumentException.class, () -> TapDevice.open("a/b", OUR_MAC, 1500, pool));
        assertThrows(IllegalArgumentException.class, () -> TapDevice.open(tapName, MacAddress.BROADCAST, 1500, pool));
        assertThrows(IllegalArgumentException.class, () -> TapDevice.open(tapName, OUR_MAC, 9000, pool), "buffers too small");
    }

    @Test
    void tunSetIffIsIowT202Int() {
        assertEquals(0x400454caL, TapDevice.TUNSETIFF); // as strace prints it: ioctl(3, TUNSETIFF, ...) = 0x400454ca
    }

    // ---------------------------------------------------------------- helpers

    /** Sends one frame written by {@code writer} into a fresh device buffer. */
    private static void transmit(NetDevice device, java.util.function.Consumer<ByteBuf> writer) {
        ByteBuf frame = device.allocateFrame();
        assertTrue(frame != null, "pool exhausted");
        writer.accept(frame);
        assertEquals(1, device.transmit(new ByteBuf[] {frame}, 0, 1));
    }

    /** ARPs for the kernel's address and returns its MAC; the kernel learns ours from the request. */
    private MacAddress resolve(NetDevice device) throws InterruptedException {
        transmit(device, frame -> Frames.arpRequest(frame, OUR_MAC, ourIp, kernelIp));
        ByteBuf reply = await(device, frame -> Frames.isArpReplyFrom(frame, kernelIp));
        try {
            return Frames.arpSender(reply);
        } finally {
            reply.release();
        }
    }

    /**
     * Receives until a frame matches {@code wanted} and returns it (the caller releases it); answers
     * the kernel's ARP requests for our address on the way and releases everything else (IPv6
     * router solicitations and the like). Waits on the device's wake-up, as an event loop would.
     */
    private ByteBuf await(NetDevice device, Predicate<ByteBuf> wanted) throws InterruptedException {
        Semaphore ready = new Semaphore(0);
        device.setWakeup(ready::release);
        ByteBuf[] batch = new ByteBuf[16];
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        ByteBuf found = null;
        while (found == null && System.nanoTime() < deadline) {
            int n = device.receive(batch, 0, batch.length);
            if (n == 0) {
                ready.tryAcquire(50, TimeUnit.MILLISECONDS);
                continue;
            }
            for (int i = 0; i < n; i++) {
                ByteBuf frame = batch[i];
                batch[i] = null;
                if (found == null && wanted.test(frame)) {
                    found = frame;
                    continue;
                }
                seen.add(String.format("ethertype 0x%04x, %d bytes", Frames.etherType(frame), frame.readableBytes()));
                if (Frames.isArpRequestFor(frame, ourIp)) {
                    MacAddress asker = Frames.arpSender(frame);
                    int askerIp = frame.getInt(14 + 14);
                    transmit(device, reply -> Frames.arpReply(reply, OUR_MAC, ourIp, asker, askerIp));
                }
                frame.release();
            }
        }
        device.setWakeup(() -> {});
        if (found == null) {
            fail("no matching frame within " + TIMEOUT + "; received " + seen + "; " + device.stats());
        }
        return found;
    }

    /** Returns the kernel-side MAC of the TAP, from {@code ip -o link show}. */
    private String linkAddress() throws Exception {
        String out = output(ip, "-n", namespace, "-o", "link", "show", tapName);
        int at = out.indexOf("link/ether ");
        assertTrue(at >= 0, out);
        return out.substring(at + 11, at + 28);
    }

    private static String dotted(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "." + (address & 0xFF);
    }

    private static boolean isRoot() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return line.split("\\s+")[1].equals("0");
            }
        }
        return false;
    }

    private static String which(String program) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Path.of(dir, program).toString();
            }
        }
        return null;
    }

    private static void run(String... command) throws Exception {
        output(command);
    }

    private static String output(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        assertEquals(0, process.exitValue(), String.join(" ", command) + " failed: " + out);
        return out;
    }

    private static int runQuietly(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }
}
