/**
 * The host gateway: how a hosted unikernel is reached without privileges. Host ports on loopback
 * are carried into the unikernel's own TCP/IP stack through a small second Pith stack that also
 * serves it DHCP, like QEMU's user networking.
 */
package dev.pith.net.gateway;
