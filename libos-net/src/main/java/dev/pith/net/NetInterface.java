package dev.pith.net;

import dev.pith.core.device.MacAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The network interface of a unikernel: one device, its Ethernet address, its IPv4
 * configuration, and the counters that say what happened to every frame. Used on the event loop
 * thread, except the read-only accessors.
 */
public interface NetInterface {

    /** Returns the interface's MAC address. */
    MacAddress mac();

    /** Returns the IPv4 address, once configured (statically, or by DHCP). */
    Optional<Ipv4Address> address();

    /** Returns the prefix length of the configured subnet, or 0 when no address is configured. */
    int prefixLength();

    /** Returns the default gateway, if one is configured. */
    Optional<Ipv4Address> gateway();

    /** Returns the DNS servers learned by DHCP or configured statically. */
    java.util.List<Ipv4Address> dnsServers();

    /** Returns the largest IPv4 packet the interface sends without fragmenting (the device's MTU). */
    int mtu();

    /**
     * Sends one ICMP echo request to {@code target} and reports the round-trip time to
     * {@code result}, or an empty result if no reply came within {@code timeout}.
     */
    void ping(Ipv4Address target, Duration timeout, Consumer<Optional<Duration>> result);

    /** Returns the number of drops per reason. */
    DropCounters drops();

    /** Returns frame and packet counts. */
    InterfaceStats stats();
}
