package dev.pith.net.internal.tcp;

import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * A hash map from {@code long} keys (packed TCP 4-tuples) to values, without boxing, bounded by a
 * hard capacity fixed at construction: the connection table must refuse a connection rather than
 * grow without limit under a SYN or connection flood.
 *
 * <p>Open addressing with linear probing in a power-of-two table kept at most half full, and
 * backward-shift deletion (Knuth, TAOCP vol. 3, §6.4, Algorithm R), so no tombstones accumulate
 * and a lookup never scans more than one cluster. The table starts small and doubles while
 * filling up to {@code capacity}; after that {@link #get}, {@link #put} of a present key and
 * {@link #remove} allocate nothing. Keys are mixed with murmur3's 64-bit finalizer, after an XOR
 * with an optional seed: remote peers choose their addresses and ports, and an unseeded mix would
 * let them aim many tuples at one cluster. (The seed makes that guesswork, not cryptographically
 * impossible: the worst case stays bounded by {@code capacity} probes.)
 *
 * <p>Values must not be null (a null slot marks an empty one). Not thread-safe: one event loop.
 *
 * @param <V> the value type
 */
final class LongMap<V> {

    private static final int MIN_TABLE = 16;

    private final int capacity;
    private final int maxTableLength;
    private final long seed;
    private long[] keys;
    /** Null where the slot is empty. */
    private Object[] values;
    private int mask;
    private int size;
    /** Counts structural changes, so that {@link #forEach} can detect modification by its action. */
    private int modifications;

    /** Creates a map holding at most {@code capacity} entries, keys mixed without a seed. */
    LongMap(int capacity) {
        this(capacity, 0);
    }

    /** Creates a map holding at most {@code capacity} entries, keys mixed with {@code seed}. */
    LongMap(int capacity, long seed) {
        if (capacity < 1 || capacity > 1 << 29) {
            throw new IllegalArgumentException("capacity not in [1, 2^29]: " + capacity);
        }
        this.capacity = capacity;
        // Load factor <= 0.5 even when full.
        this.maxTableLength = Integer.highestOneBit(capacity * 2 - 1) << 1;
        this.seed = seed;
        allocate(Math.min(MIN_TABLE, maxTableLength));
    }

    /** Returns the value stored under {@code key}, or null. */
    @SuppressWarnings("unchecked")
    V get(long key) {
        int i = slot(key);
        return i < 0 ? null : (V) values[i];
    }

    /** Returns whether {@code key} is present. */
    boolean containsKey(long key) {
        return slot(key) >= 0;
    }

    /**
     * Stores {@code value} under {@code key}, replacing any value there. Returns false, changing
     * nothing, if the key is new and the map already holds {@code capacity} entries.
     */
    boolean put(long key, V value) {
        Objects.requireNonNull(value, "value == null");
        int i = mix(key) & mask;
        while (values[i] != null) {
            if (keys[i] == key) {
                values[i] = value;
                return true;
            }
            i = (i + 1) & mask;
        }
        if (size == capacity) {
            return false;
        }
        if ((size + 1) * 2 > values.length) {
            grow();
            i = mix(key) & mask;
            while (values[i] != null) {
                i = (i + 1) & mask;
            }
        }
        keys[i] = key;
        values[i] = value;
        size++;
        modifications++;
        return true;
    }

    /** Removes {@code key}; returns the value it had, or null if absent. */
    @SuppressWarnings("unchecked")
    V remove(long key) {
        int i = slot(key);
        if (i < 0) {
            return null;
        }
        V old = (V) values[i];
        deleteAt(i);
        return old;
    }

    /** Returns the number of entries. */
    int size() {
        return size;
    }

    /** Returns whether the map holds no entry. */
    boolean isEmpty() {
        return size == 0;
    }

    /** Returns the most entries the map will hold. */
    int capacity() {
        return capacity;
    }

    /** Removes every entry, keeping the table. */
    void clear() {
        Arrays.fill(values, null);
        size = 0;
        modifications++;
    }

    /**
     * Calls {@code action} with every entry, in table order. The action must not put or remove:
     * a removal shifts entries backwards and would make the walk skip or repeat some, so it is
     * detected and answered with {@link ConcurrentModificationException}. To remove while
     * walking, use {@link #removeIf}. Boxes each key: not for per-segment paths.
     */
    @SuppressWarnings("unchecked")
    void forEach(BiConsumer<? super Long, ? super V> action) {
        int expected = modifications;
        Object[] vs = values;
        long[] ks = keys;
        for (int i = 0; i < vs.length; i++) {
            if (vs[i] != null) {
                action.accept(ks[i], (V) vs[i]);
                if (modifications != expected) {
                    throw new ConcurrentModificationException("LongMap modified during forEach");
                }
            }
        }
    }

    /**
     * Removes every entry whose value satisfies {@code filter}; returns how many. The filter must
     * not modify the map.
     */
    @SuppressWarnings("unchecked")
    int removeIf(Predicate<? super V> filter) {
        if (size == 0) {
            return 0;
        }
        // Start just after an empty slot (there is one: the table is at most half full). Backward
        // shifts move entries only towards earlier slots of their own cluster, so walking forward
        // from a cluster boundary and re-examining a slot after each removal visits each entry once.
        int start = 0;
        while (values[start] != null) {
            start++;
        }
        int removed = 0;
        int expected = modifications;
        for (int n = 0; n < values.length; ) {
            int i = (start + n) & mask;
            Object v = values[i];
            if (v != null && filter.test((V) v)) {
                if (modifications != expected) {
                    throw new ConcurrentModificationException("LongMap modified by removeIf's filter");
                }
                deleteAt(i);
                expected = modifications;
                removed++;
                // Slot i may now hold a shifted entry: look at it again.
            } else {
                n++;
            }
        }
        return removed;
    }

    /** Returns the slot holding {@code key}, or -1. */
    private int slot(long key) {
        int i = mix(key) & mask;
        while (values[i] != null) {
            if (keys[i] == key) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    /** Empties slot {@code hole}, moving later entries of its cluster back so probes still find them. */
    private void deleteAt(int hole) {
        int j = hole;
        while (true) {
            j = (j + 1) & mask;
            if (values[j] == null) {
                break;
            }
            int home = mix(keys[j]) & mask;
            // A probe for this entry walks forward from its home slot. If home lies cyclically in
            // (hole, j], that walk never passes the hole, so the entry stays; otherwise it moves up.
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = null;
        size--;
        modifications++;
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        allocate(oldValues.length * 2);
        for (int i = 0; i < oldValues.length; i++) {
            if (oldValues[i] != null) {
                int j = mix(oldKeys[i]) & mask;
                while (values[j] != null) {
                    j = (j + 1) & mask;
                }
                keys[j] = oldKeys[i];
                values[j] = oldValues[i];
            }
        }
        modifications++;
    }

    private void allocate(int length) {
        keys = new long[length];
        values = new Object[length];
        mask = length - 1;
    }

    /** murmur3's fmix64: every key bit affects every hash bit, so packed fields spread evenly. */
    private int mix(long key) {
        long k = key ^ seed;
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return (int) k;
    }
}
