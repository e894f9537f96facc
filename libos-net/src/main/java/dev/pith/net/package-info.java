/**
 * The network stack's public face: addresses, endpoints, the stack handle and its drop counters.
 * Sockets are in {@code dev.pith.net.tcp} and {@code dev.pith.net.udp}.
 */
package dev.pith.net;
