package dev.pith.image.link;

import dev.pith.Plan;
import dev.pith.image.disk.DiskImage;
import dev.pith.image.initramfs.GuestImage;
import dev.pith.image.kernel.Kernel;
import dev.pith.image.runtime.RuntimeImage;
import java.nio.file.Path;

/**
 * What the linker made.
 *
 * @param plan the evaluated composition
 * @param appJar the application jar in the image (pruned, with the boot class)
 * @param runtime the jlinked runtime
 * @param kernel the kernel
 * @param guest the direct-boot triple: kernel, initrd and command line
 * @param disk the bootable raw disk image, or null when not asked for
 * @param pruned what pruning did
 * @param linkMillis how long the link took
 */
public record LinkedImage(Plan plan, Path appJar, RuntimeImage runtime, Kernel kernel, GuestImage guest, DiskImage disk,
        Pruned pruned, long linkMillis) {

    /**
     * The application jar's pruning.
     *
     * @param pruned whether pruning ran
     * @param entries entries in the jar
     * @param bytes the jar's size
     * @param summary a one-line summary (kept/removed classes and bytes)
     */
    public record Pruned(boolean pruned, int entries, long bytes, String summary) {}
}
