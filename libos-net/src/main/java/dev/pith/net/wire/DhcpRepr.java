package dev.pith.net.wire;

import dev.pith.net.Ipv4Address;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A DHCP message as client and server use it (RFC 2131, options from RFC 2132). Absent options
 * read as {@code Optional.empty()} for objects, -1 for numbers and an empty list for lists; build
 * one with {@link #builder}. Options are parsed strictly: a bad length, a repeated option, a
 * missing End or Option Overload (52) refuse the whole message. Unknown options are skipped.
 *
 * <p>Emission writes op from the message type (BOOTREPLY for OFFER, ACK, NAK), htype Ethernet,
 * hops 0, chaddr padded with zeros, sname and file zeroed, then options in this order: 53, 54,
 * 50, 51, 58, 59, 1, 3, 6, 12, 61, 57, 55, End, and Pad up to 300 bytes (RFC 1542 §2.1), as
 * ISC dhclient lays out a DISCOVER.
 *
 * @param messageType option 53, {@link #DISCOVER} to {@link #INFORM}
 * @param xid the transaction ID
 * @param secs seconds since the client began acquiring or renewing
 * @param broadcast the broadcast flag: the client cannot receive unicast before it is configured
 * @param ciaddr the client's current address, or 0.0.0.0
 * @param yiaddr the address a server offers or grants, or 0.0.0.0
 * @param siaddr the next bootstrap server, or 0.0.0.0
 * @param giaddr the relay agent, or 0.0.0.0
 * @param chaddr the client's MAC address as bits
 * @param serverIdentifier option 54, the server's address
 * @param requestedAddress option 50, the address a client asks for
 * @param leaseTimeSeconds option 51, unsigned 32 bits ({@link #INFINITE_LEASE} never expires), or -1
 * @param renewalTimeSeconds option 58 (T1), or -1
 * @param rebindingTimeSeconds option 59 (T2), or -1
 * @param subnetMask option 1
 * @param router option 3, the first (preferred) router
 * @param dnsServers option 6, up to 4 servers in order of preference
 * @param parameterRequestList option 55, option codes 0..255
 * @param clientIdentifier option 61, octets 0..255: a type, then the identifier (RFC 2132 §9.14)
 * @param maximumMessageSize option 57, 576..65535, or -1
 * @param hostName option 12, printable ASCII
 */
public record DhcpRepr(int messageType, int xid, int secs, boolean broadcast, Ipv4Address ciaddr,
        Ipv4Address yiaddr, Ipv4Address siaddr, Ipv4Address giaddr, long chaddr,
        Optional<Ipv4Address> serverIdentifier, Optional<Ipv4Address> requestedAddress, long leaseTimeSeconds,
        long renewalTimeSeconds, long rebindingTimeSeconds, Optional<Ipv4Address> subnetMask,
        Optional<Ipv4Address> router, List<Ipv4Address> dnsServers, List<Integer> parameterRequestList,
        List<Integer> clientIdentifier, int maximumMessageSize, Optional<String> hostName) {

    /** Message type (option 53, RFC 2132 §9.6): client looking for servers. */
    public static final int DISCOVER = 1;
    /** Message type: server offering an address. */
    public static final int OFFER = 2;
    /** Message type: client asking for the offered address, or renewing. */
    public static final int REQUEST = 3;
    /** Message type: client saying the address is already in use. */
    public static final int DECLINE = 4;
    /** Message type: server granting the lease. */
    public static final int ACK = 5;
    /** Message type: server refusing the request. */
    public static final int NAK = 6;
    /** Message type: client giving the address back. */
    public static final int RELEASE = 7;
    /** Message type: client asking for configuration only. */
    public static final int INFORM = 8;

    /** A lease time of all ones: the lease never expires (RFC 2131 §3.3). */
    public static final long INFINITE_LEASE = 0xFFFF_FFFFL;
    /** Most DNS servers kept from option 6. */
    public static final int MAX_DNS_SERVERS = 4;
    /** Smallest legal maximum message size (RFC 2132 §9.10). */
    public static final int MIN_MAXIMUM_MESSAGE_SIZE = 576;

    public DhcpRepr {
        if (messageType < DISCOVER || messageType > INFORM) {
            throw new IllegalArgumentException("messageType must be 1..8: " + messageType);
        }
        if ((secs & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("secs must be 0..65535: " + secs);
        }
        Objects.requireNonNull(ciaddr, "ciaddr == null");
        Objects.requireNonNull(yiaddr, "yiaddr == null");
        Objects.requireNonNull(siaddr, "siaddr == null");
        Objects.requireNonNull(giaddr, "giaddr == null");
        if ((chaddr & ~0xFFFF_FFFF_FFFFL) != 0) {
            throw new IllegalArgumentException("chaddr is a 48-bit MAC address: 0x" + Long.toHexString(chaddr));
        }
        Objects.requireNonNull(serverIdentifier, "serverIdentifier == null");
        Objects.requireNonNull(requestedAddress, "requestedAddress == null");
        Objects.requireNonNull(subnetMask, "subnetMask == null");
        Objects.requireNonNull(router, "router == null");
        Objects.requireNonNull(hostName, "hostName == null");
        checkSeconds("leaseTimeSeconds", leaseTimeSeconds);
        checkSeconds("renewalTimeSeconds", renewalTimeSeconds);
        checkSeconds("rebindingTimeSeconds", rebindingTimeSeconds);
        dnsServers = List.copyOf(dnsServers);
        if (dnsServers.size() > MAX_DNS_SERVERS) {
            throw new IllegalArgumentException("at most 4 dnsServers: " + dnsServers);
        }
        parameterRequestList = checkOctets("parameterRequestList", parameterRequestList, 0);
        clientIdentifier = checkOctets("clientIdentifier", clientIdentifier, 2);
        if (maximumMessageSize != -1
                && (maximumMessageSize < MIN_MAXIMUM_MESSAGE_SIZE || maximumMessageSize > 0xFFFF)) {
            throw new IllegalArgumentException("maximumMessageSize must be -1 or 576..65535: " + maximumMessageSize);
        }
        if (hostName.isPresent() && !isHostName(hostName.get())) {
            throw new IllegalArgumentException("hostName must be 1..255 printable ASCII characters: " + hostName.get());
        }
    }

    /** Returns a builder for a message with every option absent and every address 0.0.0.0. */
    public static Builder builder(int messageType, int xid, long chaddr) {
        return new Builder(messageType, xid, chaddr);
    }

    /** Returns a builder holding this message, to change some of it. */
    public Builder newBuilder() {
        return new Builder(this);
    }

    /** Returns op: {@link DhcpMessage#BOOTREPLY} for OFFER, ACK and NAK, else {@link DhcpMessage#BOOTREQUEST}. */
    public int op() {
        return opOf(messageType);
    }

    /**
     * Parses a checked message; returns null, counted as {@link dev.pith.net.DropReason#DHCP_REJECTED},
     * unless it has Ethernet htype and hlen, the magic cookie, an op that fits its message type, and
     * well-formed options ending in End with a message type and no overload. Whether it belongs to
     * our transaction is the caller's to check.
     */
    public static DhcpRepr parse(DhcpMessage message) {
        if (message.htype() != DhcpMessage.HTYPE_ETHERNET || message.hlen() != 6
                || message.magicCookie() != DhcpMessage.MAGIC_COOKIE) {
            return null;
        }
        Builder builder = new Builder(0, message.xid(), message.chaddr());
        DhcpOptionReader options = new DhcpOptionReader(message.buffer(), builder);
        if (!options.read(message.optionsOffset(), message.optionsLength())) {
            return null;
        }
        int messageType = options.messageType();
        if (messageType < DISCOVER || messageType > INFORM
                || message.op() != opOf(messageType)) {
            return null;
        }
        // Every value the reader accepted is one build() accepts, so parsing never throws.
        return builder.messageType(messageType)
                .secs(message.secs())
                .broadcast(message.broadcast())
                .ciaddr(new Ipv4Address(message.ciaddrBits()))
                .yiaddr(new Ipv4Address(message.yiaddrBits()))
                .siaddr(new Ipv4Address(message.siaddrBits()))
                .giaddr(new Ipv4Address(message.giaddrBits()))
                .build();
    }

    /** Returns the message's length: 240 bytes, the options and End, padded to 300. */
    public int bufferLength() {
        int options = 3; // message type
        options += serverIdentifier.isPresent() ? 6 : 0;
        options += requestedAddress.isPresent() ? 6 : 0;
        options += leaseTimeSeconds >= 0 ? 6 : 0;
        options += renewalTimeSeconds >= 0 ? 6 : 0;
        options += rebindingTimeSeconds >= 0 ? 6 : 0;
        options += subnetMask.isPresent() ? 6 : 0;
        options += router.isPresent() ? 6 : 0;
        options += dnsServers.isEmpty() ? 0 : 2 + 4 * dnsServers.size();
        options += hostName.map(name -> 2 + name.length()).orElse(0);
        options += clientIdentifier.isEmpty() ? 0 : 2 + clientIdentifier.size();
        options += maximumMessageSize >= 0 ? 4 : 0;
        options += parameterRequestList.isEmpty() ? 0 : 2 + parameterRequestList.size();
        return Math.max(DhcpMessage.MIN_LENGTH, DhcpMessage.HEADER_LENGTH + options + 1);
    }

    /** Writes this message into a view of exactly {@link #bufferLength()} bytes. */
    public void emit(DhcpMessage message) {
        message.setOp(op());
        message.setHtype(DhcpMessage.HTYPE_ETHERNET);
        message.setHlen(6);
        message.setHops(0);
        message.setXid(xid);
        message.setSecs(secs);
        message.setFlags(broadcast ? DhcpMessage.FLAG_BROADCAST : 0);
        message.setCiaddrBits(ciaddr.bits());
        message.setYiaddrBits(yiaddr.bits());
        message.setSiaddrBits(siaddr.bits());
        message.setGiaddrBits(giaddr.bits());
        message.setChaddr(chaddr);
        message.clearSnameAndFile();
        message.setMagicCookie(DhcpMessage.MAGIC_COOKIE);
        ByteBuf buf = message.buffer();
        int i = message.optionsOffset();
        buf.setByte(i, DhcpOption.MESSAGE_TYPE);
        buf.setByte(i + 1, 1);
        buf.setByte(i + 2, messageType);
        i += 3;
        i = putAddress(buf, i, DhcpOption.SERVER_IDENTIFIER, serverIdentifier);
        i = putAddress(buf, i, DhcpOption.REQUESTED_IP_ADDRESS, requestedAddress);
        i = putSeconds(buf, i, DhcpOption.IP_ADDRESS_LEASE_TIME, leaseTimeSeconds);
        i = putSeconds(buf, i, DhcpOption.RENEWAL_TIME, renewalTimeSeconds);
        i = putSeconds(buf, i, DhcpOption.REBINDING_TIME, rebindingTimeSeconds);
        i = putAddress(buf, i, DhcpOption.SUBNET_MASK, subnetMask);
        i = putAddress(buf, i, DhcpOption.ROUTER, router);
        if (!dnsServers.isEmpty()) {
            buf.setByte(i, DhcpOption.DOMAIN_NAME_SERVER);
            buf.setByte(i + 1, 4 * dnsServers.size());
            i += 2;
            for (Ipv4Address server : dnsServers) {
                buf.setInt(i, server.bits());
                i += 4;
            }
        }
        if (hostName.isPresent()) {
            byte[] name = hostName.get().getBytes(StandardCharsets.US_ASCII);
            buf.setByte(i, DhcpOption.HOST_NAME);
            buf.setByte(i + 1, name.length);
            buf.setBytes(i + 2, name);
            i += 2 + name.length;
        }
        i = putOctets(buf, i, DhcpOption.CLIENT_IDENTIFIER, clientIdentifier);
        if (maximumMessageSize >= 0) {
            buf.setByte(i, DhcpOption.MAXIMUM_MESSAGE_SIZE);
            buf.setByte(i + 1, 2);
            buf.setShort(i + 2, maximumMessageSize);
            i += 4;
        }
        i = putOctets(buf, i, DhcpOption.PARAMETER_REQUEST_LIST, parameterRequestList);
        buf.setByte(i++, DhcpOption.END);
        buf.setZero(i, message.offset() + bufferLength() - i); // Pad options (RFC 2132 §3.1)
    }

    private static int opOf(int messageType) {
        return switch (messageType) {
            case OFFER, ACK, NAK -> DhcpMessage.BOOTREPLY;
            default -> DhcpMessage.BOOTREQUEST;
        };
    }

    private static int putAddress(ByteBuf buf, int i, int code, Optional<Ipv4Address> address) {
        if (address.isEmpty()) {
            return i;
        }
        buf.setByte(i, code);
        buf.setByte(i + 1, 4);
        buf.setInt(i + 2, address.get().bits());
        return i + 6;
    }

    private static int putSeconds(ByteBuf buf, int i, int code, long seconds) {
        if (seconds < 0) {
            return i;
        }
        buf.setByte(i, code);
        buf.setByte(i + 1, 4);
        buf.setInt(i + 2, (int) seconds);
        return i + 6;
    }

    private static int putOctets(ByteBuf buf, int i, int code, List<Integer> octets) {
        if (octets.isEmpty()) {
            return i;
        }
        buf.setByte(i, code);
        buf.setByte(i + 1, octets.size());
        i += 2;
        for (int octet : octets) {
            buf.setByte(i++, octet);
        }
        return i;
    }

    private static void checkSeconds(String name, long seconds) {
        if (seconds < -1 || seconds > INFINITE_LEASE) {
            throw new IllegalArgumentException(name + " must be -1 or an unsigned 32-bit count: " + seconds);
        }
    }

    private static List<Integer> checkOctets(String name, List<Integer> octets, int minimumSize) {
        List<Integer> copy = List.copyOf(octets);
        if (!copy.isEmpty() && (copy.size() < minimumSize || copy.size() > 255)) {
            throw new IllegalArgumentException(name + " must be empty or hold " + minimumSize + "..255 octets: " + copy);
        }
        for (int octet : copy) {
            if ((octet & ~0xFF) != 0) {
                throw new IllegalArgumentException(name + " holds octets 0..255: " + copy);
            }
        }
        return copy;
    }

    /** RFC 2132 §3.14: at least one character; NVT ASCII, of which we accept the printable part. */
    static boolean isHostName(String name) {
        if (name.isEmpty() || name.length() > 255) {
            return false;
        }
        for (int k = 0; k < name.length(); k++) {
            char c = name.charAt(k);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    /** Builds a {@link DhcpRepr}; every setter names the component it sets. */
    public static final class Builder {
        private int messageType;
        private int xid;
        private int secs;
        private boolean broadcast;
        private Ipv4Address ciaddr = Ipv4Address.ANY;
        private Ipv4Address yiaddr = Ipv4Address.ANY;
        private Ipv4Address siaddr = Ipv4Address.ANY;
        private Ipv4Address giaddr = Ipv4Address.ANY;
        private long chaddr;
        private Optional<Ipv4Address> serverIdentifier = Optional.empty();
        private Optional<Ipv4Address> requestedAddress = Optional.empty();
        private long leaseTimeSeconds = -1;
        private long renewalTimeSeconds = -1;
        private long rebindingTimeSeconds = -1;
        private Optional<Ipv4Address> subnetMask = Optional.empty();
        private Optional<Ipv4Address> router = Optional.empty();
        private List<Ipv4Address> dnsServers = List.of();
        private List<Integer> parameterRequestList = List.of();
        private List<Integer> clientIdentifier = List.of();
        private int maximumMessageSize = -1;
        private Optional<String> hostName = Optional.empty();

        private Builder(int messageType, int xid, long chaddr) {
            this.messageType = messageType;
            this.xid = xid;
            this.chaddr = chaddr;
        }

        private Builder(DhcpRepr repr) {
            this(repr.messageType, repr.xid, repr.chaddr);
            secs = repr.secs;
            broadcast = repr.broadcast;
            ciaddr = repr.ciaddr;
            yiaddr = repr.yiaddr;
            siaddr = repr.siaddr;
            giaddr = repr.giaddr;
            serverIdentifier = repr.serverIdentifier;
            requestedAddress = repr.requestedAddress;
            leaseTimeSeconds = repr.leaseTimeSeconds;
            renewalTimeSeconds = repr.renewalTimeSeconds;
            rebindingTimeSeconds = repr.rebindingTimeSeconds;
            subnetMask = repr.subnetMask;
            router = repr.router;
            dnsServers = repr.dnsServers;
            parameterRequestList = repr.parameterRequestList;
            clientIdentifier = repr.clientIdentifier;
            maximumMessageSize = repr.maximumMessageSize;
            hostName = repr.hostName;
        }

        /** Sets the message type. */
        public Builder messageType(int value) {
            messageType = value;
            return this;
        }

        /** Sets the transaction ID. */
        public Builder xid(int value) {
            xid = value;
            return this;
        }

        /** Sets secs. */
        public Builder secs(int value) {
            secs = value;
            return this;
        }

        /** Sets the broadcast flag. */
        public Builder broadcast(boolean value) {
            broadcast = value;
            return this;
        }

        /** Sets ciaddr. */
        public Builder ciaddr(Ipv4Address value) {
            ciaddr = Objects.requireNonNull(value, "ciaddr == null");
            return this;
        }

        /** Sets yiaddr. */
        public Builder yiaddr(Ipv4Address value) {
            yiaddr = Objects.requireNonNull(value, "yiaddr == null");
            return this;
        }

        /** Sets siaddr. */
        public Builder siaddr(Ipv4Address value) {
            siaddr = Objects.requireNonNull(value, "siaddr == null");
            return this;
        }

        /** Sets giaddr. */
        public Builder giaddr(Ipv4Address value) {
            giaddr = Objects.requireNonNull(value, "giaddr == null");
            return this;
        }

        /** Sets chaddr. */
        public Builder chaddr(long value) {
            chaddr = value;
            return this;
        }

        /** Sets the server identifier. */
        public Builder serverIdentifier(Ipv4Address value) {
            serverIdentifier = Optional.of(value);
            return this;
        }

        /** Sets the requested address. */
        public Builder requestedAddress(Ipv4Address value) {
            requestedAddress = Optional.of(value);
            return this;
        }

        /** Sets the lease time in seconds, or -1 for none. */
        public Builder leaseTimeSeconds(long value) {
            leaseTimeSeconds = value;
            return this;
        }

        /** Sets T1 in seconds, or -1 for none. */
        public Builder renewalTimeSeconds(long value) {
            renewalTimeSeconds = value;
            return this;
        }

        /** Sets T2 in seconds, or -1 for none. */
        public Builder rebindingTimeSeconds(long value) {
            rebindingTimeSeconds = value;
            return this;
        }

        /** Sets the subnet mask. */
        public Builder subnetMask(Ipv4Address value) {
            subnetMask = Optional.of(value);
            return this;
        }

        /** Sets the router. */
        public Builder router(Ipv4Address value) {
            router = Optional.of(value);
            return this;
        }

        /** Sets the DNS servers, at most 4. */
        public Builder dnsServers(List<Ipv4Address> value) {
            dnsServers = value;
            return this;
        }

        /** Sets the parameter request list. */
        public Builder parameterRequestList(List<Integer> codes) {
            parameterRequestList = codes;
            return this;
        }

        /** Sets the parameter request list. */
        public Builder parameterRequestList(int... codes) {
            return parameterRequestList(Arrays.stream(codes).boxed().toList());
        }

        /** Sets the client identifier's octets, type first. */
        public Builder clientIdentifier(List<Integer> octets) {
            clientIdentifier = octets;
            return this;
        }

        /** Sets the maximum message size, or -1 for none. */
        public Builder maximumMessageSize(int value) {
            maximumMessageSize = value;
            return this;
        }

        /** Sets the host name. */
        public Builder hostName(String value) {
            hostName = Optional.of(value);
            return this;
        }

        /** Returns the message; throws IllegalArgumentException naming the first invalid component. */
        public DhcpRepr build() {
            return new DhcpRepr(messageType, xid, secs, broadcast, ciaddr, yiaddr, siaddr, giaddr, chaddr,
                    serverIdentifier, requestedAddress, leaseTimeSeconds, renewalTimeSeconds, rebindingTimeSeconds,
                    subnetMask, router, dnsServers, parameterRequestList, clientIdentifier, maximumMessageSize,
                    hostName);
        }
    }
}
