package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongMapTest {

    @Test
    void putGetReplaceRemove() {
        LongMap<String> map = new LongMap<>(4);
        assertNull(map.get(1));
        assertTrue(map.put(1, "a"));
        assertTrue(map.put(0, "zero")); // 0 is an ordinary key
        assertTrue(map.put(-1, "minus"));
        assertEquals("a", map.get(1));
        assertEquals("zero", map.get(0));
        assertEquals("minus", map.get(-1));
        assertTrue(map.put(1, "b"));
        assertEquals("b", map.get(1));
        assertEquals(3, map.size());
        assertEquals("b", map.remove(1));
        assertNull(map.remove(1));
        assertNull(map.get(1));
        assertEquals(2, map.size());
        assertThrows(NullPointerException.class, () -> map.put(2, null));
    }

    @Test
    void refusesNewKeysBeyondCapacityButStillReplaces() {
        LongMap<Integer> map = new LongMap<>(3);
        assertTrue(map.put(10, 1));
        assertTrue(map.put(20, 2));
        assertTrue(map.put(30, 3));
        assertFalse(map.put(40, 4));
        assertNull(map.get(40));
        assertEquals(3, map.size());
        assertTrue(map.put(20, 22));
        assertEquals(22, map.get(20));
        map.remove(10);
        assertTrue(map.put(40, 4));
    }

    @Test
    void growsWhileFillingUpToCapacity() {
        LongMap<Long> map = new LongMap<>(1000, 0x1234);
        for (long k = 0; k < 1000; k++) {
            assertTrue(map.put(k * 0x1_0001_0000L, k));
        }
        assertFalse(map.put(-5, -5L));
        for (long k = 0; k < 1000; k++) {
            assertEquals(k, map.get(k * 0x1_0001_0000L));
        }
    }

    @Test
    void behavesAsHashMapUnderRandomOperations() {
        SplittableRandom random = new SplittableRandom(42);
        for (int capacity : new int[] {1, 7, 8, 64}) {
            LongMap<Long> map = new LongMap<>(capacity, random.nextLong());
            Map<Long, Long> model = new HashMap<>();
            // Few distinct keys, so tables fill up and clusters, wrap-around and deletions interact.
            int keySpace = capacity * 3;
            for (int op = 0; op < 20_000; op++) {
                long key = random.nextInt(keySpace) * 0x0000_0100_0001_0001L;
                switch (random.nextInt(4)) {
                    case 0, 1 -> {
                        long value = random.nextLong();
                        boolean fits = model.containsKey(key) || model.size() < capacity;
                        assertEquals(fits, map.put(key, value), "put " + key);
                        if (fits) {
                            model.put(key, value);
                        }
                    }
                    case 2 -> assertEquals(model.remove(key), map.remove(key), "remove " + key);
                    default -> assertEquals(model.get(key), map.get(key), "get " + key);
                }
                assertEquals(model.size(), map.size());
            }
            Map<Long, Long> seen = new HashMap<>();
            map.forEach((k, v) -> assertNull(seen.put(k, v), "visited twice: " + k));
            assertEquals(model, seen);
        }
    }

    @Test
    void removeIfVisitsEveryEntryOnceEvenWhileShifting() {
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 500; round++) {
            LongMap<Long> map = new LongMap<>(32, random.nextLong());
            Map<Long, Long> model = new HashMap<>();
            for (int i = 0; i < 32; i++) {
                long key = random.nextInt(100);
                map.put(key, key); // values name their entry
                model.put(key, key);
            }
            long salt = random.nextLong();
            Set<Long> visited = new HashSet<>();
            int removed = map.removeIf(v -> {
                assertTrue(visited.add(v), "visited twice: " + v);
                return Long.bitCount(v ^ salt) % 2 == 0;
            });
            assertEquals(model.keySet(), visited);
            int before = model.size();
            model.values().removeIf(v -> Long.bitCount(v ^ salt) % 2 == 0);
            assertEquals(before - model.size(), removed);
            assertEquals(model.size(), map.size());
            model.forEach((k, v) -> assertEquals(v, map.get(k)));
        }
    }

    @Test
    void forEachRefusesModificationByItsAction() {
        LongMap<String> map = new LongMap<>(8);
        map.put(1, "a");
        map.put(2, "b");
        assertThrows(ConcurrentModificationException.class, () -> map.forEach((k, v) -> map.remove(k)));
    }

    @Test
    void clearEmpties() {
        LongMap<String> map = new LongMap<>(8);
        map.put(1, "a");
        map.clear();
        assertEquals(0, map.size());
        assertNull(map.get(1));
        assertTrue(map.isEmpty());
    }
}
