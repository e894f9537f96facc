package dev.pith.core.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The Linux calls Pith's platforms make, called through glibc with FFM; constants carry their x86_64 values.
 *
 * <p>Each method is the man section 2 call of the same name, with the same arguments, except that a buffer is one
 * {@link MemorySegment} (its address and {@code byteSize()}) and failure is a {@link SyscallException} instead of -1
 * and {@code errno}. Buffers must be native segments. Nothing is retried: EINTR and EAGAIN reach the caller.
 *
 * <p>Downcall handles are made on a method's first call, not when this class loads (see {@link Libc}). read, write,
 * poll, pread, pwrite and clock_gettime allocate nothing in the steady state (see {@link Scratch}); calls that take a
 * string copy it into a confined arena that is closed before they return.
 */
public final class Linux {
    private Linux() {}

    // ---- open(2) flags: include/uapi/asm-generic/fcntl.h (x86_64 uses the generic values), octal as written there.

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_TRUNC = 01000;
    public static final int O_NONBLOCK = 04000;
    /** {@code __O_SYNC | O_DSYNC}: full file-integrity sync, as the header defines it since Linux 2.6.33. */
    public static final int O_SYNC = 04010000;
    public static final int O_CLOEXEC = 02000000;
    private static final int O_ACCMODE = 03;

    // ---- mmap(2) and msync(2): include/uapi/asm-generic/mman-common.h, except where noted.

    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    /** include/uapi/linux/mman.h. */
    public static final int MAP_SHARED = 0x01;
    /** include/uapi/linux/mman.h. */
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x008000;
    public static final int MAP_HUGETLB = 0x040000;
    /** include/uapi/asm-generic/mman.h, which x86's asm/mman.h includes. */
    public static final int MAP_LOCKED = 0x2000;
    public static final int MS_SYNC = 4;

    // ---- poll(2) events: include/uapi/asm-generic/poll.h. Typed short, as struct pollfd's fields are, so that
    // poll(fd, POLLIN, timeout) needs no cast; an int constant does not narrow in a method argument (JLS §5.3).

    public static final short POLLIN = 0x0001;
    public static final short POLLOUT = 0x0004;
    public static final short POLLERR = 0x0008;
    public static final short POLLHUP = 0x0010;

    // ---- mount(2) flags: include/uapi/linux/mount.h.

    public static final int MS_RDONLY = 1;
    public static final int MS_NOSUID = 2;
    public static final int MS_NODEV = 4;
    public static final int MS_NOEXEC = 8;

    // ---- reboot(2) commands: glibc's sys/reboot.h, equal to LINUX_REBOOT_CMD_* in include/uapi/linux/reboot.h.

    public static final int RB_AUTOBOOT = 0x01234567;
    public static final int RB_HALT_SYSTEM = 0xcdef0123;
    public static final int RB_POWER_OFF = 0x4321fedc;

    // ---- Clocks: include/uapi/linux/time.h.

    public static final int CLOCK_REALTIME = 0;
    public static final int CLOCK_MONOTONIC = 1;
    /** Like CLOCK_MONOTONIC, but counts time suspended (man 2 clock_gettime). */
    public static final int CLOCK_BOOTTIME = 7;

    // ---- Files.

    /** Opens {@code path}; {@code mode} matters only with O_CREAT. Returns the new file descriptor. */
    public static int open(String path, int flags, int mode) throws SyscallException {
        Objects.requireNonNull(path, "path == null");
        Scratch scratch = Scratch.get();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) Libc.Open.HANDLE.invokeExact(scratch.callState, cString(arena, path, "path"), flags, mode);
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (fd == -1) {
            throw new SyscallException("open", quote(path) + ", " + openFlags(flags)
                    + ((flags & O_CREAT) != 0 ? ", 0" + Integer.toOctalString(mode) : ""), scratch.errno());
        }
        return fd;
    }

    /** Closes {@code fd}. On EINTR the descriptor is closed all the same on Linux (man 2 close): do not retry. */
    public static void close(int fd) throws SyscallException {
        Scratch scratch = Scratch.get();
        int result;
        try {
            result = (int) Libc.Close.HANDLE.invokeExact(scratch.callState, fd);
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (result == -1) {
            throw new SyscallException("close", "fd " + fd, scratch.errno());
        }
    }

    /**
     * Reads up to {@code buf.byteSize()} bytes into {@code buf}; returns how many, 0 at end of file.
     *
     * <p>Linked as a critical function, which holds back every JVM safepoint while it runs: call it only on a
     * non-blocking descriptor, on one poll reported readable, or on a regular file, never where it may block long.
     */
    public static long read(int fd, MemorySegment buf) throws SyscallException {
        Scratch scratch = Scratch.get();
        long count;
        try {
            count = (long) Libc.Read.HANDLE.invokeExact(scratch.callState, fd, buf, buf.byteSize());
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (count == -1) {
            throw new SyscallException("read", "fd " + fd, scratch.errno());
        }
        return count;
    }

    /** Writes up to {@code buf.byteSize()} bytes from {@code buf}; returns how many. Critical: see {@link #read}. */
    public static long write(int fd, MemorySegment buf) throws SyscallException {
        Scratch scratch = Scratch.get();
        long count;
        try {
            count = (long) Libc.Write.HANDLE.invokeExact(scratch.callState, fd, buf, buf.byteSize());
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (count == -1) {
            throw new SyscallException("write", "fd " + fd, scratch.errno());
        }
        return count;
    }

    /** Reads into {@code buf} from byte {@code offset}, leaving the file offset alone. Critical: see {@link #read}. */
    public static long pread(int fd, MemorySegment buf, long offset) throws SyscallException {
        Scratch scratch = Scratch.get();
        long count;
        try {
            count = (long) Libc.Pread.HANDLE.invokeExact(scratch.callState, fd, buf, buf.byteSize(), offset);
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (count == -1) {
            throw new SyscallException("pread", "fd " + fd + ", offset " + offset, scratch.errno());
        }
        return count;
    }

    /** Writes {@code buf} at byte {@code offset}, leaving the file offset alone. Critical: see {@link #read}. */
    public static long pwrite(int fd, MemorySegment buf, long offset) throws SyscallException {
        Scratch scratch = Scratch.get();
        long count;
        try {
            count = (long) Libc.Pwrite.HANDLE.invokeExact(scratch.callState, fd, buf, buf.byteSize(), offset);
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (count == -1) {
            throw new SyscallException("pwrite", "fd " + fd + ", offset " + offset, scratch.errno());
        }
        return count;
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever, 0: not at all) for {@code events} on {@code fd}; returns the
     * revents, 0 on timeout. POLLERR, POLLHUP and POLLNVAL (fd not open) come back in revents, not as exceptions.
     */
    public static short poll(int fd, short events, int timeoutMillis) throws SyscallException {
        Scratch scratch = Scratch.get();
        MemorySegment pollfd = scratch.pollfd;
        pollfd.set(Libc.C_INT, Libc.POLLFD_FD, fd);
        pollfd.set(Libc.C_SHORT, Libc.POLLFD_EVENTS, events);
        pollfd.set(Libc.C_SHORT, Libc.POLLFD_REVENTS, (short) 0);
        int ready;
        try {
            ready = (int) Libc.Poll.HANDLE.invokeExact(scratch.callState, pollfd, 1L, timeoutMillis);
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (ready == -1) {
            throw new SyscallException("poll", "fd " + fd, scratch.errno());
        }
        return ready == 0 ? 0 : pollfd.get(Libc.C_SHORT, Libc.POLLFD_REVENTS);
    }

    /**
     * Calls ioctl with a pointer argument, for requests that read or fill a struct (e.g. TUNSETIFF); returns the
     * request's non-negative result. The kernel reads {@code request} as 32 bits (fs/ioctl.c: unsigned int cmd).
     */
    public static int ioctl(int fd, long request, MemorySegment arg) throws SyscallException {
        Scratch scratch = Scratch.get();
        int result;
        try {
            result = (int) Libc.IoctlPointer.HANDLE.invokeExact(scratch.callState, fd, request, arg);
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (result == -1) {
            throw new SyscallException("ioctl", ioctlArguments(fd, request), scratch.errno());
        }
        return result;
    }

    /** Calls ioctl with an integer argument, for requests that take a value (e.g. TUNSETPERSIST). */
    public static int ioctl(int fd, long request, long arg) throws SyscallException {
        Scratch scratch = Scratch.get();
        int result;
        try {
            result = (int) Libc.IoctlLong.HANDLE.invokeExact(scratch.callState, fd, request, arg);
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (result == -1) {
            throw new SyscallException("ioctl", ioctlArguments(fd, request), scratch.errno());
        }
        return result;
    }

    // ---- Memory.

    /**
     * Maps {@code length} bytes at an address the kernel chooses; pass fd -1 with MAP_ANONYMOUS. The segment has
     * global scope: nothing frees it but {@link #munmap}, after which touching it is a SIGSEGV, not an exception.
     */
    @SuppressWarnings("restricted") // reinterpret: the kernel vouches for length bytes at this address
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset) throws SyscallException {
        Scratch scratch = Scratch.get();
        MemorySegment address;
        try {
            address = (MemorySegment) Libc.Mmap.HANDLE.invokeExact(
                    scratch.callState, MemorySegment.NULL, length, prot, flags, fd, offset);
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (address.address() == -1L) { // MAP_FAILED is (void *) -1, man 2 mmap
            throw new SyscallException("mmap", "length " + length + ", prot 0x" + Integer.toHexString(prot)
                    + ", flags 0x" + Integer.toHexString(flags) + ", fd " + fd + ", offset " + offset,
                    scratch.errno());
        }
        return address.reinterpret(length);
    }

    /** Unmaps all of {@code mapping}, as returned by {@link #mmap}. */
    public static void munmap(MemorySegment mapping) throws SyscallException {
        Scratch scratch = Scratch.get();
        int result;
        try {
            result = (int) Libc.Munmap.HANDLE.invokeExact(scratch.callState, mapping, mapping.byteSize());
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (result == -1) {
            throw new SyscallException("munmap", range(mapping), scratch.errno());
        }
    }

    /** Locks {@code memory}'s pages in RAM, as DMA buffers need; bounded by RLIMIT_MEMLOCK without CAP_IPC_LOCK. */
    public static void mlock(MemorySegment memory) throws SyscallException {
        Scratch scratch = Scratch.get();
        int result;
        try {
            result = (int) Libc.Mlock.HANDLE.invokeExact(scratch.callState, memory, memory.byteSize());
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (result == -1) {
            throw new SyscallException("mlock", range(memory), scratch.errno());
        }
    }

    /** Flushes {@code mapping} (page-aligned, e.g. from {@link #mmap}) to its file; {@code flags} is MS_SYNC here. */
    public static void msync(MemorySegment mapping, int flags) throws SyscallException {
        Scratch scratch = Scratch.get();
        int result;
        try {
            result = (int) Libc.Msync.HANDLE.invokeExact(scratch.callState, mapping, mapping.byteSize(), flags);
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (result == -1) {
            throw new SyscallException("msync", range(mapping) + ", 0x" + Integer.toHexString(flags), scratch.errno());
        }
    }

    // ---- System.

    /** Mounts {@code source} of type {@code fstype} on {@code target}; source, fstype and data may be null. */
    public static void mount(String source, String target, String fstype, long flags, String data)
            throws SyscallException {
        Objects.requireNonNull(target, "target == null");
        Scratch scratch = Scratch.get();
        int result;
        try (Arena arena = Arena.ofConfined()) {
            result = (int) Libc.Mount.HANDLE.invokeExact(scratch.callState, cString(arena, source, "source"),
                    cString(arena, target, "target"), cString(arena, fstype, "fstype"), flags,
                    cString(arena, data, "data"));
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (result == -1) {
            throw new SyscallException("mount", quote(source) + ", " + quote(target) + ", " + quote(fstype)
                    + ", 0x" + Long.toHexString(flags), scratch.errno());
        }
    }

    /** Unmounts the file system mounted on {@code target}. */
    public static void umount(String target) throws SyscallException {
        Objects.requireNonNull(target, "target == null");
        Scratch scratch = Scratch.get();
        int result;
        try (Arena arena = Arena.ofConfined()) {
            result = (int) Libc.Umount.HANDLE.invokeExact(scratch.callState, cString(arena, target, "target"));
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (result == -1) {
            throw new SyscallException("umount", quote(target), scratch.errno());
        }
    }

    /**
     * Reboots, halts or powers off at once, without syncing: call {@link #sync} first. RB_AUTOBOOT, RB_HALT_SYSTEM
     * and RB_POWER_OFF do not return when they succeed; without CAP_SYS_BOOT the call fails with EPERM.
     */
    public static void reboot(int cmd) throws SyscallException {
        Scratch scratch = Scratch.get();
        int result;
        try {
            result = (int) Libc.Reboot.HANDLE.invokeExact(scratch.callState, cmd);
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (result == -1) {
            throw new SyscallException("reboot", "0x" + Integer.toHexString(cmd), scratch.errno());
        }
    }

    /** Loads the kernel module in file {@code fd} with module parameters {@code params} (may be empty). */
    public static void finit_module(int fd, String params, int flags) throws SyscallException {
        Objects.requireNonNull(params, "params == null");
        Scratch scratch = Scratch.get();
        long result;
        try (Arena arena = Arena.ofConfined()) {
            result = (long) Libc.FinitModule.HANDLE.invokeExact(scratch.callState, Libc.FinitModule.NUMBER,
                    (long) fd, cString(arena, params, "params"), (long) flags);
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (result == -1) {
            throw new SyscallException("finit_module", "fd " + fd, scratch.errno());
        }
    }

    /** Commits every file system's buffered writes to disk. */
    public static void sync() {
        try {
            Libc.Sync.HANDLE.invokeExact();
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
    }

    /** Returns {@code clockId}'s time in nanoseconds; a long holds CLOCK_REALTIME's until the year 2262. */
    public static long clock_gettime(int clockId) throws SyscallException {
        Scratch scratch = Scratch.get();
        MemorySegment timespec = scratch.timespec;
        int result;
        try {
            result = (int) Libc.ClockGettime.HANDLE.invokeExact(scratch.callState, clockId, timespec);
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (result == -1) {
            throw new SyscallException("clock_gettime", "clock " + clockId, scratch.errno());
        }
        return timespec.get(Libc.C_LONG, Libc.TIMESPEC_SEC) * 1_000_000_000L
                + timespec.get(Libc.C_LONG, Libc.TIMESPEC_NSEC);
    }

    /** Returns this process's id. */
    public static int getpid() {
        try {
            return (int) Libc.Getpid.HANDLE.invokeExact();
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
    }

    /** getrandom(2) flags from linux/random.h: fail with EAGAIN rather than wait for the pool; never wait (5.6+). */
    public static final int GRND_NONBLOCK = 0x0001;
    public static final int GRND_INSECURE = 0x0004;

    /**
     * Fills {@code buf} from the kernel's random pool with getrandom(2); returns the bytes written.
     * With flags 0 it blocks until the pool is initialised: never call that on the event loop.
     */
    public static long getrandom(MemorySegment buf, int flags) throws SyscallException {
        Scratch scratch = Scratch.get();
        long count;
        try {
            count = (long) Libc.Getrandom.HANDLE.invokeExact(scratch.callState, buf, buf.byteSize(), flags);
        } catch (Throwable thrown) {
            throw Libc.unchecked(thrown);
        }
        if (count == -1) {
            throw new SyscallException("getrandom", buf.byteSize() + " bytes, flags 0x" + Integer.toHexString(flags),
                    scratch.errno());
        }
        return count;
    }

    /**
     * Returns how many downcall handles this class has made so far, one per distinct call made. Tests use it to
     * prove laziness, and the guest's boot trace prints it: under TCG each handle costs a few hundred milliseconds.
     */
    public static int downcallHandlesCreated() {
        return Libc.handlesCreated();
    }

    // ---- Helpers.

    /** Copies {@code value} to a NUL-terminated UTF-8 string in {@code arena}; null becomes NULL. */
    private static MemorySegment cString(Arena arena, String value, String name) {
        if (value == null) {
            return MemorySegment.NULL;
        }
        if (value.indexOf('\0') >= 0) { // C would silently stop at it and act on a shorter string
            throw new IllegalArgumentException(
                    name + " contains a NUL character: " + quote(value.replace("\0", "\\0")));
        }
        return arena.allocateFrom(value);
    }

    private static String quote(String value) {
        return value == null ? "NULL" : "\"" + value + "\"";
    }

    /** Spells {@code flags} as open(2)'s man page does, e.g. O_WRONLY|O_CREAT|O_TRUNC; unknown bits in octal. */
    private static String openFlags(int flags) {
        StringBuilder spelled = new StringBuilder(switch (flags & O_ACCMODE) {
            case O_RDONLY -> "O_RDONLY";
            case O_WRONLY -> "O_WRONLY";
            case O_RDWR -> "O_RDWR";
            default -> "03"; // both bits: invalid, and open says EINVAL
        });
        int rest = flags & ~O_ACCMODE;
        int[] bits = {O_CREAT, O_TRUNC, O_NONBLOCK, O_SYNC, O_CLOEXEC};
        String[] names = {"O_CREAT", "O_TRUNC", "O_NONBLOCK", "O_SYNC", "O_CLOEXEC"};
        for (int i = 0; i < bits.length; i++) {
            if ((rest & bits[i]) == bits[i]) {
                spelled.append('|').append(names[i]);
                rest &= ~bits[i];
            }
        }
        if (rest != 0) {
            spelled.append("|0").append(Integer.toOctalString(rest));
        }
        return spelled.toString();
    }

    private static String ioctlArguments(int fd, long request) {
        return "fd " + fd + ", 0x" + Integer.toHexString((int) request);
    }

    private static String range(MemorySegment memory) {
        return "0x" + Long.toHexString(memory.address()) + ", " + memory.byteSize() + " bytes";
    }
}
