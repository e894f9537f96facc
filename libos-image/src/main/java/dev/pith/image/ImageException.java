package dev.pith.image;

import java.util.Objects;

/**
 * A build or boot step failed for a reason the user can act on. The message names what failed
 * and why; {@link #fix()} says what to do about it.
 */
public final class ImageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String fix;

    /** A failure {@code what} (what failed and why) with the action that repairs it. */
    public ImageException(String what, String fix) {
        this(what, fix, null);
    }

    /** A failure {@code what} caused by {@code cause}, with the action that repairs it. */
    public ImageException(String what, String fix, Throwable cause) {
        super(Objects.requireNonNull(what, "what == null") + "\n  Fix: " + Objects.requireNonNull(fix, "fix == null"), cause);
        this.fix = fix;
    }

    /** What to do so that the step succeeds. */
    public String fix() {
        return fix;
    }
}
