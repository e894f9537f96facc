package dev.pith.core.sys;

import java.io.IOException;
import java.io.Serial;

/**
 * A Linux call returned failure (-1, or {@code MAP_FAILED} for mmap); carries the call's name and {@code errno}.
 *
 * <p>The message reads like an strace line, so it can be searched for in man pages and kernel sources:
 * {@code open("/nope", O_RDONLY) failed: ENOENT (No such file or directory)} or
 * {@code ioctl(fd 5, 0x400454ca) failed: ENOTTY (Inappropriate ioctl for device)}. A number without an {@link Errno}
 * constant prints as glibc prints it: {@code errno 41 (Unknown error 41)}.
 */
public final class SyscallException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /**
     * @param call      the function as man section 2 names it, e.g. "open"
     * @param arguments the arguments worth reading in the message, already formatted, e.g. {@code "/nope", O_RDONLY}
     * @param errno     the value of {@code errno} captured right after the call
     */
    SyscallException(String call, String arguments, int errno) {
        super(call + "(" + arguments + ") failed: " + describe(errno));
        this.call = call;
        this.errno = errno;
    }

    private static String describe(int errno) {
        Errno known = Errno.of(errno);
        return known == Errno.UNKNOWN
                ? "errno " + errno + " (Unknown error " + errno + ")"
                : known.name() + " (" + known.description() + ")";
    }

    /** Returns the failed function's name as man section 2 spells it, e.g. "open" or "finit_module". */
    public String call() {
        return call;
    }

    /** Returns the raw {@code errno}, also when {@link #errnoValue()} is {@link Errno#UNKNOWN}. */
    public int errno() {
        return errno;
    }

    /** Returns {@link #errno()} as a constant, for {@code switch} and comparisons. */
    public Errno errnoValue() {
        return Errno.of(errno);
    }
}
