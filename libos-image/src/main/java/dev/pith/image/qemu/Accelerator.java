package dev.pith.image.qemu;

import java.util.Locale;

/**
 * How QEMU runs the guest's CPU.
 *
 * <p>{@link #AUTO} (the default) takes KVM only when {@code /dev/kvm} is usable <em>and</em> a
 * probe boot shows kernel output within a few seconds, else TCG: on some hosts (nested
 * virtualisation) a KVM guest hangs right after the kernel's real-mode stub, and nothing but a
 * probe with a timeout tells (DESIGN.md §3). Override with {@code -Dpith.qemu.accel=kvm|tcg|auto}
 * or {@code PITH_QEMU_ACCEL}.
 */
public enum Accelerator {
    /** Hardware virtualisation through /dev/kvm. */
    KVM,
    /** QEMU's translator: slower, works everywhere. */
    TCG,
    /** KVM if a probe boot succeeds, else TCG. */
    AUTO;

    /** The system property that chooses the accelerator. */
    public static final String PROPERTY = "pith.qemu.accel";
    /** The environment variable that chooses the accelerator when the property is not set. */
    public static final String ENV = "PITH_QEMU_ACCEL";

    /** The accelerator chosen by {@link #PROPERTY} or {@link #ENV}; {@link #AUTO} when neither is set. */
    public static Accelerator fromEnvironment() {
        String value = System.getProperty(PROPERTY);
        String source = "-D" + PROPERTY;
        if (value == null || value.isBlank()) {
            value = System.getenv(ENV);
            source = ENV;
        }
        if (value == null || value.isBlank()) {
            return AUTO;
        }
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + "=" + value + " is not one of kvm, tcg, auto");
        }
    }

    /** The value of QEMU's {@code -accel}. */
    String qemuName() {
        return switch (this) {
            case KVM -> "kvm";
            case TCG -> "tcg";
            case AUTO -> throw new IllegalStateException("AUTO is resolved before QEMU starts");
        };
    }
}
