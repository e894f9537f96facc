package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AssemblerTest {

    private static int[] ranges(Assembler a) {
        int[] out = new int[a.rangeCount() * 2];
        for (int i = 0; i < a.rangeCount(); i++) {
            out[2 * i] = a.start(i);
            out[2 * i + 1] = a.end(i);
        }
        return out;
    }

    @Test
    void keepsDisjointRangesSorted() {
        Assembler a = new Assembler(8);
        assertTrue(a.isEmpty());
        assertTrue(a.add(30, 40));
        assertTrue(a.add(10, 20));
        assertTrue(a.add(50, 60));
        assertArrayEquals(new int[] {10, 20, 30, 40, 50, 60}, ranges(a));
        assertFalse(a.isEmpty());
    }

    @Test
    void mergesOverlappingAdjacentAndContainedRanges() {
        Assembler a = new Assembler(8);
        a.add(10, 20);
        a.add(30, 40);
        a.add(50, 60);
        a.add(20, 30); // adjacent on both sides
        assertArrayEquals(new int[] {10, 40, 50, 60}, ranges(a));
        a.add(12, 18); // contained
        assertArrayEquals(new int[] {10, 40, 50, 60}, ranges(a));
        a.add(5, 55); // overlaps everything
        assertArrayEquals(new int[] {5, 60}, ranges(a));
        a.add(60, 61);
        a.add(3, 5);
        assertArrayEquals(new int[] {3, 61}, ranges(a));
        assertTrue(a.add(70, 70)); // empty: nothing
        assertEquals(1, a.rangeCount());
    }

    @Test
    void refusesARangeBeyondTheLimitAndChangesNothing() {
        Assembler a = new Assembler(2);
        assertTrue(a.add(10, 20));
        assertTrue(a.add(30, 40));
        assertFalse(a.add(50, 60));
        assertFalse(a.add(1, 5));
        assertFalse(a.add(22, 28));
        assertArrayEquals(new int[] {10, 20, 30, 40}, ranges(a));
        assertTrue(a.add(35, 55)); // merges: no new range needed
        assertArrayEquals(new int[] {10, 20, 30, 55}, ranges(a));
        assertTrue(a.add(20, 30)); // merges two into one
        assertArrayEquals(new int[] {10, 55}, ranges(a));
        assertTrue(a.add(60, 70));
    }

    @Test
    void advanceWithoutReachingARangeRebasesIt() {
        Assembler a = new Assembler(4);
        a.add(10, 20);
        assertEquals(0, a.advance(4));
        assertArrayEquals(new int[] {6, 16}, ranges(a));
    }

    @Test
    void advanceReachingARangeMakesItContiguous() {
        Assembler a = new Assembler(4);
        a.add(5, 10);
        a.add(15, 20);
        a.add(30, 40);
        assertEquals(5, a.advance(5)); // [0,5) arrived: RCV.NXT moves 10
        assertArrayEquals(new int[] {5, 10, 20, 30}, ranges(a));
        assertEquals(3, a.advance(7)); // overlaps [5,10): 3 more beyond 7
        assertArrayEquals(new int[] {10, 20}, ranges(a));
    }

    @Test
    void advanceAcrossSeveralRanges() {
        Assembler a = new Assembler(4);
        a.add(5, 10);
        a.add(15, 20);
        a.add(30, 40);
        a.add(50, 60);
        assertEquals(8, a.advance(32)); // covers two, reaches into the third
        assertArrayEquals(new int[] {10, 20}, ranges(a));
        assertEquals(0, a.advance(100)); // covers the last entirely
        assertTrue(a.isEmpty());
    }

    @Test
    void advanceByZeroCollectsARangeAtTheFront() {
        Assembler a = new Assembler(4);
        a.add(0, 7);
        a.add(9, 12);
        assertEquals(7, a.advance(0));
        assertArrayEquals(new int[] {2, 5}, ranges(a));
    }

    @Test
    void sackBlocksMostRecentFirst() {
        Assembler a = new Assembler(8);
        a.add(10, 20);
        a.add(30, 40);
        a.add(50, 60);
        a.add(70, 80);
        a.add(90, 100);
        a.add(12, 15); // lands in [10,20): now the most recent
        int[] lefts = new int[4];
        int[] rights = new int[4];
        assertEquals(4, a.sackBlocks(lefts, rights, 4));
        assertArrayEquals(new int[] {10, 90, 70, 50}, lefts);
        assertArrayEquals(new int[] {20, 100, 80, 60}, rights);
        assertEquals(2, a.sackBlocks(lefts, rights, 2));
        assertEquals(10, lefts[0]);
        assertEquals(90, lefts[1]);
        a.add(40, 50); // merges [30,40) and [50,60): the merged block is the newest
        assertEquals(4, a.sackBlocks(lefts, rights, 9)); // never more than 4
        assertArrayEquals(new int[] {30, 10, 90, 70}, lefts);
        assertArrayEquals(new int[] {60, 20, 100, 80}, rights);
    }

    @Test
    void sackBlocksFollowAdvance() {
        Assembler a = new Assembler(8);
        a.add(10, 20);
        a.add(30, 40);
        a.advance(5);
        int[] lefts = new int[4];
        int[] rights = new int[4];
        assertEquals(2, a.sackBlocks(lefts, rights, 4));
        assertEquals(25, lefts[0]);
        assertEquals(35, rights[0]);
        assertEquals(5, lefts[1]);
    }

    @Test
    void clearForgetsEverything() {
        Assembler a = new Assembler(2);
        a.add(10, 20);
        a.add(30, 40);
        a.clear();
        assertTrue(a.isEmpty());
        assertTrue(a.add(50, 60));
        assertTrue(a.add(70, 80));
    }

    @Test
    void agreesWithABitmapUnderRandomSegments() {
        SplittableRandom random = new SplittableRandom(99);
        int maxRanges = 4;
        Assembler a = new Assembler(maxRanges);
        boolean[] received = new boolean[300]; // offsets past RCV.NXT
        for (int op = 0; op < 10_000; op++) {
            if (random.nextInt(5) == 0) {
                int n = random.nextInt(1, 20);
                int extra = a.advance(n);
                // Model: [0, n) arrives, then everything contiguous.
                int moved = n;
                while (moved < received.length && received[moved]) {
                    moved++;
                }
                assertEquals(moved - n, extra);
                boolean[] shifted = new boolean[received.length];
                System.arraycopy(received, moved, shifted, 0, received.length - moved);
                received = shifted;
            } else {
                int start = random.nextInt(1, 200);
                int end = start + random.nextInt(1, 30);
                boolean[] candidate = received.clone();
                for (int i = start; i < end; i++) {
                    candidate[i] = true;
                }
                boolean fits = runs(candidate).size() / 2 <= maxRanges;
                assertEquals(fits, a.add(start, end));
                if (fits) {
                    received = candidate;
                }
            }
            List<Integer> expected = runs(received);
            assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), ranges(a));
        }
    }

    /** Runs of true as start, end pairs. */
    private static List<Integer> runs(boolean[] bits) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < bits.length; i++) {
            if (bits[i] && (i == 0 || !bits[i - 1])) {
                out.add(i);
            }
            if (bits[i] && (i + 1 == bits.length || !bits[i + 1])) {
                out.add(i + 1);
            }
        }
        return out;
    }
}
