package dev.pith;

import dev.pith.net.Ipv4Address;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** How the unikernel gets its IPv4 address: DHCP, or a static configuration. */
public sealed interface Ipv4 {

    /** Returns configuration by DHCP (RFC 2131): address, router and DNS servers from the network's server. */
    static Ipv4 dhcp() {
        return new Dhcp();
    }

    /**
     * Returns a static address in CIDR notation, such as {@code 10.0.2.15/24}; add a gateway with
     * {@link Static#gateway(String)}.
     */
    static Static address(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("want an address with a prefix length like 10.0.2.15/24, not '" + cidr + "'");
        }
        String prefix = cidr.substring(slash + 1);
        if (prefix.isEmpty() || prefix.length() > 2 || !prefix.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("bad prefix length '" + prefix + "' in '" + cidr + "': want 0..32");
        }
        return new Static(Ipv4Address.parse(cidr.substring(0, slash)), Integer.parseInt(prefix), Optional.empty(), List.of());
    }

    /** DHCP. */
    record Dhcp() implements Ipv4 {
        @Override
        public String toString() {
            return "dhcp";
        }
    }

    /**
     * A static configuration; {@code Unikernel.build()} checks that it makes sense.
     *
     * @param address this host's address
     * @param prefixLength the subnet's prefix length, 0..32
     * @param gateway the default router, if any
     * @param dns DNS servers
     */
    record Static(Ipv4Address address, int prefixLength, Optional<Ipv4Address> gateway, List<Ipv4Address> dns) implements Ipv4 {
        public Static {
            Objects.requireNonNull(address, "address == null");
            Objects.requireNonNull(gateway, "gateway == null");
            dns = List.copyOf(dns);
            Ipv4Address.mask(prefixLength); // range check with a clear message
        }

        /** Returns a copy with {@code gateway} as the default router. */
        public Static gateway(String gateway) {
            return new Static(address, prefixLength, Optional.of(Ipv4Address.parse(gateway)), dns);
        }

        /** Returns a copy with these DNS servers. */
        public Static dns(String... servers) {
            return new Static(address, prefixLength, gateway,
                    java.util.Arrays.stream(servers).map(Ipv4Address::parse).toList());
        }

        @Override
        public String toString() {
            return address + "/" + prefixLength + gateway.map(g -> " via " + g).orElse("")
                    + (dns.isEmpty() ? "" : " dns " + dns);
        }
    }
}
