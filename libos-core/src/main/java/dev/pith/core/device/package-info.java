/**
 * The device SPI: {@link dev.pith.core.device.NetDevice} and {@link dev.pith.core.device.BlockDevice},
 * batch-oriented and driven by the event loop, whatever drives the hardware — and the devices
 * that need no hardware: in memory (tests) and, for disks, a host file.
 */
package dev.pith.core.device;
