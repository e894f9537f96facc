/**
 * Running a linked image the way a user runs an application: {@link dev.pith.image.run.Runner}
 * boots an image directory (or a {@link dev.pith.image.link.LinkedImage}) under QEMU with port
 * forwards, streams the serial console, stops QEMU on Ctrl-C and hands back the guest's exit
 * status. The {@code pith} command and the Maven plugin's {@code run} goal are thin front ends
 * over it.
 */
package dev.pith.image.run;
