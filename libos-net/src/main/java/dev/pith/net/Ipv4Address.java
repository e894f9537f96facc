package dev.pith.net;

/**
 * An IPv4 address, held in an int in network order (first octet in bits 31..24).
 *
 * @param bits the address
 */
public record Ipv4Address(int bits) implements Comparable<Ipv4Address> {

    /** 0.0.0.0: "any" when binding, "unknown" as a source before DHCP. */
    public static final Ipv4Address ANY = new Ipv4Address(0);
    /** 255.255.255.255, the limited broadcast address. */
    public static final Ipv4Address BROADCAST = new Ipv4Address(-1);

    /**
     * Parses dotted-quad text such as {@code 10.0.2.15}; throws IllegalArgumentException naming the
     * text otherwise. No shorthand forms (no {@code 10.1}, no octal, no hex): strict, as for any
     * address read from configuration.
     */
    public static Ipv4Address parse(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address (want four decimal octets like 10.0.2.15): '" + text + "'");
        }
        int bits = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (part.length() > 1 && part.charAt(0) == '0')) {
                throw new IllegalArgumentException("not an IPv4 address (bad octet '" + part + "'): '" + text + "'");
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address (octet " + octet + " > 255): '" + text + "'");
            }
            bits = bits << 8 | octet;
        }
        return new Ipv4Address(bits);
    }

    /** Returns the address built from four octets. */
    public static Ipv4Address of(int a, int b, int c, int d) {
        for (int octet : new int[] {a, b, c, d}) {
            if (octet < 0 || octet > 255) {
                throw new IllegalArgumentException("octet out of range 0..255: " + octet);
            }
        }
        return new Ipv4Address(a << 24 | b << 16 | c << 8 | d);
    }

    /** Returns whether this is 0.0.0.0. */
    public boolean isAny() {
        return bits == 0;
    }

    /** Returns whether this is 255.255.255.255. */
    public boolean isBroadcast() {
        return bits == -1;
    }

    /** Returns whether this is a multicast (class D, 224.0.0.0/4) address. */
    public boolean isMulticast() {
        return (bits >>> 28) == 0xE;
    }

    /** Returns whether this is a loopback (127.0.0.0/8) address. */
    public boolean isLoopback() {
        return (bits >>> 24) == 127;
    }

    /** Returns whether this address and {@code other} share the first {@code prefixLength} bits. */
    public boolean sameSubnet(Ipv4Address other, int prefixLength) {
        int mask = mask(prefixLength);
        return (bits & mask) == (other.bits & mask);
    }

    /** Returns the network mask of a prefix length, e.g. 24 gives 0xFFFFFF00. */
    public static int mask(int prefixLength) {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be 0..32: " + prefixLength);
        }
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    @Override
    public int compareTo(Ipv4Address other) {
        return Integer.compareUnsigned(bits, other.bits);
    }

    @Override
    public String toString() {
        return (bits >>> 24) + "." + (bits >>> 16 & 0xFF) + "." + (bits >>> 8 & 0xFF) + "." + (bits & 0xFF);
    }
}
