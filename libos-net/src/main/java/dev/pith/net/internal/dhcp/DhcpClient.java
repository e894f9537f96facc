package dev.pith.net.internal.dhcp;

import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.core.Timer;
import dev.pith.net.DhcpLease;
import dev.pith.net.DropReason;
import dev.pith.net.Endpoint;
import dev.pith.net.Ipv4Address;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.udp.UdpLayer;
import dev.pith.net.udp.UdpSocket;
import dev.pith.net.wire.DhcpMessage;
import dev.pith.net.wire.DhcpOption;
import dev.pith.net.wire.DhcpRepr;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A DHCP client (RFC 2131) that configures one {@link Interface}: it discovers a server, requests
 * the offered address, checks with ARP that no other host uses it (RFC 5227 §2.1), configures the
 * interface, renews at T1 with the server that granted the lease, rebinds at T2 with any server,
 * and gives the address up when the lease expires.
 *
 * <pre>
 *   SELECTING   DHCPDISCOVER, broadcast, retransmitted after 1, 2, 4 ... 64 s (±jitter) until an OFFER
 *   REQUESTING  DHCPREQUEST for the offer, broadcast, up to 4 tries; then SELECTING again
 *   PROBING     ARP probes for the address (RFC 5227); a conflict: DHCPDECLINE, INIT for 10 s
 *   BOUND       the interface is configured; at T1:
 *   RENEWING    DHCPREQUEST unicast to the lease's server; at T2:
 *   REBINDING   DHCPREQUEST broadcast to any server; at expiry: deconfigure, SELECTING at once
 *   INIT        after a DHCPNAK (1 s, doubling) or a DHCPDECLINE (10 s): then SELECTING
 * </pre>
 *
 * <p>Replies are matched by transaction ID (random per exchange) and chaddr. A reply that is
 * malformed, is not ours, lacks a server identifier, comes from a server we are not talking to,
 * does not fit the state, grants an address that is not a usable unicast address, is an ACK
 * without a lease time, or, while renewing, acknowledges another address than ours, is counted as
 * {@link DropReason#DHCP_REJECTED} on the interface and otherwise ignored: nothing a server sends
 * throws. The client never sets the BROADCAST flag: an unconfigured {@link Interface} accepts UDP
 * to any address, so servers may unicast to the offered address (dnsmasq's default).
 *
 * <p>Departures from the RFCs, each for a fast boot or because the stack does without: no random
 * 1-10 s wait before the first DISCOVER (RFC 2131 §4.4.1); retransmissions start at 1 s, not 4 s,
 * and ARP conflict detection is shorter than RFC 5227's (see {@link DhcpSettings}); no INIT-REBOOT,
 * no DHCPINFORM; the first offer is taken; leases shorter than {@value #MIN_LEASE_SECONDS} s are
 * taken as that long (as dhcpcd does); after the lease is bound the address is not defended
 * (RFC 5227 §2.4). Without a subnet mask option the prefix is the address's class (A /8, B /16,
 * C /24), as ISC dhclient and dhcpcd do.
 *
 * <p>Runs on the event loop thread: call every method there (or before the loop starts).
 */
public final class DhcpClient {

    /** The client's states: RFC 2131 §4.4 figure 5's, with PROBING (RFC 5227 §2.1) before BOUND. */
    public enum State {
        /** Not started, or stopped. */
        STOPPED,
        /** Waiting before discovering again, after a DHCPNAK or a DHCPDECLINE. */
        INIT,
        /** DHCPDISCOVER sent, waiting for an offer. */
        SELECTING,
        /** DHCPREQUEST for an offer sent, waiting for the DHCPACK. */
        REQUESTING,
        /** Acknowledged: probing with ARP that no other host uses the address. */
        PROBING,
        /** The interface is configured; waiting for T1. */
        BOUND,
        /** Past T1: renewing with the server that granted the lease (unicast). */
        RENEWING,
        /** Past T2: asking any server to extend the lease (broadcast). */
        REBINDING
    }

    /**
     * DHCPREQUESTs sent in REQUESTING before discovery starts over (RFC 2131 §3.1 step 5: "after
     * employing the retransmission algorithm"): about 15 s with the default timing.
     */
    static final int REQUEST_TRIES = 4;
    /** Shortest wait between REQUESTs while renewing or rebinding (RFC 2131 §4.4.5). */
    static final Duration MIN_RENEWAL_RETRANSMISSION = Duration.ofSeconds(60);
    /** Shortest lease taken; a shorter one would keep the client renewing (dhcpcd's DHCP_MIN_LEASE). */
    static final long MIN_LEASE_SECONDS = 20;
    /** Conflicts in a row after which attempts are rate-limited (RFC 5227 §1.1 MAX_CONFLICTS). */
    static final int MAX_CONFLICTS = 10;
    /** The wait between attempts once rate-limited (RFC 5227 §1.1 RATE_LIMIT_INTERVAL). */
    static final Duration RATE_LIMIT_INTERVAL = Duration.ofSeconds(60);

    private static final List<Integer> PARAMETER_REQUEST_LIST = List.of(DhcpOption.SUBNET_MASK, DhcpOption.ROUTER,
            DhcpOption.DOMAIN_NAME_SERVER, DhcpOption.IP_ADDRESS_LEASE_TIME, DhcpOption.RENEWAL_TIME,
            DhcpOption.REBINDING_TIME);
    /** Hardware type of the client identifier (RFC 2132 §9.14, ARP hardware type 1: Ethernet). */
    private static final int ETHERNET = 1;
    private static final long SECOND = 1_000_000_000L;
    private static final System.Logger LOG = System.getLogger(DhcpClient.class.getName());

    private final EventLoop loop;
    private final Interface iface;
    private final UdpLayer udp;
    private final RandomSource random;
    private final DhcpSettings settings;
    private final long mac;
    /** Option 61: type 1 and the MAC, the same in every message (RFC 2131 §4.2). */
    private final List<Integer> clientIdentifier;
    /** Option 57: the largest message we take, an IP datagram of the MTU (at least 576, RFC 2132 §9.10). */
    private final int maximumMessageSize;
    /** Retransmissions, ARP probe steps, and the wait in INIT. */
    private final Timer exchangeTimer;
    /** T1, T2 and expiry, whichever is next for the state. */
    private final Timer leaseTimer;
    private final List<Consumer<DhcpLease>> listeners = new ArrayList<>(1);

    private State state = State.STOPPED;
    /** Bound to port 68 unless STOPPED. */
    private UdpSocket socket;
    /** Removes our ARP watcher; non-null from PROBING until discovery restarts, the lease is bound, or stop. */
    private Runnable arpWatch;
    /** The transaction ID of the exchange in progress; a reply must carry it. */
    private int xid;
    /** Clock reading when the exchange began, for the secs field. */
    private long exchangeStart;
    /** secs of the last DHCPDISCOVER, which the REQUESTs in REQUESTING repeat (RFC 2131 §4.4.1). */
    private int discoverSecs;
    /** Clock reading when the exchange's first DHCPREQUEST went out: the lease counts from it (RFC 2131 §4.4.1). */
    private long requestSentAt;
    /** The next retransmission wait in SELECTING and REQUESTING before jitter, in nanoseconds. */
    private long retransmission;
    /** DHCPREQUESTs sent in REQUESTING. */
    private int requestsSent;
    /** yiaddr of the offer taken. */
    private int offered;
    /** The server we talk to: of the offer taken in REQUESTING, of the lease from then on. */
    private int server;
    /** The lease under ARP probing. */
    private DhcpLease probing;
    private int probesSent;
    /** ARP conflicts since the last lease was bound. */
    private int conflicts;
    /** DHCPNAKs since the last lease was bound. */
    private int naks;
    /** The lease in use: non-null in BOUND, RENEWING and REBINDING only. */
    private DhcpLease lease;
    /** Clock readings of T1, T2 and the expiry of {@link #lease}; Long.MAX_VALUE for an infinite lease. */
    private long renewAt, rebindAt, expireAt;

    /**
     * Creates a stopped client for {@code iface}, which must be started and have {@code udp}
     * registered; the client binds UDP port 68 on {@link #start()}.
     */
    public DhcpClient(EventLoop loop, Interface iface, UdpLayer udp, RandomSource random, DhcpSettings settings) {
        this.loop = Objects.requireNonNull(loop, "loop == null");
        this.iface = Objects.requireNonNull(iface, "iface == null");
        this.udp = Objects.requireNonNull(udp, "udp == null");
        this.random = Objects.requireNonNull(random, "random == null");
        this.settings = Objects.requireNonNull(settings, "settings == null");
        this.mac = iface.mac().bits();
        List<Integer> identifier = new ArrayList<>(7);
        identifier.add(ETHERNET);
        for (int shift = 40; shift >= 0; shift -= 8) {
            identifier.add((int) (mac >>> shift) & 0xFF);
        }
        this.clientIdentifier = List.copyOf(identifier);
        this.maximumMessageSize = Math.clamp(iface.mtu(), DhcpRepr.MIN_MAXIMUM_MESSAGE_SIZE, 0xFFFF);
        this.exchangeTimer = loop.timer(this::exchangeTimeout);
        this.leaseTimer = loop.timer(this::leaseTimeout);
    }

    /**
     * Binds UDP port 68 and starts discovery with a DHCPDISCOVER at once.
     *
     * @throws IllegalStateException if the client runs already, or port 68 is taken
     */
    public void start() {
        if (state != State.STOPPED) {
            throw new IllegalStateException("DHCP client already started on " + iface + ": " + state);
        }
        socket = udp.bind(DhcpMessage.CLIENT_PORT, this::receive);
        discover();
    }

    /**
     * Stops the client. A lease in use is given back with a DHCPRELEASE (RFC 2131 §4.4.6; best
     * effort, never retransmitted) and the interface is deconfigured.
     */
    public void stop() {
        if (state == State.STOPPED) {
            return;
        }
        if (lease != null) {
            sendRelease();
            iface.deconfigure();
            lease = null;
        }
        exchangeTimer.cancel();
        leaseTimer.cancel();
        stopWatchingArp();
        probing = null;
        socket.close();
        socket = null;
        state = State.STOPPED;
    }

    /** Returns the lease in use: present in BOUND, RENEWING and REBINDING. */
    public Optional<DhcpLease> lease() {
        return Optional.ofNullable(lease);
    }

    /** Adds a listener called, on the loop, each time a lease is bound: the first one, and every renewal. */
    public void onBound(Consumer<DhcpLease> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener == null"));
    }

    /** Returns the state, for tests and diagnostics. */
    public State state() {
        return state;
    }

    // ------------------------------------------------------------------ transitions

    /** Enters SELECTING: a new exchange, and a DHCPDISCOVER now (RFC 2131 §4.4.1). */
    private void discover() {
        stopWatchingArp();
        state = State.SELECTING;
        newExchange();
        retransmission = settings.initialRetransmission().toNanos();
        sendDiscover();
        armBackoff();
    }

    /** Takes an offer (the first one: RFC 2131 §4.4.1 lets the client choose) and requests it. */
    private boolean select(DhcpRepr offer) {
        if (!isUsableUnicast(offer.yiaddr().bits(), prefixLength(offer))) {
            return false;
        }
        offered = offer.yiaddr().bits();
        server = offer.serverIdentifier().orElseThrow().bits();
        state = State.REQUESTING;
        retransmission = settings.initialRetransmission().toNanos();
        requestsSent = 0;
        requestSentAt = loop.now();
        sendSelectingRequest();
        armBackoff();
        return true;
    }

    /** The DHCPACK in REQUESTING: probe for the address, or bind it at once when probing is off. */
    private boolean acknowledged(DhcpRepr ack) {
        DhcpLease granted = leaseOf(ack);
        if (granted == null) {
            return false;
        }
        exchangeTimer.cancel();
        if (settings.arpProbes() == 0) {
            bind(granted);
            return true;
        }
        state = State.PROBING;
        probing = granted;
        probesSent = 0;
        if (arpWatch == null) {
            arpWatch = iface.watchArp(this::arpSeen);
        }
        probe();
        return true;
    }

    /** Sends the next ARP probe (RFC 5227 §2.1.1), or binds once the last one's wait passed quietly. */
    private void probe() {
        if (probesSent < settings.arpProbes()) {
            iface.sendArpProbe(probing.address().bits());
            probesSent++;
            exchangeTimer.scheduleAfter(probesSent < settings.arpProbes()
                    ? settings.arpProbeInterval() : settings.arpProbeWait());
            return;
        }
        DhcpLease granted = probing;
        probing = null;
        bind(granted);
    }

    /**
     * Watches ARP while PROBING. RFC 5227 §2.1.1: a packet from another host whose sender is the
     * address means it is in use; a probe for it from another host means someone else wants it.
     */
    private void arpSeen(int sender, long senderMac, int target) {
        if (state != State.PROBING || senderMac == mac) {
            return;
        }
        int address = probing.address().bits();
        if (sender == address || (sender == 0 && target == address)) {
            conflict();
        }
    }

    /**
     * Declines the address and waits before discovering again (RFC 2131 §3.1 step 5: at least
     * 10 s), a minute once conflicts keep coming (RFC 5227 §2.1.1). The ARP watcher stays until
     * then: it cannot be removed while the interface walks its watchers, and ignores all but PROBING.
     */
    private void conflict() {
        Ipv4Address address = probing.address();
        LOG.log(System.Logger.Level.WARNING, "DHCP: " + address + " offered by " + new Ipv4Address(server)
                + " is in use by another host on " + iface + "; declining it");
        sendDecline(address);
        probing = null;
        conflicts++;
        state = State.INIT;
        Duration wait = settings.declineWait();
        if (conflicts >= MAX_CONFLICTS && wait.compareTo(RATE_LIMIT_INTERVAL) < 0) {
            wait = RATE_LIMIT_INTERVAL;
        }
        exchangeTimer.scheduleAfter(wait);
    }

    /** Uses a granted lease: configures the interface if anything changed, arms T1, tells the listeners. */
    private void bind(DhcpLease granted) {
        stopWatchingArp();
        boolean changed = lease == null || !lease.address().equals(granted.address())
                || lease.prefixLength() != granted.prefixLength() || !lease.router().equals(granted.router())
                || !lease.dns().equals(granted.dns());
        lease = granted;
        server = granted.server().bits();
        renewAt = deadline(requestSentAt, granted.renewAfter(), granted);
        rebindAt = deadline(requestSentAt, granted.rebindAfter(), granted);
        expireAt = deadline(requestSentAt, granted.leaseTime(), granted);
        state = State.BOUND;
        conflicts = 0;
        naks = 0;
        exchangeTimer.cancel();
        if (changed) {
            iface.configure(granted.address(), granted.prefixLength(), granted.router().orElse(null), granted.dns());
        }
        armLeaseTimer();
        LOG.log(System.Logger.Level.DEBUG, () -> "DHCP: bound " + granted + " on " + iface);
        for (Consumer<DhcpLease> listener : List.copyOf(listeners)) {
            try {
                listener.accept(granted);
            } catch (RuntimeException e) {
                // The application's bug: the lease is in use all the same.
                LOG.log(System.Logger.Level.WARNING, "DHCP lease listener failed", e);
            }
        }
    }

    /** A DHCPACK while RENEWING or REBINDING extends the lease; one for another address is not a renewal of ours. */
    private boolean renewed(DhcpRepr ack) {
        if (ack.yiaddr().bits() != lease.address().bits()) {
            return false;
        }
        DhcpLease granted = leaseOf(ack);
        if (granted == null) {
            return false;
        }
        bind(granted);
        return true;
    }

    /**
     * A DHCPNAK: stop using the address at once and start over (RFC 2131 §3.1 step 5, §4.4.5),
     * after {@code nakWait}, doubled for each NAK in a row.
     */
    private boolean refused() {
        if (lease != null) {
            iface.deconfigure();
            lease = null;
        }
        leaseTimer.cancel();
        state = State.INIT;
        long wait = settings.nakWait().toNanos();
        long max = Math.max(wait, settings.maxRetransmission().toNanos());
        for (int i = 0; i < naks && wait < max; i++) {
            wait = Math.min(wait * 2, max);
        }
        naks++;
        exchangeTimer.scheduleAfterNanos(wait);
        return true;
    }

    private void enterRenewing() {
        state = State.RENEWING;
        newExchange();
        requestSentAt = exchangeStart;
        sendRenewal(lease.server());
        armRenewalRetransmission(rebindAt);
    }

    private void enterRebinding() {
        state = State.REBINDING;
        newExchange();
        requestSentAt = exchangeStart;
        sendRenewal(Ipv4Address.BROADCAST);
        armRenewalRetransmission(expireAt);
    }

    /** The lease ran out: RFC 2131 §4.4.5 "MUST immediately stop ... and requests network initialization parameters". */
    private void expire() {
        LOG.log(System.Logger.Level.WARNING, "DHCP: lease of " + lease.address() + " expired on " + iface);
        iface.deconfigure();
        lease = null;
        leaseTimer.cancel();
        discover();
    }

    // ------------------------------------------------------------------ timers

    private void exchangeTimeout() {
        switch (state) {
            case INIT -> discover();
            case SELECTING -> {
                sendDiscover();
                armBackoff();
            }
            case REQUESTING -> {
                if (requestsSent >= REQUEST_TRIES) {
                    discover();
                } else {
                    sendSelectingRequest();
                    armBackoff();
                }
            }
            case PROBING -> probe();
            case RENEWING -> {
                sendRenewal(lease.server());
                armRenewalRetransmission(rebindAt);
            }
            case REBINDING -> {
                sendRenewal(Ipv4Address.BROADCAST);
                armRenewalRetransmission(expireAt);
            }
            case STOPPED, BOUND -> {
                // Nothing is being exchanged.
            }
        }
    }

    private void leaseTimeout() {
        long now = loop.now();
        if (state == State.BOUND && now >= renewAt) {
            enterRenewing();
        }
        if (state == State.RENEWING && now >= rebindAt) {
            enterRebinding();
        }
        if (state == State.REBINDING && now >= expireAt) {
            expire();
            return;
        }
        armLeaseTimer();
    }

    private void armLeaseTimer() {
        long deadline = switch (state) {
            case BOUND -> renewAt;
            case RENEWING -> rebindAt;
            case REBINDING -> expireAt;
            default -> Long.MAX_VALUE;
        };
        if (deadline == Long.MAX_VALUE) {
            leaseTimer.cancel();
        } else {
            leaseTimer.schedule(deadline);
        }
    }

    /**
     * Arms the next retransmission of SELECTING or REQUESTING: the wait doubles up to the
     * maximum, moved by a uniform random jitter (RFC 2131 §4.1).
     */
    private void armBackoff() {
        long wait = retransmission;
        long bound = Math.min(settings.retransmissionJitter().toNanos(), wait / 2);
        long jitter = bound == 0 ? 0 : Math.floorMod(random.nextLong(), 2 * bound + 1) - bound;
        exchangeTimer.scheduleAfterNanos(wait + jitter);
        retransmission = Math.min(wait * 2, settings.maxRetransmission().toNanos());
    }

    /**
     * RFC 2131 §4.4.5: retransmit after half the time left until {@code limit} (T2, or the
     * expiry), but at least 60 s; when that is past the limit, the limit's own transition sends next.
     */
    private void armRenewalRetransmission(long limit) {
        long now = loop.now();
        long wait = Math.max(MIN_RENEWAL_RETRANSMISSION.toNanos(), (limit - now) / 2);
        if (limit - now > wait) {
            exchangeTimer.schedule(now + wait);
        } else {
            exchangeTimer.cancel();
        }
    }

    private static long deadline(long start, Duration after, DhcpLease lease) {
        if (lease.isInfinite()) {
            return Long.MAX_VALUE; // RFC 2131 §3.3: all ones is infinity; T1 and T2 never come either
        }
        long deadline = start + after.toNanos(); // under 2^32 s, but a clock reading may be large
        return deadline < start ? Long.MAX_VALUE : deadline;
    }

    private void newExchange() {
        xid = random.nextInt();
        exchangeStart = loop.now();
    }

    private void stopWatchingArp() {
        if (arpWatch != null) {
            arpWatch.run();
            arpWatch = null;
        }
    }

    // ------------------------------------------------------------------ receive

    private void receive(UdpSocket from, Endpoint source, ByteBuf payload) {
        if (!take(payload)) {
            iface.countDrop(DropReason.DHCP_REJECTED);
        }
    }

    /** Returns whether a message to port 68 was one we wanted; it is read in place and not kept. */
    private boolean take(ByteBuf payload) {
        DhcpMessage message = DhcpMessage.unchecked(payload, payload.readerIndex(), payload.readableBytes());
        if (message.checkLength() != null || message.op() != DhcpMessage.BOOTREPLY || message.xid() != xid
                || message.chaddr() != mac) {
            return false;
        }
        DhcpRepr reply = DhcpRepr.parse(message);
        if (reply == null || reply.serverIdentifier().isEmpty()) {
            return false; // RFC 2131 §4.3.1 table 3: OFFER, ACK and NAK MUST carry the server identifier
        }
        boolean ourServer = reply.serverIdentifier().get().bits() == server;
        int type = reply.messageType();
        return switch (state) {
            case SELECTING -> type == DhcpRepr.OFFER && select(reply);
            case REQUESTING -> ourServer && (type == DhcpRepr.ACK ? acknowledged(reply)
                    : type == DhcpRepr.NAK && refused());
            // RENEWING asks the server of the lease; REBINDING asks all (RFC 2131 §4.4.5).
            case RENEWING, REBINDING -> (ourServer || state == State.REBINDING)
                    && (type == DhcpRepr.ACK ? renewed(reply) : type == DhcpRepr.NAK && refused());
            case STOPPED, INIT, PROBING, BOUND -> false; // no exchange open: a late or duplicated reply
        };
    }

    /**
     * Returns the lease an ACK grants, or null if it has no lease time (RFC 2131 table 3: MUST) or
     * its address is not usable. T1 and T2 come from options 58 and 59 when they fit inside the
     * lease, else they are 1/2 and 7/8 of it (RFC 2131 §4.4.5); T1 never comes after T2.
     */
    private static DhcpLease leaseOf(DhcpRepr ack) {
        long seconds = ack.leaseTimeSeconds();
        int prefixLength = prefixLength(ack);
        if (seconds < 0 || !isUsableUnicast(ack.yiaddr().bits(), prefixLength)) {
            return null;
        }
        Duration leaseTime, renewAfter, rebindAfter;
        if (seconds == DhcpRepr.INFINITE_LEASE) {
            leaseTime = renewAfter = rebindAfter = DhcpLease.INFINITE;
        } else {
            seconds = Math.max(seconds, MIN_LEASE_SECONDS);
            leaseTime = Duration.ofSeconds(seconds);
            long t2 = ack.rebindingTimeSeconds();
            long t1 = ack.renewalTimeSeconds();
            rebindAfter = t2 > 0 && t2 < seconds ? Duration.ofSeconds(t2) : leaseTime.multipliedBy(7).dividedBy(8);
            renewAfter = t1 > 0 && t1 < seconds ? Duration.ofSeconds(t1) : leaseTime.dividedBy(2);
            if (renewAfter.compareTo(rebindAfter) > 0) {
                renewAfter = rebindAfter;
            }
        }
        Optional<Ipv4Address> router = ack.router().filter(r -> !r.isAny());
        return new DhcpLease(ack.yiaddr(), prefixLength, router, ack.dnsServers(), ack.serverIdentifier().orElseThrow(),
                leaseTime, renewAfter, rebindAfter);
    }

    /**
     * Returns the prefix length of option 1, or, when it is absent or not a contiguous mask, the
     * class's natural one (RFC 791 §3.2: A /8, B /16, C /24), as ISC dhclient and dhcpcd do.
     */
    static int prefixLength(DhcpRepr reply) {
        if (reply.subnetMask().isPresent()) {
            int mask = reply.subnetMask().get().bits();
            int length = Integer.bitCount(mask);
            if (length > 0 && mask == Ipv4Address.mask(length)) {
                return length;
            }
        }
        int first = reply.yiaddr().bits() >>> 24;
        return first < 128 ? 8 : first < 192 ? 16 : 24;
    }

    /**
     * Returns whether a host may use {@code address} on a /{@code prefixLength}: not 0.0.0.0/8
     * ("this network"), loopback, multicast, class E or broadcast (RFC 1122 §3.2.1.3, RFC 6890), nor
     * the subnet's network or broadcast address (none on a /31 or /32, RFC 3021).
     */
    static boolean isUsableUnicast(int address, int prefixLength) {
        int first = address >>> 24;
        if (first == 0 || first == 127 || first >= 224) {
            return false;
        }
        if (prefixLength > 30) {
            return true;
        }
        int host = address & ~Ipv4Address.mask(prefixLength);
        return host != 0 && host != ~Ipv4Address.mask(prefixLength);
    }

    // ------------------------------------------------------------------ send

    /** DHCPDISCOVER, broadcast (RFC 2131 §4.4.1, table 5). */
    private void sendDiscover() {
        discoverSecs = secs();
        send(withParameters(DhcpRepr.builder(DhcpRepr.DISCOVER, xid, mac), discoverSecs).build(), Ipv4Address.BROADCAST);
    }

    /**
     * DHCPREQUEST in REQUESTING: the offer's address and server, ciaddr 0, broadcast so that the
     * other servers learn their offers were declined, and the DISCOVER's secs (§4.4.1).
     */
    private void sendSelectingRequest() {
        requestsSent++;
        send(withParameters(DhcpRepr.builder(DhcpRepr.REQUEST, xid, mac), discoverSecs)
                .requestedAddress(new Ipv4Address(offered))
                .serverIdentifier(new Ipv4Address(server))
                .build(), Ipv4Address.BROADCAST);
    }

    /** DHCPREQUEST in RENEWING (to the server) or REBINDING (broadcast): ciaddr set, no options 50 and 54 (§4.3.2). */
    private void sendRenewal(Ipv4Address destination) {
        send(withParameters(DhcpRepr.builder(DhcpRepr.REQUEST, xid, mac), secs())
                .ciaddr(lease.address())
                .build(), destination);
    }

    /** DHCPDECLINE, broadcast: only options 50, 54 and 61 (table 5). */
    private void sendDecline(Ipv4Address address) {
        send(DhcpRepr.builder(DhcpRepr.DECLINE, xid, mac)
                .requestedAddress(address)
                .serverIdentifier(new Ipv4Address(server))
                .clientIdentifier(clientIdentifier)
                .build(), Ipv4Address.BROADCAST);
    }

    /** DHCPRELEASE, unicast to the server from the leased address: ciaddr, options 54 and 61 (§4.4.6, table 5). */
    private void sendRelease() {
        xid = random.nextInt();
        send(DhcpRepr.builder(DhcpRepr.RELEASE, xid, mac)
                .ciaddr(lease.address())
                .serverIdentifier(lease.server())
                .clientIdentifier(clientIdentifier)
                .build(), lease.server());
    }

    /** Adds what DISCOVER and REQUEST carry: secs, client identifier, host name, maximum size, parameter list. */
    private DhcpRepr.Builder withParameters(DhcpRepr.Builder message, int secs) {
        message.secs(secs)
                .clientIdentifier(clientIdentifier)
                .maximumMessageSize(maximumMessageSize)
                .parameterRequestList(PARAMETER_REQUEST_LIST);
        settings.hostName().ifPresent(message::hostName);
        return message;
    }

    /** Returns the seconds since the exchange began, for the secs field. */
    private int secs() {
        return (int) Math.min((loop.now() - exchangeStart) / SECOND, 0xFFFF);
    }

    /** Sends one message to port 67; a send the stack drops (counted there) is covered by retransmission. */
    private void send(DhcpRepr message, Ipv4Address destination) {
        int length = message.bufferLength();
        ByteBuf buf = Unpooled.buffer(length, length);
        try {
            buf.writerIndex(length);
            message.emit(DhcpMessage.unchecked(buf, 0, length));
            socket.send(new Endpoint(destination, DhcpMessage.SERVER_PORT), buf);
        } finally {
            buf.release();
        }
    }

    @Override
    public String toString() {
        return "DhcpClient[" + iface + ", " + state + (lease == null ? "" : ", " + lease.address()) + "]";
    }
}
