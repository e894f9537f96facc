package dev.pith.net.internal.iface;

import dev.pith.core.EventLoop;
import dev.pith.core.Timer;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.wire.Ipv4Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * IPv4 fragment reassembly (RFC 791 §3.2, RFC 815), bounded in datagrams, bytes and time.
 *
 * <p>Strict by design: a fragment that overlaps data already received is refused and the whole
 * datagram discarded (as RFC 5722 requires for IPv6, closing the overlap attacks on IPv4 too);
 * only an exact duplicate of a received fragment is tolerated, since networks duplicate packets.
 * A datagram that would exceed 65535 bytes, a middle fragment whose length is not a multiple of
 * eight, and a second, different last fragment are refused likewise. When every slot or the byte
 * budget is in use, new datagrams are refused rather than old ones evicted, so a flood of bogus
 * first fragments cannot flush legitimate ones; they time out instead.
 */
final class Reassembler {

    /** Largest IPv4 payload: 65535 minus a minimal header. */
    static final int MAX_PAYLOAD = 65535 - 20;
    /** Most disjoint ranges tracked per datagram; more fragmented than this, it is refused. */
    static final int MAX_RANGES = 64;

    enum Outcome { HELD, COMPLETE, REFUSED }

    private final class Datagram {
        int source, destination, identification, protocol;
        ByteBuf data;
        final byte[] header = new byte[20];
        boolean haveHeader;
        final int[] starts = new int[MAX_RANGES];
        final int[] ends = new int[MAX_RANGES];
        int ranges;
        int payloadLength = -1;
        boolean inUse;
        final Timer timeout = loop.timer(() -> expire(this));

        boolean matches(int src, int dst, int id, int proto) {
            return inUse && source == src && destination == dst && identification == id && protocol == proto;
        }
    }

    private final EventLoop loop;
    private final InterfaceSettings settings;
    private final Runnable onTimeout;
    private final Datagram[] slots;
    private int bytesHeld;
    private ByteBuf completed;

    Reassembler(EventLoop loop, InterfaceSettings settings, Runnable onTimeout) {
        this.loop = loop;
        this.settings = settings;
        this.onTimeout = onTimeout;
        this.slots = new Datagram[settings.reassemblyDatagrams()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Datagram();
        }
    }

    /**
     * Adds the fragment {@code ip}. On {@link Outcome#COMPLETE}, {@link #takeCompleted()} returns
     * the whole datagram, with a fresh 20-byte header, owned by the caller.
     */
    Outcome add(Ipv4Packet ip) {
        int offset = ip.fragmentOffset();
        int length = ip.payloadLength();
        boolean last = !ip.moreFragments();
        int end = offset + length;
        if (end > MAX_PAYLOAD || (!last && (length == 0 || length % 8 != 0))) {
            return Outcome.REFUSED;
        }
        Datagram d = find(ip);
        if (d == null) {
            d = claim(ip);
            if (d == null) {
                return Outcome.REFUSED;
            }
        }
        if (last) {
            if ((d.payloadLength >= 0 && d.payloadLength != end) || (d.ranges > 0 && d.ends[d.ranges - 1] > end)) {
                discard(d);
                return Outcome.REFUSED;
            }
            d.payloadLength = end;
        } else if (d.payloadLength >= 0 && end > d.payloadLength) {
            discard(d);
            return Outcome.REFUSED;
        }
        switch (insert(d, offset, end)) {
            case -1 -> {
                discard(d);
                return Outcome.REFUSED;
            }
            case 0 -> {
                return Outcome.HELD; // an exact duplicate
            }
            default -> { }
        }
        if (!grow(d, end)) {
            discard(d);
            return Outcome.REFUSED;
        }
        d.data.setBytes(offset, ip.buffer(), ip.payloadOffset(), length);
        if (offset == 0) {
            ip.buffer().getBytes(ip.offset(), d.header, 0, 20);
            d.haveHeader = true;
        }
        if (d.payloadLength >= 0 && d.ranges == 1 && d.starts[0] == 0 && d.ends[0] == d.payloadLength && d.haveHeader) {
            completed = assemble(d);
            discard(d);
            return Outcome.COMPLETE;
        }
        return Outcome.HELD;
    }

    /** Returns the datagram the last {@link #add} completed; the caller releases it. */
    ByteBuf takeCompleted() {
        ByteBuf c = completed;
        completed = null;
        return c;
    }

    /** Returns the number of datagrams being reassembled. */
    int inProgress() {
        int n = 0;
        for (Datagram d : slots) {
            if (d.inUse) {
                n++;
            }
        }
        return n;
    }

    /** Drops every datagram in progress. */
    void clear() {
        for (Datagram d : slots) {
            if (d.inUse) {
                discard(d);
            }
        }
    }

    private Datagram find(Ipv4Packet ip) {
        int src = ip.sourceBits(), dst = ip.destinationBits(), id = ip.identification(), proto = ip.protocol();
        for (Datagram d : slots) {
            if (d.matches(src, dst, id, proto)) {
                return d;
            }
        }
        return null;
    }

    private Datagram claim(Ipv4Packet ip) {
        for (Datagram d : slots) {
            if (!d.inUse) {
                d.inUse = true;
                d.source = ip.sourceBits();
                d.destination = ip.destinationBits();
                d.identification = ip.identification();
                d.protocol = ip.protocol();
                d.ranges = 0;
                d.payloadLength = -1;
                d.haveHeader = false;
                d.timeout.scheduleAfter(settings.reassemblyTimeout());
                return d;
            }
        }
        return null;
    }

    /**
     * Records [start, end) in the sorted, disjoint ranges, merging neighbours. Returns 1 when new,
     * 0 when it lies wholly inside data already received (a duplicate: merged ranges no longer
     * show fragment boundaries, and its bytes are not compared), -1 for a partial overlap — what
     * overlap attacks use — or too many ranges.
     */
    private static int insert(Datagram d, int start, int end) {
        for (int j = 0; j < d.ranges; j++) {
            if (d.starts[j] < end && start < d.ends[j]) {
                return d.starts[j] <= start && end <= d.ends[j] ? 0 : -1;
            }
        }
        int i = 0;
        while (i < d.ranges && d.starts[i] < start) {
            i++;
        }
        boolean joinLeft = i > 0 && d.ends[i - 1] == start;
        boolean joinRight = i < d.ranges && d.starts[i] == end;
        if (joinLeft && joinRight) {
            d.ends[i - 1] = d.ends[i];
            System.arraycopy(d.starts, i + 1, d.starts, i, d.ranges - i - 1);
            System.arraycopy(d.ends, i + 1, d.ends, i, d.ranges - i - 1);
            d.ranges--;
        } else if (joinLeft) {
            d.ends[i - 1] = end;
        } else if (joinRight) {
            d.starts[i] = start;
        } else {
            if (d.ranges == MAX_RANGES) {
                return -1;
            }
            System.arraycopy(d.starts, i, d.starts, i + 1, d.ranges - i);
            System.arraycopy(d.ends, i, d.ends, i + 1, d.ranges - i);
            d.starts[i] = start;
            d.ends[i] = end;
            d.ranges++;
        }
        return 1;
    }

    private boolean grow(Datagram d, int end) {
        int capacity = d.data == null ? 0 : d.data.capacity();
        if (end <= capacity) {
            return true;
        }
        int wanted = Math.min(MAX_PAYLOAD, Math.max(end, Math.max(2048, capacity * 2)));
        if (bytesHeld - capacity + wanted > settings.reassemblyBytes()) {
            return false;
        }
        if (d.data == null) {
            d.data = Unpooled.buffer(wanted, MAX_PAYLOAD);
        } else {
            d.data.capacity(wanted);
        }
        bytesHeld += wanted - capacity;
        return true;
    }

    private ByteBuf assemble(Datagram d) {
        ByteBuf out = Unpooled.buffer(20 + d.payloadLength);
        out.writeBytes(d.header);
        out.writeBytes(d.data, 0, d.payloadLength);
        Ipv4Packet header = Ipv4Packet.unchecked(out, 0, out.readableBytes());
        header.setHeaderLength(20);
        header.setTotalLength(20 + d.payloadLength);
        header.setFragment(false, false, 0);
        header.fillChecksum();
        return out;
    }

    private void expire(Datagram d) {
        discard(d);
        onTimeout.run();
    }

    private void discard(Datagram d) {
        d.timeout.cancel();
        d.inUse = false;
        if (d.data != null) {
            bytesHeld -= d.data.capacity();
            d.data.release();
            d.data = null;
        }
    }
}
