package dev.pith.net.internal.iface;

import dev.pith.core.EventLoop;
import dev.pith.net.InterfaceSettings;
import dev.pith.core.Timer;
import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * IPv4-to-MAC bindings learned by ARP (RFC 826), with what bounds them: at most
 * {@link #capacity} entries, each trusted for {@link InterfaceSettings#arpEntryLifetime()}, and at
 * most {@link InterfaceSettings#arpQueueLimit()} frames in all waiting for a resolution. A pending
 * entry retries its request every second and gives up after
 * {@link InterfaceSettings#arpRetries()} tries, dropping what waited for it.
 */
final class ArpCache {

    /** A binding, or a resolution in progress (mac == -1) with the frames waiting for it. */
    private final class Entry {
        final int address;
        long mac = -1;
        long expiresAt;
        int tries;
        final ArrayDeque<ByteBuf> waiting = new ArrayDeque<>(4);
        final Timer retry;

        Entry(int address) {
            this.address = address;
            this.retry = loop.timer(() -> retry(this));
        }
    }

    /** What the cache needs from the interface. */
    interface Owner {
        /** Broadcasts an ARP request for {@code address}. */
        void sendArpRequest(int address);

        /** Sends a frame that waited, now that its next hop's MAC is known (Ethernet header not yet written). */
        void sendResolved(ByteBuf frame, long mac);

        /** Counts frames dropped because their next hop never answered. */
        void dropUnresolved(int frames);
    }

    private final EventLoop loop;
    private final InterfaceSettings settings;
    private final Owner owner;
    private final Map<Integer, Entry> entries = new HashMap<>();
    private final int capacity;
    private int waitingFrames;
    // The last binding used: nearly all traffic goes to one peer or the gateway, so this saves the map lookup.
    private int lastAddress;
    private long lastMac = -1;
    private long lastExpiresAt;

    ArpCache(EventLoop loop, InterfaceSettings settings, Owner owner) {
        this.loop = loop;
        this.settings = settings;
        this.owner = owner;
        this.capacity = settings.arpCacheSize();
    }

    /** Returns the MAC bound to {@code address}, or -1 if unknown or expired. */
    long lookup(int address) {
        long now = loop.now();
        if (lastMac >= 0 && address == lastAddress && now - lastExpiresAt < 0) {
            return lastMac;
        }
        Entry e = entries.get(address);
        if (e == null || e.mac < 0) {
            return -1;
        }
        if (now - e.expiresAt >= 0) {
            entries.remove(address);
            return -1;
        }
        lastAddress = address;
        lastMac = e.mac;
        lastExpiresAt = e.expiresAt;
        return e.mac;
    }

    /**
     * Queues {@code frame} until {@code address} resolves, starting the resolution if needed.
     * Returns false (and the caller drops the frame) when the waiting room is full.
     */
    boolean enqueue(int address, ByteBuf frame) {
        if (waitingFrames >= settings.arpQueueLimit()) {
            return false;
        }
        Entry e = entries.get(address);
        if (e == null) {
            if (entries.size() >= capacity && !evictOne()) {
                return false;
            }
            e = new Entry(address);
            entries.put(address, e);
        }
        if (e.mac >= 0) {
            // Expired binding: resolve again, keep using it meanwhile is not allowed (it may be stale).
            e.mac = -1;
        }
        e.waiting.add(frame);
        waitingFrames++;
        if (!e.retry.isScheduled()) {
            e.tries = 0;
            retry(e);
        }
        return true;
    }

    /**
     * Records that {@code address} is at {@code mac}. With {@code create} false this only refreshes
     * an existing entry (RFC 826's merge step, for packets not addressed to us). Frames waiting for
     * the address are sent. Returns whether an entry was created or updated.
     */
    boolean update(int address, long mac, boolean create) {
        Entry e = entries.get(address);
        if (e == null) {
            if (!create || (entries.size() >= capacity && !evictOne())) {
                return false;
            }
            e = new Entry(address);
            entries.put(address, e);
        }
        e.mac = mac;
        e.expiresAt = loop.now() + settings.arpEntryLifetime().toNanos();
        e.retry.cancel();
        if (address == lastAddress) {
            lastMac = -1;
        }
        ByteBuf frame;
        while ((frame = e.waiting.poll()) != null) {
            waitingFrames--;
            owner.sendResolved(frame, mac);
        }
        return true;
    }

    /** Returns the number of entries, resolved or pending. */
    int size() {
        return entries.size();
    }

    /** Forgets everything and releases the frames that were waiting. */
    void clear() {
        for (Entry e : entries.values()) {
            e.retry.cancel();
            e.waiting.forEach(ByteBuf::release);
        }
        entries.clear();
        waitingFrames = 0;
        lastMac = -1;
    }

    /** Applies {@code action} to each resolved address (for tests and diagnostics). */
    void forEachResolved(IntConsumer action) {
        entries.values().stream().filter(e -> e.mac >= 0).forEach(e -> action.accept(e.address));
    }

    private void retry(Entry e) {
        if (e.tries >= settings.arpRetries()) {
            entries.remove(e.address);
            int dropped = e.waiting.size();
            e.waiting.forEach(ByteBuf::release);
            e.waiting.clear();
            waitingFrames -= dropped;
            owner.dropUnresolved(dropped);
            return;
        }
        e.tries++;
        owner.sendArpRequest(e.address);
        e.retry.scheduleAfter(settings.arpRetryInterval());
    }

    /** Makes room by evicting the binding that expires first; pending resolutions are never evicted. */
    private boolean evictOne() {
        Entry oldest = null;
        for (Entry e : entries.values()) {
            if (e.mac >= 0 && e.waiting.isEmpty() && (oldest == null || e.expiresAt - oldest.expiresAt < 0)) {
                oldest = e;
            }
        }
        if (oldest == null) {
            return false;
        }
        entries.remove(oldest.address);
        if (oldest.address == lastAddress) {
            lastMac = -1;
        }
        return true;
    }
}
