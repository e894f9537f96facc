package dev.pith.net;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An address lease a DHCP server granted (RFC 2131) and the client applied to the interface. The
 * three durations count from the moment the client sent the request the server acknowledged
 * (RFC 2131 §4.4.1); a lease that never expires has {@link #INFINITE} for all three.
 *
 * @param address the leased address (yiaddr)
 * @param prefixLength from the subnet mask (option 1), or the address's class when the server sent none
 * @param router the first router of option 3, the default gateway
 * @param dns the DNS servers of option 6 in order of preference, at most 4
 * @param server the server that granted the lease (option 54); renewals go to it
 * @param leaseTime how long the address may be used (option 51)
 * @param renewAfter T1: when the client starts renewing with {@code server} (option 58, or half the lease)
 * @param rebindAfter T2: when it asks any server instead (option 59, or 7/8 of the lease)
 */
public record DhcpLease(Ipv4Address address, int prefixLength, Optional<Ipv4Address> router, List<Ipv4Address> dns,
        Ipv4Address server, Duration leaseTime, Duration renewAfter, Duration rebindAfter) {

    /** The lease time of a lease that never expires: all ones, 2^32 - 1 seconds (RFC 2131 §3.3). */
    public static final Duration INFINITE = Duration.ofSeconds(0xFFFF_FFFFL);

    public DhcpLease {
        Objects.requireNonNull(address, "address == null");
        Ipv4Address.mask(prefixLength);
        Objects.requireNonNull(router, "router == null");
        dns = List.copyOf(dns);
        Objects.requireNonNull(server, "server == null");
        Objects.requireNonNull(leaseTime, "leaseTime == null");
        Objects.requireNonNull(renewAfter, "renewAfter == null");
        Objects.requireNonNull(rebindAfter, "rebindAfter == null");
        if (renewAfter.isNegative() || renewAfter.compareTo(rebindAfter) > 0 || rebindAfter.compareTo(leaseTime) > 0) {
            throw new IllegalArgumentException("want 0 <= renewAfter <= rebindAfter <= leaseTime: "
                    + renewAfter + ", " + rebindAfter + ", " + leaseTime);
        }
    }

    /** Returns whether the lease never expires. */
    public boolean isInfinite() {
        return leaseTime.equals(INFINITE);
    }
}
