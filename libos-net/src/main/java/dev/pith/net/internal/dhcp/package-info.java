/**
 * DHCP (RFC 2131): the client that leases an address for an {@code Interface} and configures it,
 * with ARP conflict detection (RFC 5227 §2.1) before the address is used. Messages are read and
 * written by {@code dev.pith.net.wire.DhcpMessage} and {@code DhcpRepr}; the lease it hands out is
 * the public {@link dev.pith.net.DhcpLease}. No server, no relay, no DHCPINFORM, no INIT-REBOOT.
 */
package dev.pith.net.internal.dhcp;
