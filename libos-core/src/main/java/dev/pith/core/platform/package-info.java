/**
 * The platform SPI: what differs between hosted (an ordinary JVM) and guest (PID 1 of a virtual
 * machine) — clock, randomness, device memory, settings, exit — and the hosted implementation.
 */
package dev.pith.core.platform;
