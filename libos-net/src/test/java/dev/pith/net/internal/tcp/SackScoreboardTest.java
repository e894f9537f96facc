package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SackScoreboardTest {

    private final SackScoreboard board = new SackScoreboard();

    @Test
    void mergesRecognisesNothingNewAndForgetsWhatIsAcked() {
        int una = 1000;
        int max = 20000;
        assertTrue(board.add(3000, 4000, una, max));
        assertTrue(board.add(5000, 6000, una, max));
        assertFalse(board.add(3000, 4000, una, max), "the same block again is not news");
        assertTrue(board.add(4000, 5000, una, max), "fills the gap: one range");
        assertEquals(1, board.rangeCount());
        assertEquals(3000, board.start(0));
        assertEquals(6000, board.end(0));
        assertEquals(3000, board.sackedAbove(una));
        assertEquals(6000, board.highSacked(una));
        assertEquals(6000, board.skipSacked(3500));
        assertEquals(2000, board.skipSacked(2000));
        board.advance(6000);
        assertTrue(board.isEmpty());
    }

    @Test
    void refusesBlocksOutsideTheWindowAndMalformedOnes() {
        assertFalse(board.add(500, 1500, 1000, 5000), "starts below SND.UNA: stale or D-SACK");
        assertFalse(board.add(4000, 6000, 1000, 5000), "ends beyond SND.MAX: never sent");
        assertFalse(board.add(3000, 3000, 1000, 5000), "empty");
        assertFalse(board.add(3000, 2000, 1000, 5000), "reversed");
        assertTrue(board.isEmpty());
    }

    @Test
    void worksAcrossTheSequenceWrap() {
        int una = 0xFFFF_F000;
        int max = una + 0x4000;
        assertTrue(board.add(0xFFFF_FF00, 0x100, una, max));
        assertEquals(0x200, board.sackedAbove(una));
        assertEquals(0x100, board.highSacked(una));
        board.advance(0x80);
        assertEquals(0x80, board.start(0));
    }

    @Test
    void agreesWithABitmapUnderRandomBlocks() {
        SplittableRandom random = new SplittableRandom(5);
        for (int round = 0; round < 200; round++) {
            board.clear();
            BitSet model = new BitSet();
            int una = 0;
            int max = 10_000;
            for (int i = 0; i < 40; i++) {
                int left = random.nextInt(max);
                int right = left + 1 + random.nextInt(Math.min(500, max - left));
                boolean fresh = model.get(left, right).cardinality() < right - left;
                boolean added = board.add(left, right, una, max);
                if (added) {
                    model.set(left, right);
                }
                if (board.rangeCount() < SackScoreboard.MAX_RANGES) {
                    assertEquals(fresh, added, "news iff some byte was not SACKed");
                }
            }
            for (int seq = 0; seq < max; seq += 97) {
                assertEquals(model.get(seq, max).cardinality() - (model.get(seq) ? 1 : 0), board.sackedAbove(seq), "above " + seq);
            }
        }
    }
}
