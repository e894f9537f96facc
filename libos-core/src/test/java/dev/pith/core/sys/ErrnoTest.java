package dev.pith.core.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The errno table and how a SyscallException prints it. */
class ErrnoTest {
    @Test
    void tableRunsFromEpermToEhwpoisonWithoutTheTwoAliases() {
        assertSame(Errno.EPERM, Errno.of(1));
        assertSame(Errno.ENOENT, Errno.of(2));
        assertSame(Errno.EAGAIN, Errno.of(11));
        assertSame(Errno.ENOTTY, Errno.of(25));
        assertSame(Errno.ENOSYS, Errno.of(38));
        assertSame(Errno.EHWPOISON, Errno.of(133));
        // 41 and 58 are EWOULDBLOCK and EDEADLOCK, aliases without numbers of their own.
        assertSame(Errno.UNKNOWN, Errno.of(41));
        assertSame(Errno.UNKNOWN, Errno.of(58));
        assertEquals(131 + 1, Errno.values().length, "131 numbers and UNKNOWN");
    }

    @Test
    void everyConstantMapsBackToItselfAndNumbersAreUnique() {
        Set<Integer> numbers = new HashSet<>();
        for (Errno errno : Errno.values()) {
            if (errno != Errno.UNKNOWN) {
                assertSame(errno, Errno.of(errno.number()));
                assertEquals(true, numbers.add(errno.number()), errno.name());
            }
        }
    }

    @Test
    void numbersOutsideTheTableMapToUnknown() {
        assertSame(Errno.UNKNOWN, Errno.of(0));
        assertSame(Errno.UNKNOWN, Errno.of(-1));
        assertSame(Errno.UNKNOWN, Errno.of(134));
        assertSame(Errno.UNKNOWN, Errno.of(Integer.MIN_VALUE));
        assertSame(Errno.UNKNOWN, Errno.of(Integer.MAX_VALUE));
    }

    @Test
    void descriptionsAreGlibcs() {
        assertEquals("No such file or directory", Errno.ENOENT.description());
        assertEquals("Inappropriate ioctl for device", Errno.ENOTTY.description());
        assertEquals("Memory page has hardware error", Errno.EHWPOISON.description());
    }

    @Test
    void exceptionPrintsUnknownNumbersAsGlibcDoes() {
        SyscallException e = new SyscallException("read", "fd 3", 41);

        assertEquals("read(fd 3) failed: errno 41 (Unknown error 41)", e.getMessage());
        assertEquals(41, e.errno());
        assertSame(Errno.UNKNOWN, e.errnoValue());
    }
}
