package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ByteRingTest {

    private final List<ByteBuf> buffers = new ArrayList<>();

    @AfterEach
    void releaseBuffers() {
        buffers.forEach(ByteBuf::release);
    }

    private ByteBuf buffer(int... bytes) {
        ByteBuf buf = Unpooled.buffer(bytes.length);
        for (int b : bytes) {
            buf.writeByte(b);
        }
        buffers.add(buf);
        return buf;
    }

    private ByteBuf bytes(int from, int count) {
        ByteBuf buf = Unpooled.buffer(count);
        for (int i = 0; i < count; i++) {
            buf.writeByte(from + i);
        }
        buffers.add(buf);
        return buf;
    }

    private byte[] contents(ByteRing ring) {
        ByteBuf dst = Unpooled.buffer(ring.length());
        buffers.add(dst);
        ring.peek(0, dst, 0, ring.length());
        byte[] out = new byte[ring.length()];
        dst.getBytes(0, out);
        return out;
    }

    private static byte[] range(int from, int count) {
        byte[] out = new byte[count];
        for (int i = 0; i < count; i++) {
            out[i] = (byte) (from + i);
        }
        return out;
    }

    @Test
    void allocatesOnFirstWriteOnlyAndReleases() {
        ByteRing ring = new ByteRing(8, 100);
        assertEquals(0, ring.capacity());
        assertEquals(100, ring.free());
        ring.append(bytes(0, 3), 10);
        assertEquals(8, ring.capacity());
        assertEquals(3, ring.length());
        assertEquals(97, ring.free());
        ring.release();
        assertEquals(0, ring.capacity());
        assertEquals(0, ring.length());
        ring.append(bytes(5, 2), 10);
        assertArrayEquals(range(5, 2), contents(ring));
    }

    @Test
    void appendCopiesAtMostMaxReadableAndFree() {
        ByteRing ring = new ByteRing(4, 10);
        ByteBuf src = bytes(0, 20);
        assertEquals(3, ring.append(src, 3));
        assertEquals(3, src.readerIndex());
        assertEquals(7, ring.append(src, 100)); // limited by free()
        assertEquals(10, src.readerIndex());
        assertEquals(0, ring.append(src, 100));
        assertArrayEquals(range(0, 10), contents(ring));
        assertEquals(0, ring.append(bytes(0, 0), 5));
    }

    @Test
    void appendPeekDiscardWrapAround() {
        ByteRing ring = new ByteRing(8, 8);
        ring.append(bytes(0, 6), 6);
        ring.discard(5); // head at index 5
        assertEquals(6, ring.append(bytes(10, 6), 6)); // stored at 6,7,0,1,2,3 after the byte 5
        assertArrayEquals(new byte[] {5, 10, 11, 12, 13, 14, 15}, contents(ring));
        ByteBuf dst = Unpooled.buffer(10).writerIndex(10);
        buffers.add(dst);
        ring.peek(2, dst, 3, 4); // 11..14, crossing the wrap
        assertEquals(11, dst.getByte(3));
        assertEquals(14, dst.getByte(6));
        assertEquals(0, dst.readerIndex());
        assertEquals(10, dst.writerIndex());
        ring.discard(3);
        assertArrayEquals(new byte[] {12, 13, 14, 15}, contents(ring));
        assertThrows(IndexOutOfBoundsException.class, () -> ring.peek(1, dst, 0, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> ring.discard(5));
    }

    @Test
    void readMovesFromTheFrontAcrossTheWrap() {
        ByteRing ring = new ByteRing(8, 8);
        ring.append(bytes(0, 7), 7);
        ring.discard(6);
        ring.append(bytes(20, 5), 5); // wraps
        ByteBuf dst = Unpooled.buffer(16);
        buffers.add(dst);
        dst.writeByte(99);
        assertEquals(4, ring.read(dst, 4));
        assertEquals(5, dst.writerIndex());
        assertEquals(6, dst.getByte(1));
        assertEquals(22, dst.getByte(4));
        assertEquals(2, ring.length());
        assertEquals(2, ring.read(dst, 100));
        assertEquals(24, dst.getByte(6));
        assertEquals(0, ring.read(dst, 100));
    }

    @Test
    void readStopsWhereTheDestinationCannotGrow() {
        ByteRing ring = new ByteRing(8, 8);
        ring.append(bytes(0, 8), 8);
        ByteBuf dst = Unpooled.buffer(3, 3);
        buffers.add(dst);
        assertEquals(3, ring.read(dst, 8));
        assertEquals(5, ring.length());
    }

    @Test
    void growthPreservesWrappedContent() {
        ByteRing ring = new ByteRing(8, 64);
        ring.append(bytes(0, 6), 6);
        ring.discard(4);
        ring.append(bytes(6, 6), 6); // 8 bytes, wrapped, full
        assertEquals(8, ring.capacity());
        ring.append(bytes(12, 10), 10); // doubles to 16, then 32
        assertEquals(32, ring.capacity());
        assertArrayEquals(range(4, 18), contents(ring));
        ring.append(bytes(22, 40), 40);
        assertEquals(64, ring.capacity());
        assertEquals(58, ring.length());
        assertArrayEquals(range(4, 58), contents(ring));
    }

    @Test
    void growthStopsAtAMaximumThatIsNotAPowerOfTwo() {
        ByteRing ring = new ByteRing(3, 10);
        ring.append(bytes(0, 4), 4);
        assertEquals(6, ring.capacity());
        assertEquals(6, ring.append(bytes(4, 20), 20));
        assertEquals(10, ring.capacity());
        assertEquals(0, ring.free());
        assertArrayEquals(range(0, 10), contents(ring));
    }

    @Test
    void writeAtBeyondTheEndThenCommit() {
        ByteRing ring = new ByteRing(4, 32);
        ring.append(bytes(0, 3), 3);
        ring.discard(2); // head at index 2, one byte stored
        ByteBuf late = bytes(10, 5);
        ring.writeAt(4, late, 0, 5); // offsets 5..9: beyond capacity 4, grows, wraps nothing yet
        assertEquals(0, late.readerIndex());
        assertEquals(1, ring.length());
        ByteBuf early = bytes(6, 4);
        ring.writeAt(0, early, 0, 4); // fills the gap
        ring.commit(9);
        assertArrayEquals(new byte[] {2, 6, 7, 8, 9, 10, 11, 12, 13, 14}, contents(ring));
        assertThrows(IndexOutOfBoundsException.class, () -> ring.commit(1));
        assertThrows(IndexOutOfBoundsException.class, () -> ring.writeAt(22, late, 0, 1));
        ring.writeAt(21, late, 4, 1); // offset + count == free(): the very last byte
        ring.commit(0);
        assertEquals(10, ring.length());
    }

    @Test
    void writeAtDataSurvivesGrowthAndWrap() {
        ByteRing ring = new ByteRing(8, 64);
        ring.append(bytes(0, 7), 7);
        ring.discard(7); // head at 7
        ring.writeAt(3, bytes(30, 4), 0, 4); // indices 2..5 after the wrap
        ring.writeAt(10, bytes(40, 4), 0, 4); // grows: out-of-order bytes must move with it
        ring.writeAt(0, bytes(20, 3), 0, 3);
        ring.writeAt(7, bytes(50, 3), 0, 3);
        ring.commit(14);
        assertArrayEquals(new byte[] {20, 21, 22, 30, 31, 32, 33, 50, 51, 52, 40, 41, 42, 43}, contents(ring));
    }

    @Test
    void transferToMovesFrontToTargetEnd() {
        ByteRing source = new ByteRing(8, 8);
        ByteRing target = new ByteRing(2, 5);
        source.append(bytes(0, 6), 6);
        source.discard(5);
        source.append(bytes(6, 6), 6); // wrapped: 5..11
        target.append(bytes(100, 1), 1);
        assertEquals(3, source.transferTo(target, 3));
        assertArrayEquals(new byte[] {100, 5, 6, 7}, contents(target));
        assertEquals(1, source.transferTo(target, 100)); // target has 1 free byte
        assertArrayEquals(range(9, 3), contents(source));
        assertThrows(IllegalArgumentException.class, () -> source.transferTo(source, 1));
    }

    @Test
    void behavesAsAByteSequenceUnderRandomOperations() {
        SplittableRandom random = new SplittableRandom(20240611);
        int max = 100;
        ByteRing ring = new ByteRing(3, max);
        ByteRing target = new ByteRing(5, 37);
        Model model = new Model(max);
        Model targetModel = new Model(37);
        int next = 0;
        for (int op = 0; op < 15_000; op++) {
            switch (random.nextInt(7)) {
                case 0 -> { // append
                    int n = random.nextInt(40);
                    ByteBuf src = bytes(next, n);
                    int limit = random.nextInt(50);
                    int copied = ring.append(src, limit);
                    assertEquals(Math.min(Math.min(n, limit), model.free()), copied);
                    for (int i = 0; i < copied; i++) {
                        model.put(i, (byte) (next + i));
                    }
                    model.commit(copied);
                    next += n;
                }
                case 1 -> { // discard
                    int n = random.nextInt(model.length + 1);
                    ring.discard(n);
                    model.discard(n);
                }
                case 2 -> { // read
                    ByteBuf dst = Unpooled.buffer(64);
                    buffers.add(dst);
                    int n = ring.read(dst, random.nextInt(64));
                    for (int i = 0; i < n; i++) {
                        assertEquals(model.stored.get(i), dst.getByte(i));
                    }
                    model.discard(n);
                }
                case 3 -> { // writeAt
                    int free = model.free();
                    int offset = random.nextInt(free + 1);
                    int n = random.nextInt(free - offset + 1);
                    ring.writeAt(offset, bytes(next, n), 0, n);
                    for (int i = 0; i < n; i++) {
                        model.put(offset + i, (byte) (next + i));
                    }
                    next += n;
                }
                case 4 -> { // commit what is contiguous past the end
                    int n = random.nextInt(model.contiguousPastEnd() + 1);
                    ring.commit(n);
                    model.commit(n);
                }
                case 5 -> { // peek somewhere
                    if (model.length > 0) {
                        int offset = random.nextInt(model.length);
                        int n = random.nextInt(model.length - offset + 1);
                        ByteBuf dst = Unpooled.buffer(n + 3).writerIndex(n + 3);
                        buffers.add(dst);
                        ring.peek(offset, dst, 3, n);
                        for (int i = 0; i < n; i++) {
                            assertEquals(model.stored.get(offset + i), dst.getByte(3 + i));
                        }
                    }
                }
                default -> { // transfer, and drain the target now and then
                    transfer(ring, target, model, targetModel, random.nextInt(30));
                    if (random.nextInt(3) == 0) {
                        int d = random.nextInt(targetModel.length + 1);
                        target.discard(d);
                        targetModel.discard(d);
                    }
                }
            }
            assertEquals(model.length, ring.length());
            assertEquals(model.free(), ring.free());
            if (op % 16 == 0) {
                assertArrayEquals(model.storedBytes(), contents(ring), "after op " + op);
                assertArrayEquals(targetModel.storedBytes(), contents(target), "target after op " + op);
            }
            if (buffers.size() > 256) {
                releaseBuffers();
                buffers.clear();
            }
        }
    }

    private static void transfer(ByteRing ring, ByteRing target, Model model, Model targetModel, int max) {
        int n = ring.transferTo(target, max);
        assertEquals(Math.min(Math.min(max, model.length), targetModel.free()), n);
        for (int i = 0; i < n; i++) {
            targetModel.put(i, model.stored.get(i));
        }
        targetModel.commit(n);
        model.discard(n);
    }

    /** A naive reference: stored bytes in a list, bytes past the end in a sparse array relative to the end. */
    private static final class Model {
        final int max;
        final List<Byte> stored = new ArrayList<>();
        final Byte[] pastEnd;
        int length;

        Model(int max) {
            this.max = max;
            this.pastEnd = new Byte[max];
        }

        int free() {
            return max - length;
        }

        void put(int offsetPastEnd, byte b) {
            pastEnd[offsetPastEnd] = b;
        }

        int contiguousPastEnd() {
            int n = 0;
            while (n < free() && pastEnd[n] != null) {
                n++;
            }
            return n;
        }

        void commit(int n) {
            for (int i = 0; i < n; i++) {
                stored.add(pastEnd[i]);
            }
            System.arraycopy(pastEnd, n, pastEnd, 0, max - n);
            Arrays.fill(pastEnd, max - n, max, null);
            length += n;
        }

        void discard(int n) {
            stored.subList(0, n).clear();
            // Past-end offsets are relative to the end, which does not move.
            length -= n;
        }

        byte[] storedBytes() {
            byte[] out = new byte[length];
            for (int i = 0; i < length; i++) {
                out[i] = stored.get(i);
            }
            return out;
        }
    }
}
