package dev.pith.net.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pith.core.EventLoop;
import dev.pith.core.ManualClock;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDevice;
import dev.pith.core.device.NetDeviceStats;
import dev.pith.core.device.NetOffload;
import dev.pith.testing.LeakDetection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@link PcapWriter} over switch ports, judged by the file's bytes and by tshark. */
@ExtendWith(LeakDetection.class)
class PcapWriterTest {

    private static final MacAddress A = MacAddress.local(0xA);
    private static final MacAddress B = MacAddress.local(0xB);
    private static final int IP_A = Frames.ipv4(192, 0, 2, 1);
    private static final int IP_B = Frames.ipv4(192, 0, 2, 2);
    private static final Instant START = Instant.parse("2024-01-01T00:00:00Z");
    private static final long START_SECONDS = 1_704_067_200L;

    @TempDir
    Path dir;
    private ManualClock clock;
    private EventLoop loop;
    private DirectBufferPool pool;
    private MemorySwitch ethernet;
    private MemorySwitch.Port a;
    private MemorySwitch.Port b;

    @BeforeEach
    void setUp() {
        clock = new ManualClock(5_000_000_000L); // an arbitrary origin: only differences reach the file
        loop = EventLoop.builder().clock(clock).build();
        pool = new DirectBufferPool(1536, 512);
        ethernet = new MemorySwitch(loop, RandomSource.seeded(1), pool);
        a = ethernet.port("a", A, 1500);
        b = ethernet.port("b", B, 1500);
    }

    @AfterEach
    void tearDown() {
        ethernet.close();
        assertEquals(0, pool.outstanding(), "every frame released");
        pool.close();
    }

    @Test
    void recordsBothDirectionsInAFileTsharkReads() throws Exception {
        Path file = dir.resolve("a.pcap");
        PcapWriter capture = PcapWriter.wrap(a, file, clock, START);
        byte[] payload = new byte[24];
        List<byte[]> sent = new ArrayList<>();

        sent.add(transmit(capture, f -> Frames.arpRequest(f, A, IP_A, IP_B)));                   // t = 0
        loop.advance(Duration.ofMillis(1));
        sent.add(reply(b, f -> Frames.arpReply(f, B, IP_B, A, IP_A)));                           // t = 1 ms
        assertEquals(1, drain(capture));
        loop.advance(Duration.ofMillis(1));
        sent.add(transmit(capture, f -> Frames.icmpEchoRequest(f, A, B, IP_A, IP_B, 1, 1, payload))); // t = 2 ms
        loop.advance(Duration.ofMillis(1));
        sent.add(reply(b, f -> Frames.icmpEchoReply(f, B, A, IP_B, IP_A, 1, 1, payload)));        // t = 3 ms
        assertEquals(1, drain(capture));

        assertEquals(4, capture.framesCaptured());
        assertEquals(0, Files.size(file), "header and records stay buffered until close");
        capture.close();
        assertFalse(ethernet.ports().contains(a), "closing the capture closed the device");

        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] header = new byte[24];
        bytes.get(header);
        assertArrayEquals(HexFormat.of().parseHex(
                "4d3cb2a1" + "0200" + "0400" + "00000000" + "00000000" + "ffff0000" + "01000000"), header,
                "nanosecond magic, version 2.4, UTC, snaplen 65535, LINKTYPE_ETHERNET, little-endian");
        for (int i = 0; i < 4; i++) {
            assertEquals(START_SECONDS, Integer.toUnsignedLong(bytes.getInt()), "ts_sec of record " + i);
            assertEquals(i * 1_000_000, bytes.getInt(), "ts_nsec: the start plus the clock's advance");
            int included = bytes.getInt();
            assertEquals(sent.get(i).length, included);
            assertEquals(included, bytes.getInt(), "orig_len");
            byte[] frame = new byte[included];
            bytes.get(frame);
            assertArrayEquals(sent.get(i), frame, "record " + i);
        }
        assertFalse(bytes.hasRemaining());

        assumeTrue(Tshark.installed(), "tshark is not installed (Debian package tshark)");
        List<String> protocols = Tshark.protocols(file);
        assertEquals(4, protocols.size(), String.join("\n", protocols));
        assertEquals("eth:ethertype:arp", protocols.get(0));
        assertEquals("eth:ethertype:arp", protocols.get(1));
        assertTrue(protocols.get(2).startsWith("eth:ethertype:ip:icmp"), protocols.get(2));
        assertTrue(protocols.get(3).startsWith("eth:ethertype:ip:icmp"), protocols.get(3));
    }

    @Test
    void framesTheDeviceRefusesAreNotRecorded() throws Exception {
        Path file = dir.resolve("refused.pcap");
        PcapWriter capture = PcapWriter.wrap(new OneSlotRing(a), file, clock, START);
        ByteBuf[] frames = new ByteBuf[3];
        for (int i = 0; i < 3; i++) {
            frames[i] = a.allocateFrame();
            Frames.arpRequest(frames[i], A, IP_A, Frames.ipv4(192, 0, 2, 10 + i));
        }

        assertEquals(1, capture.transmit(frames, 0, 3));
        assertEquals(1, capture.framesCaptured());
        assertEquals(1, capture.transmit(frames, 1, 2), "the caller offers the rest again");
        assertEquals(1, capture.transmit(frames, 2, 1));
        capture.close();

        assertEquals(24 + 3 * (16 + 42), Files.size(file), "each frame once, in order");
        byte[] bytes = Files.readAllBytes(file);
        for (int i = 0; i < 3; i++) {
            assertEquals(10 + i, bytes[24 + i * (16 + 42) + 16 + 41], "target address of record " + i);
        }
        loop.runUntilIdle();
        assertEquals(3, markers(b).size());
    }

    @Test
    void largeCapturesAreWrittenAsTheBufferFills() throws Exception {
        Path file = dir.resolve("large.pcap");
        PcapWriter capture = PcapWriter.wrap(a, file, clock, START);
        int frames = 400; // 400 x (16 + 1000) bytes: more than the 256 KiB buffer
        for (int i = 0; i < frames; i++) {
            int marker = i;
            transmit(capture, f -> {
                Frames.ethernet(f, B, A, 0x88B5);
                f.writeInt(marker);
                f.writeZero(1000 - 18);
            });
            loop.runUntilIdle();
            markers(b);
        }
        assertTrue(Files.size(file) > 24, "a full buffer was written before close");
        capture.close();
        assertEquals(24 + frames * (16 + 1000L), Files.size(file));

        assumeTrue(Tshark.installed(), "tshark is not installed (Debian package tshark)");
        assertEquals(frames, Tshark.protocols(file).size());
    }

    @Test
    void aFileThatCannotBeCreatedFailsAtOnce() {
        assertThrows(NoSuchFileException.class, () -> PcapWriter.wrap(a, dir.resolve("no/such/dir/a.pcap"), clock));
        assertTrue(a.linkUp(), "the device is left as it was");
    }

    @Test
    void anIoErrorStopsTheCaptureButNotTheDevice() {
        // Opening /dev/full works; every write to it fails with ENOSPC, as on a full disk.
        PcapWriter capture = assertDoesNotThrow(() -> PcapWriter.wrap(a, Path.of("/dev/full"), clock, START));
        transmit(capture, f -> Frames.arpRequest(f, A, IP_A, IP_B));
        assertEquals(1, capture.framesCaptured());
        capture.flush();
        assertTrue(capture.failed());

        loop.runUntilIdle();
        assertEquals(1, drain(b), "the frame went through all the same");
        reply(b, f -> Frames.arpReply(f, B, IP_B, A, IP_A));
        assertEquals(1, drain(capture), "and so does the reply");
        assertEquals(1, capture.framesCaptured(), "nothing more is recorded");
        capture.close(); // does not throw either
    }

    // ---------------------------------------------------------------- helpers

    /** Transmits a frame written by {@code writer} and returns its bytes. */
    private static byte[] transmit(NetDevice device, java.util.function.Consumer<ByteBuf> writer) {
        ByteBuf frame = device.allocateFrame();
        writer.accept(frame);
        byte[] bytes = ByteBufUtil.getBytes(frame);
        assertEquals(1, device.transmit(new ByteBuf[] {frame}, 0, 1));
        return bytes;
    }

    /** Lets the switch deliver, takes what reached {@code port} and answers with one frame; returns its bytes. */
    private byte[] reply(NetDevice port, java.util.function.Consumer<ByteBuf> writer) {
        loop.runUntilIdle();
        markers(port);
        byte[] bytes = transmit(port, writer);
        loop.runUntilIdle();
        return bytes;
    }

    /** Receives and releases everything queued at {@code device}; returns how many frames. */
    private static int drain(NetDevice device) {
        return markers(device).size();
    }

    private static List<Integer> markers(NetDevice device) {
        List<Integer> lengths = new ArrayList<>();
        ByteBuf[] frames = new ByteBuf[16];
        int n;
        while ((n = device.receive(frames, 0, frames.length)) > 0) {
            for (int i = 0; i < n; i++) {
                lengths.add(frames[i].readableBytes());
                frames[i].release();
            }
        }
        return lengths;
    }

    /**
     * A device whose transmit ring has one free slot per call, in front of a switch port: it refuses
     * the rest of a batch, as a driver with a full virtqueue does.
     */
    private record OneSlotRing(NetDevice port) implements NetDevice {
        @Override public String name() { return port.name(); }
        @Override public MacAddress mac() { return port.mac(); }
        @Override public int mtu() { return port.mtu(); }
        @Override public Set<NetOffload> offloads() { return port.offloads(); }
        @Override public boolean linkUp() { return port.linkUp(); }
        @Override public int receive(ByteBuf[] frames, int offset, int max) { return port.receive(frames, offset, max); }
        @Override public int transmit(ByteBuf[] frames, int offset, int count) { return port.transmit(frames, offset, Math.min(1, count)); }
        @Override public ByteBuf allocateFrame() { return port.allocateFrame(); }
        @Override public void setWakeup(Runnable wakeup) { port.setWakeup(wakeup); }
        @Override public NetDeviceStats stats() { return port.stats(); }
        @Override public void close() { port.close(); }
    }
}
