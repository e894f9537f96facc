package dev.pith.cli;

/** A command cannot go on for a reason the user can fix; the message says what failed and the fix. */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CliException(String what, String fix) {
        super(what + "\n  Fix: " + fix);
    }
}
