package dev.pith.block.virtio;

import dev.pith.core.guest.KernelCommandLine;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What a {@link VirtioBlk} may use, how long it waits, and how it knows the boot disk;
 * {@link #DEFAULT} suits QEMU.
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>maxQueueSize</td><td>256</td><td>descriptors in the request queue, capped by the device's
 *       maximum and by what fits one DMA chunk (256 on 4 KiB pages); a third of it is the most requests in
 *       flight</td></tr>
 *   <tr><td>requestTimeout</td><td>30 s</td><td>a request the device keeps longer fails the device:
 *       reset, every request IO_ERROR</td></tr>
 *   <tr><td>setupTimeout</td><td>1 s</td><td>the longest wait for each request sent while opening or
 *       probing (GET_ID, the boot disk's sector 0)</td></tr>
 *   <tr><td>bounceBuffers</td><td>16</td><td>DMA buffers through which requests on non-DMA buffers are
 *       copied</td></tr>
 *   <tr><td>bounceBufferBytes</td><td>16 KiB</td><td>the size of each (at most the arena's chunk: 4 KiB on
 *       locked pages)</td></tr>
 *   <tr><td>bootDiskSignature</td><td>none</td><td>the MBR disk signature of the image's boot disk
 *       ({@code pith.bootdisk=mbr:1a2b3c4d}): a disk with it is never a data disk, serial or not</td></tr>
 * </table>
 *
 * @param maxQueueSize a power of two from 4 to 32768
 * @param requestTimeout positive
 * @param setupTimeout positive
 * @param bounceBuffers at least 1
 * @param bounceBufferBytes a multiple of 512, at least 512
 * @param bootDiskSignature the boot disk's MBR disk signature (sector 0, bytes 440–443, little-endian), or empty
 */
public record VirtioBlkSettings(int maxQueueSize, Duration requestTimeout, Duration setupTimeout, int bounceBuffers,
        int bounceBufferBytes, OptionalInt bootDiskSignature) {

    /** The defaults of the table above. */
    public static final VirtioBlkSettings DEFAULT = new VirtioBlkSettings(256, Duration.ofSeconds(30),
            Duration.ofSeconds(1), 16, 16 << 10, OptionalInt.empty());

    /** The kernel command line word naming the boot disk: {@code pith.bootdisk=mbr:<8 hex digits>}. */
    public static final String BOOT_DISK_PARAMETER = KernelCommandLine.PREFIX + "bootdisk";

    public VirtioBlkSettings {
        Objects.requireNonNull(requestTimeout, "requestTimeout == null");
        Objects.requireNonNull(setupTimeout, "setupTimeout == null");
        Objects.requireNonNull(bootDiskSignature, "bootDiskSignature == null");
        if (maxQueueSize < 4 || maxQueueSize > 32768 || Integer.bitCount(maxQueueSize) != 1) {
            throw new IllegalArgumentException("maxQueueSize must be a power of two from 4 to 32768: " + maxQueueSize);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout <= 0: " + requestTimeout);
        }
        if (setupTimeout.isNegative() || setupTimeout.isZero()) {
            throw new IllegalArgumentException("setupTimeout <= 0: " + setupTimeout);
        }
        if (bounceBuffers < 1) {
            throw new IllegalArgumentException("bounceBuffers < 1: " + bounceBuffers);
        }
        if (bounceBufferBytes < 512 || bounceBufferBytes % 512 != 0) {
            throw new IllegalArgumentException("bounceBufferBytes must be a positive multiple of 512: "
                    + bounceBufferBytes);
        }
    }

    /** Returns a copy with {@code maxQueueSize} changed. */
    public VirtioBlkSettings withMaxQueueSize(int maxQueueSize) {
        return new VirtioBlkSettings(maxQueueSize, requestTimeout, setupTimeout, bounceBuffers, bounceBufferBytes,
                bootDiskSignature);
    }

    /** Returns a copy with {@code requestTimeout} changed. */
    public VirtioBlkSettings withRequestTimeout(Duration requestTimeout) {
        return new VirtioBlkSettings(maxQueueSize, requestTimeout, setupTimeout, bounceBuffers, bounceBufferBytes,
                bootDiskSignature);
    }

    /** Returns a copy with {@code setupTimeout} changed. */
    public VirtioBlkSettings withSetupTimeout(Duration setupTimeout) {
        return new VirtioBlkSettings(maxQueueSize, requestTimeout, setupTimeout, bounceBuffers, bounceBufferBytes,
                bootDiskSignature);
    }

    /** Returns a copy with {@code bounceBuffers} buffers of {@code bounceBufferBytes} each. */
    public VirtioBlkSettings withBounceBuffers(int bounceBuffers, int bounceBufferBytes) {
        return new VirtioBlkSettings(maxQueueSize, requestTimeout, setupTimeout, bounceBuffers, bounceBufferBytes,
                bootDiskSignature);
    }

    /** Returns a copy that knows the boot disk by its MBR disk signature. */
    public VirtioBlkSettings withBootDiskSignature(int signature) {
        return new VirtioBlkSettings(maxQueueSize, requestTimeout, setupTimeout, bounceBuffers, bounceBufferBytes,
                OptionalInt.of(signature));
    }

    /**
     * Returns a copy with the boot disk of {@code commandLine}'s {@code pith.bootdisk=mbr:1a2b3c4d}
     * (8 hex digits, as {@code PARTUUID=1a2b3c4d-01} spells the same signature), if present.
     *
     * @throws IllegalArgumentException if the word is present but not of that form
     */
    public VirtioBlkSettings withBootDisk(KernelCommandLine commandLine) {
        return commandLine.value(BOOT_DISK_PARAMETER).map(value -> {
            if (!value.startsWith("mbr:") || value.length() != 12 || !value.substring(4).chars().allMatch(
                    c -> Character.digit(c, 16) >= 0)) {
                throw new IllegalArgumentException(BOOT_DISK_PARAMETER + "=" + value
                        + ": want mbr:<8 hex digits>, the boot disk's MBR disk signature");
            }
            return withBootDiskSignature(HexFormat.fromHexDigits(value, 4, 12));
        }).orElse(this);
    }
}
