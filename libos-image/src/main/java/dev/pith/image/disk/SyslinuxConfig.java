package dev.pith.image.disk;

import dev.pith.image.initramfs.KernelCommandLine;
import java.util.Objects;

/**
 * The {@code /syslinux.cfg} of a Pith disk: one entry, booted at once, with syslinux's console on
 * the first serial port.
 *
 * <pre>
 * SERIAL 0 115200
 * DEFAULT pith
 * PROMPT 0
 * TIMEOUT 0
 * NOESCAPE 1
 * LABEL pith
 *   LINUX /vmlinuz
 *   APPEND initrd=/initrd console=ttyS0 ... -- ... Main
 * </pre>
 *
 * <p>Heads up: the initrd is named in {@code APPEND}, not with syslinux's {@code INITRD}
 * directive, because syslinux 6 puts the {@code initrd=} word that {@code INITRD} becomes at the
 * <em>end</em> of the command line ({@code com32/elflink/ldlinux/readconfig.c}, {@code record()}),
 * which is after {@code --}: Linux would hand it to the JVM as the application's last argument.
 * Syslinux finds the first {@code initrd=} word anywhere in the line ({@code kernel.c},
 * {@code strstr}), Linux takes it as its own parameter and passes it on to nobody.
 *
 * <p>What the kernel receives is {@code BOOT_IMAGE=/vmlinuz } followed by the {@code APPEND}
 * text (syslinux 6's {@code new_linux_kernel()} always prepends it). Kernels with the 2025 fix
 * "init: handle bootloader identifier in kernel parameters" (also in stable releases; Debian's
 * 6.1.0-56 cloud kernel does not list it among the unknown parameters it passes on) drop it; older
 * ones give it to init as one more environment entry, which the limits below count.
 *
 * <p>Limits, checked when the configuration is made:
 * <ul>
 *   <li>2047 bytes of kernel command line: x86's {@code COMMAND_LINE_SIZE} is 2048 with the NUL,
 *       and syslinux truncates silently to the kernel header's {@code cmdline_size} (2047);</li>
 *   <li>2047 bytes of syslinux command ({@code .linux /vmlinuz } and the {@code APPEND} text):
 *       its {@code execute()} refuses {@code MAX_CMDLINE_LEN} (2048) and more;</li>
 *   <li>printable ASCII only, since a configuration line ends at the first control character;</li>
 *   <li>with a {@link KernelCommandLine}, 32 environment entries for init, {@code BOOT_IMAGE}
 *       counted.</li>
 * </ul>
 *
 * @param kernelCommandLine the command line as the caller gave it (what {@code -append} would get)
 * @param hasInitrd whether an initrd is on the disk
 */
record SyslinuxConfig(String kernelCommandLine, boolean hasInitrd) {
    /** The kernel's path on the FAT partition. */
    static final String KERNEL_PATH = "/vmlinuz";
    /** The initrd's path on the FAT partition. */
    static final String INITRD_PATH = "/initrd";
    /** The configuration's path: the first place syslinux 6 looks on the partition it booted from. */
    static final String CONFIG_PATH = "/syslinux.cfg";
    /** The one label. */
    static final String LABEL = "pith";
    /** Bytes of command line Linux keeps on x86 (its {@code COMMAND_LINE_SIZE}, 2048, less the NUL). */
    static final int LINUX_MAX_LENGTH = KernelCommandLine.MAX_LENGTH - 1;
    /** Bytes of command syslinux executes ({@code MAX_CMDLINE_LEN} 2048, less the NUL). */
    static final int SYSLINUX_MAX_LENGTH = 2047;
    /** The serial port and speed of syslinux's console (COM1, as {@code console=ttyS0}). */
    static final String SERIAL = "SERIAL 0 115200";

    private static final String BOOT_IMAGE = "BOOT_IMAGE=" + KERNEL_PATH;

    /** Checks the line against syslinux's and Linux's limits. */
    SyslinuxConfig {
        Objects.requireNonNull(kernelCommandLine, "kernelCommandLine == null");
        if (kernelCommandLine.isBlank()) {
            throw new IllegalArgumentException("kernel command line is empty");
        }
        for (int i = 0; i < kernelCommandLine.length(); i++) {
            char c = kernelCommandLine.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                throw new IllegalArgumentException(String.format("kernel command line holds character U+%04X at index %d:"
                        + " syslinux.cfg takes printable ASCII only (a control character ends the APPEND line)", (int) c, i));
            }
        }
        String append = append(kernelCommandLine, hasInitrd);
        int linux = kernelSees(append).length();
        if (linux > LINUX_MAX_LENGTH) {
            throw new IllegalArgumentException("kernel command line is " + kernelCommandLine.length() + " bytes; booted from"
                    + " the disk, syslinux makes it " + linux + " ('" + BOOT_IMAGE + " " + (hasInitrd ? "initrd=" + INITRD_PATH + " " : "")
                    + "' first) and x86 Linux keeps at most " + LINUX_MAX_LENGTH + ": shorten it by " + (linux - LINUX_MAX_LENGTH)
                    + " bytes (an @argfile in the initramfs holds JVM options)");
        }
        int syslinux = (".linux " + KERNEL_PATH + " " + append).length();
        if (syslinux > SYSLINUX_MAX_LENGTH) {
            throw new IllegalArgumentException("syslinux command is " + syslinux + " bytes, more than its " + SYSLINUX_MAX_LENGTH
                    + " (MAX_CMDLINE_LEN): shorten the kernel command line");
        }
    }

    /** A configuration for {@code line}, also checking init's environment limit with {@code BOOT_IMAGE} counted. */
    static SyslinuxConfig of(KernelCommandLine line, boolean hasInitrd) {
        // HOME=/ and TERM=linux from the kernel, BOOT_IMAGE from syslinux (on kernels that keep it), then ours.
        int environment = 3 + line.environment().size();
        if (environment > KernelCommandLine.MAX_INIT_ENVS) {
            throw new IllegalArgumentException("init gets " + environment + " environment entries when booted by syslinux"
                    + " (its BOOT_IMAGE= counted), more than Linux's " + KernelCommandLine.MAX_INIT_ENVS);
        }
        return new SyslinuxConfig(line.toString(), hasInitrd);
    }

    /** The text of {@code syslinux.cfg}, lines ending in LF. */
    String render() {
        return SERIAL + "\n"
                + "DEFAULT " + LABEL + "\n"
                + "PROMPT 0\n"
                + "TIMEOUT 0\n"
                + "NOESCAPE 1\n"
                + "LABEL " + LABEL + "\n"
                + "  LINUX " + KERNEL_PATH + "\n"
                + "  APPEND " + append(kernelCommandLine, hasInitrd) + "\n";
    }

    /** The command line the kernel receives from syslinux. */
    String kernelCommandLineAsBooted() {
        return kernelSees(append(kernelCommandLine, hasInitrd));
    }

    private static String append(String line, boolean hasInitrd) {
        return hasInitrd ? "initrd=" + INITRD_PATH + " " + line.strip() : line.strip();
    }

    private static String kernelSees(String append) {
        return BOOT_IMAGE + " " + append;
    }
}
