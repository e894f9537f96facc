package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SeqTest {

    @Test
    void comparesAcrossTheWrap() {
        int before = 0xFFFFFFF0;
        int after = 0x10;
        assertTrue(Seq.lt(before, after));
        assertTrue(Seq.le(before, after));
        assertFalse(Seq.gt(before, after));
        assertFalse(Seq.ge(before, after));
        assertTrue(Seq.gt(after, before));
        assertTrue(Seq.ge(after, before));
        assertFalse(Seq.lt(after, before));
        assertTrue(Seq.lt(Integer.MAX_VALUE, Integer.MIN_VALUE)); // 0x7FFFFFFF < 0x80000000
        assertTrue(Seq.lt(-1, 0));
    }

    @Test
    void equalNumbersAreNeitherLessNorGreater() {
        for (int a : new int[] {0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 12345}) {
            assertFalse(Seq.lt(a, a));
            assertFalse(Seq.gt(a, a));
            assertTrue(Seq.le(a, a));
            assertTrue(Seq.ge(a, a));
        }
    }

    @Test
    void maxAndMinFollowSequenceOrderNotSignedOrder() {
        assertEquals(0x10, Seq.max(0xFFFFFFF0, 0x10));
        assertEquals(0x10, Seq.max(0x10, 0xFFFFFFF0));
        assertEquals(0xFFFFFFF0, Seq.min(0xFFFFFFF0, 0x10));
        assertEquals(0xFFFFFFF0, Seq.min(0x10, 0xFFFFFFF0));
        assertEquals(7, Seq.max(7, 7));
    }

    @Test
    void windowContainsStartButNotEndAcrossTheWrap() {
        int start = 0xFFFFFFF0;
        int length = 0x20; // [0xFFFFFFF0, 0x10)
        assertTrue(Seq.inWindow(start, start, length));
        assertTrue(Seq.inWindow(0xFFFFFFFF, start, length));
        assertTrue(Seq.inWindow(0, start, length));
        assertTrue(Seq.inWindow(0x0F, start, length));
        assertFalse(Seq.inWindow(0x10, start, length));
        assertFalse(Seq.inWindow(0xFFFFFFEF, start, length));
        assertFalse(Seq.inWindow(0x8000_0000, start, length));
    }

    @Test
    void emptyWindowContainsNothingAndUnitWindowOnlyItsStart() {
        assertFalse(Seq.inWindow(5, 5, 0));
        assertFalse(Seq.inWindow(-1, -1, 0));
        assertTrue(Seq.inWindow(-1, -1, 1));
        assertFalse(Seq.inWindow(0, -1, 1));
    }

    @Test
    void largestWindowWorks() {
        int start = 0x7FFF_FF00;
        assertTrue(Seq.inWindow(start + (1 << 30) - 1, start, 1 << 30));
        assertFalse(Seq.inWindow(start + (1 << 30), start, 1 << 30));
        assertFalse(Seq.inWindow(start - 1, start, 1 << 30));
    }

    @Test
    void unsignedShowsTheWireValue() {
        assertEquals(4_294_967_295L, Seq.unsigned(-1));
        assertEquals(0x8000_0000L, Seq.unsigned(Integer.MIN_VALUE));
        assertEquals(42L, Seq.unsigned(42));
    }
}
