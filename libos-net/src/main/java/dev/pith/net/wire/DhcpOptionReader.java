package dev.pith.net.wire;

import dev.pith.net.Ipv4Address;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads DHCP options (RFC 2132) strictly into a {@link DhcpRepr.Builder}, for {@link DhcpRepr#parse};
 * one per message. Every value it passes on is one the builder accepts, so parsing never throws.
 */
final class DhcpOptionReader {

    private final ByteBuf buf;
    private final DhcpRepr.Builder builder;
    private int messageType;

    DhcpOptionReader(ByteBuf buf, DhcpRepr.Builder builder) {
        this.buf = buf;
        this.builder = builder;
    }

    /** Returns the message type read, or 0 if none was. */
    int messageType() {
        return messageType;
    }

    /**
     * Reads the {@code length} bytes of options at {@code index}; returns false if an option's
     * length is wrong or runs past the end, an option we read is repeated, Option Overload is
     * present, the message type is missing, or no End option closes the list.
     */
    boolean read(int index, int length) {
        int end = index + length;
        long seen = 0; // bit c: option c (< 64) already read
        int i = index;
        while (i < end) {
            int code = buf.getUnsignedByte(i);
            if (code == DhcpOption.PAD) {
                i++;
                continue;
            }
            if (code == DhcpOption.END) {
                return messageType != 0; // RFC 2131 §3: every DHCP message carries option 53
            }
            if (end - i < 2) {
                return false;
            }
            int optionLength = buf.getUnsignedByte(i + 1);
            int data = i + 2;
            if (optionLength > end - data) {
                return false;
            }
            if (code < Long.SIZE) {
                // RFC 3396 would concatenate a repeated option; none we read needs more than 255 bytes.
                if ((seen & 1L << code) != 0) {
                    return false;
                }
                seen |= 1L << code;
            }
            if (!readOption(code, data, optionLength)) {
                return false;
            }
            i = data + optionLength;
        }
        return false; // End "marks the end of valid information" (RFC 2132 §3.2): without it, truncated
    }

    private boolean readOption(int code, int data, int length) {
        switch (code) {
            case DhcpOption.MESSAGE_TYPE -> {
                if (length != 1) {
                    return false;
                }
                messageType = buf.getUnsignedByte(data);
                return messageType != 0;
            }
            case DhcpOption.SERVER_IDENTIFIER, DhcpOption.REQUESTED_IP_ADDRESS, DhcpOption.SUBNET_MASK -> {
                if (length != 4) {
                    return false;
                }
                Ipv4Address address = address(data);
                switch (code) {
                    case DhcpOption.SERVER_IDENTIFIER -> builder.serverIdentifier(address);
                    case DhcpOption.REQUESTED_IP_ADDRESS -> builder.requestedAddress(address);
                    default -> builder.subnetMask(address);
                }
            }
            case DhcpOption.IP_ADDRESS_LEASE_TIME, DhcpOption.RENEWAL_TIME, DhcpOption.REBINDING_TIME -> {
                if (length != 4) {
                    return false;
                }
                long seconds = buf.getUnsignedInt(data);
                switch (code) {
                    case DhcpOption.IP_ADDRESS_LEASE_TIME -> builder.leaseTimeSeconds(seconds);
                    case DhcpOption.RENEWAL_TIME -> builder.renewalTimeSeconds(seconds);
                    default -> builder.rebindingTimeSeconds(seconds);
                }
            }
            case DhcpOption.ROUTER -> {
                if (length < 4 || length % 4 != 0) {
                    return false;
                }
                builder.router(address(data)); // "listed in order of preference" (RFC 2132 §3.5)
            }
            case DhcpOption.DOMAIN_NAME_SERVER -> {
                if (length < 4 || length % 4 != 0) {
                    return false;
                }
                int count = Math.min(length / 4, DhcpRepr.MAX_DNS_SERVERS);
                List<Ipv4Address> servers = new ArrayList<>(count);
                for (int k = 0; k < count; k++) {
                    servers.add(address(data + 4 * k));
                }
                builder.dnsServers(servers);
            }
            case DhcpOption.PARAMETER_REQUEST_LIST -> {
                if (length < 1) {
                    return false; // RFC 2132 §9.8: "minimum length for this option is 1"
                }
                builder.parameterRequestList(octets(data, length));
            }
            case DhcpOption.CLIENT_IDENTIFIER -> {
                if (length < 2) {
                    return false; // RFC 2132 §9.14: "minimum length is 2"
                }
                builder.clientIdentifier(octets(data, length));
            }
            case DhcpOption.MAXIMUM_MESSAGE_SIZE -> {
                if (length != 2 || buf.getUnsignedShort(data) < DhcpRepr.MIN_MAXIMUM_MESSAGE_SIZE) {
                    return false; // RFC 2132 §9.10: "The minimum legal value is 576 octets"
                }
                builder.maximumMessageSize(buf.getUnsignedShort(data));
            }
            case DhcpOption.HOST_NAME -> {
                int nameLength = length;
                while (nameLength > 0 && buf.getByte(data + nameLength - 1) == 0) {
                    nameLength--; // RFC 2132 §2: receivers "MUST be prepared to delete trailing nulls"
                }
                String name = buf.toString(data, nameLength, StandardCharsets.ISO_8859_1);
                if (!DhcpRepr.isHostName(name)) {
                    return false;
                }
                builder.hostName(name);
            }
            case DhcpOption.OPTION_OVERLOAD -> {
                return false; // options in sname and file are not read (RFC 2132 §9.3)
            }
            default -> {
                // Not one we use: skipped by its length.
            }
        }
        return true;
    }

    private Ipv4Address address(int index) {
        return new Ipv4Address(buf.getInt(index));
    }

    private List<Integer> octets(int index, int length) {
        List<Integer> octets = new ArrayList<>(length);
        for (int k = 0; k < length; k++) {
            octets.add(buf.getUnsignedByte(index + k) & 0xFF);
        }
        return octets;
    }
}
