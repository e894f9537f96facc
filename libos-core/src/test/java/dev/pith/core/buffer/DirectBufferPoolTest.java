package dev.pith.core.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.testing.LeakDetection;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakDetection.class)
class DirectBufferPoolTest {

    @Test
    void boundedDirectBuffersWithoutPhysicalAddresses() {
        DirectBufferPool pool = new DirectBufferPool(1514, 2);
        ByteBuf a = pool.tryAllocate();
        ByteBuf b = pool.tryAllocate();
        assertNull(pool.tryAllocate());
        assertEquals(1, pool.exhaustedCount());
        assertEquals(2, pool.outstanding());

        assertTrue(a.isDirect());
        assertEquals(1514, a.capacity());
        assertEquals(1514, a.maxCapacity());
        assertFalse(a instanceof DmaBuffer);
        assertEquals(-1, PacketBuffers.physicalAddress(a, 0));

        a.release();
        assertEquals(1, pool.outstanding());
        assertEquals("1 of 2 buffers still outstanding (not released, or leaked)",
                assertThrows(IllegalStateException.class, pool::close).getMessage());
        b.writeLong(1); // the memory is still there after a refused close
        b.release();
        pool.close();
        assertThrows(IllegalStateException.class, pool::tryAllocate);
    }
}
