package dev.pith.core.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class DmaRegionTest {

    @Test
    void acceptsNativeMemoryWithOrWithoutPhysicalAddress() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(4096);
            assertTrue(new DmaRegion(memory, 0x4000_0000L).hasPhysicalAddress());
            assertTrue(new DmaRegion(memory, 0).hasPhysicalAddress());
            assertFalse(new DmaRegion(memory, DmaRegion.NO_PHYSICAL_ADDRESS).hasPhysicalAddress());
        }
    }

    @Test
    void refusesWhatNoDeviceCouldUse() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(4096);
            assertThrows(NullPointerException.class, () -> new DmaRegion(null, 0));
            var heap = assertThrows(IllegalArgumentException.class, () -> new DmaRegion(MemorySegment.ofArray(new byte[16]), -1));
            assertTrue(heap.getMessage().startsWith("memory must be native"), heap.getMessage());
            assertEquals("physicalAddress < -1: -2", assertThrows(IllegalArgumentException.class, () -> new DmaRegion(memory, -2)).getMessage());
            assertThrows(IllegalArgumentException.class, () -> new DmaRegion(memory, Long.MAX_VALUE - 100));
        }
    }
}
