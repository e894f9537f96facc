package dev.pith.net.device;

import dev.pith.core.Clock;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDevice;
import dev.pith.core.device.NetDeviceStats;
import dev.pith.core.device.NetOffload;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A device that records every frame another device receives and transmits in a classic libpcap
 * file, which tshark, tcpdump and Wireshark open: smoltcp's {@code phy::PcapWriter}, stackable on
 * any {@link NetDevice}.
 *
 * <pre>{@code
 * NetDevice device = PcapWriter.wrap(TapDevice.open("pith0", mac, 1500, pool), Path.of("pith0.pcap"), loop.clock());
 * ...
 * device.close();   // closes the TAP, then flushes and closes the file
 * // tshark -r pith0.pcap
 * }</pre>
 *
 * <p>Format (https://wiki.wireshark.org/Development/LibpcapFileFormat): the nanosecond-resolution
 * variant (magic 0xa1b23c4d), version 2.4, snaplen 65,535, link type 1 (LINKTYPE_ETHERNET), written
 * little-endian; each record is a 16-byte header and the frame's readable bytes, cut at 65,535
 * (the header keeps the original length). The file does not say which frames were sent and which
 * received: the addresses in them do.
 *
 * <p>Time: pcap wants wall-clock time, a {@link Clock} is monotonic with an arbitrary origin. A frame's
 * timestamp is the wall time at {@link #wrap} plus the clock's advance since then; on a
 * {@code ManualClock} a capture thus shows virtual time starting at the moment the capture began, or
 * at {@code start} with {@link #wrap(NetDevice, Path, Clock, Instant)} — fixed for byte-identical files.
 *
 * <p>Frames are copied into a 256 KiB buffer before they go anywhere, without moving their indices:
 * received ones after the device returns them, transmitted ones before {@link #transmit} hands them
 * on (frames the device does not accept are taken out again, so a retried frame appears once). The
 * buffer, file header included, is written to the file when full, on {@link #flush()} and on
 * {@link #close()}. Creating the file is the one failure that throws; a later I/O error (disk full)
 * stops the capture and is logged once (System.Logger, WARNING), while the device goes on working and
 * nothing is thrown into the event loop. Use from the event loop thread, as the device it wraps.
 */
public final class PcapWriter implements NetDevice {

    /** The nanosecond-resolution magic number; readers detect the byte order from it. */
    public static final int MAGIC_NANOSECONDS = 0xa1b23c4d;
    /** Longest part of a frame recorded. */
    public static final int SNAPLEN = 65_535;
    /** LINKTYPE_ETHERNET (https://www.tcpdump.org/linktypes.html). */
    public static final int LINKTYPE_ETHERNET = 1;
    /** Size of the output buffer. */
    public static final int BUFFER_SIZE = 256 * 1024;
    /** Most frames recorded per call of the wrapped device's transmit. */
    private static final int TRANSMIT_CHUNK = 256;
    private static final int RECORD_HEADER_SIZE = 16;

    private static final System.Logger LOG = System.getLogger(PcapWriter.class.getName());

    private final NetDevice device;
    private final Path file;
    private final Clock clock;
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    /** Buffer positions of the records of the chunk being transmitted, to take back refused frames. */
    private final int[] marks = new int[TRANSMIT_CHUNK];
    /** Wall time at the start in nanoseconds since the epoch, and the clock's reading then. */
    private final long startEpochNanos;
    private final long startClockNanos;
    private long framesCaptured;
    /** Set by the first I/O error: nothing more is captured. */
    private boolean failed;
    private boolean closed;

    private PcapWriter(NetDevice device, Path file, Clock clock, Instant start, FileChannel channel) {
        this.device = device;
        this.file = file;
        this.clock = clock;
        this.channel = channel;
        this.startEpochNanos = Math.addExact(Math.multiplyExact(start.getEpochSecond(), 1_000_000_000L), start.getNano());
        this.startClockNanos = clock.nanoTime();
    }

    /**
     * Wraps {@code device}, creating or truncating {@code file}; timestamps start at the current wall time.
     *
     * @throws IOException if the file cannot be created; {@code device} is then left open
     */
    public static PcapWriter wrap(NetDevice device, Path file, Clock clock) throws IOException {
        return wrap(device, file, clock, Instant.now());
    }

    /**
     * Wraps {@code device}, creating or truncating {@code file}; the first timestamp is {@code start}
     * plus however far {@code clock} has moved since this call.
     *
     * @throws IOException if the file cannot be created; {@code device} is then left open
     */
    public static PcapWriter wrap(NetDevice device, Path file, Clock clock, Instant start) throws IOException {
        Objects.requireNonNull(device, "device == null");
        Objects.requireNonNull(file, "file == null");
        Objects.requireNonNull(clock, "clock == null");
        Objects.requireNonNull(start, "start == null");
        if (start.isBefore(Instant.EPOCH) || start.getEpochSecond() > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("start " + start + " is outside what pcap's 32-bit unsigned seconds hold");
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        PcapWriter writer;
        try {
            writer = new PcapWriter(device, file, clock, start, channel);
        } catch (RuntimeException e) {
            channel.close();
            throw e;
        }
        writer.putFileHeader();
        return writer;
    }

    /** Puts the 24-byte file header first in the buffer; it reaches the file with the first records. */
    private void putFileHeader() {
        buffer.putInt(MAGIC_NANOSECONDS)
                .putShort((short) 2) // version_major
                .putShort((short) 4) // version_minor
                .putInt(0)           // thiszone: timestamps are UTC
                .putInt(0)           // sigfigs: always 0
                .putInt(SNAPLEN)
                .putInt(LINKTYPE_ETHERNET);
    }

    /** Returns the device this one records. */
    public NetDevice device() {
        return device;
    }

    /** Returns the capture file. */
    public Path file() {
        return file;
    }

    /** Returns the number of frames recorded so far (some may still sit in the buffer). */
    public long framesCaptured() {
        return framesCaptured;
    }

    /** Returns whether an I/O error stopped the capture. */
    public boolean failed() {
        return failed;
    }

    @Override
    public int receive(ByteBuf[] frames, int offset, int max) {
        int n = device.receive(frames, offset, max);
        for (int i = offset; i < offset + n; i++) {
            capture(frames[i]);
        }
        return n;
    }

    @Override
    public int transmit(ByteBuf[] frames, int offset, int count) {
        // In chunks that fit the buffer, so that frames the device refuses can be taken back out.
        int sent = 0;
        while (sent < count) {
            int start = offset + sent;
            if (failed || closed) {
                return sent + device.transmit(frames, start, count - sent);
            }
            int chunk = 0;
            while (sent + chunk < count && chunk < marks.length) {
                ByteBuf frame = frames[start + chunk];
                if (recordSize(frame) > buffer.remaining()) {
                    if (chunk > 0) {
                        break; // hand on what is recorded, then make room
                    }
                    drain();
                    if (failed) {
                        break;
                    }
                }
                marks[chunk++] = buffer.position();
                capture(frame);
            }
            if (chunk == 0) {
                continue; // the capture failed while making room; the top of the loop hands on the rest
            }
            int accepted = device.transmit(frames, start, chunk);
            if (accepted < chunk) {
                // The refused frames still belong to the caller, who may offer them again: unrecord them.
                buffer.position(marks[accepted]);
                framesCaptured -= chunk - accepted;
                return sent + accepted;
            }
            sent += chunk;
        }
        return count;
    }

    private static int recordSize(ByteBuf frame) {
        return RECORD_HEADER_SIZE + Math.min(frame.readableBytes(), SNAPLEN);
    }

    /** Appends one record, flushing first when it does not fit; reads {@code frame} without moving its indices. */
    private void capture(ByteBuf frame) {
        if (failed || closed) {
            return;
        }
        int length = frame.readableBytes();
        int included = Math.min(length, SNAPLEN);
        if (RECORD_HEADER_SIZE + included > buffer.remaining()) {
            drain();
            if (failed) {
                return;
            }
        }
        long time = startEpochNanos + (clock.nanoTime() - startClockNanos);
        buffer.putInt((int) (time / 1_000_000_000L)) // ts_sec, unsigned
                .putInt((int) (time % 1_000_000_000L)) // ts_nsec with the nanosecond magic
                .putInt(included)
                .putInt(length);
        frame.getBytes(frame.readerIndex(), buffer.array(), buffer.arrayOffset() + buffer.position(), included);
        buffer.position(buffer.position() + included);
        framesCaptured++;
    }

    /** Writes the buffer to the file; on failure stops capturing and logs once. */
    private void drain() {
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            failed = true;
            LOG.log(System.Logger.Level.WARNING, "pcap capture of " + device.name() + " to " + file
                    + " stopped after an I/O error; the device goes on without it", e);
            try {
                channel.close();
            } catch (IOException ignored) {
                // Already failed; the first error was reported.
            }
        } finally {
            buffer.clear();
        }
    }

    /** Writes out what the buffer holds, for a reader to see it before {@link #close()}. */
    public void flush() {
        if (!failed && !closed) {
            drain();
        }
    }

    /** Closes the device, then writes out the buffer and closes the file; errors are logged, not thrown. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            device.close();
        } finally {
            flush();
            closed = true;
            try {
                channel.close();
            } catch (IOException e) {
                if (!failed) {
                    failed = true;
                    LOG.log(System.Logger.Level.WARNING, "closing pcap capture " + file + " failed", e);
                }
            }
        }
    }

    // ---------------------------------------------------------------- delegated

    @Override
    public String name() {
        return device.name();
    }

    @Override
    public MacAddress mac() {
        return device.mac();
    }

    @Override
    public int mtu() {
        return device.mtu();
    }

    @Override
    public Set<NetOffload> offloads() {
        return device.offloads();
    }

    @Override
    public boolean linkUp() {
        return device.linkUp();
    }

    @Override
    public ByteBuf allocateFrame() {
        return device.allocateFrame();
    }

    @Override
    public void setWakeup(Runnable wakeup) {
        device.setWakeup(wakeup);
    }

    @Override
    public NetDeviceStats stats() {
        return device.stats();
    }

    @Override
    public String toString() {
        return "PcapWriter[" + device + " -> " + file + "]";
    }
}
