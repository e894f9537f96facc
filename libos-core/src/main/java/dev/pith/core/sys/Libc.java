package dev.pith.core.sys;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How {@link Linux} reaches glibc: the C layouts, one downcall handle per function, and the factory that makes them.
 *
 * <p>Each handle sits in its own holder class, so the JVM links it on the holder's first use (JLS §12.4.1) and loading
 * {@code Linux} or {@code Libc} links none: under emulation making downcall handles is slow (2–3 s of start-up when
 * made eagerly), and a platform that never mounts should not pay for {@code mount}. Every holder states the C
 * prototype it binds.
 */
final class Libc {
    private Libc() {}

    // ---- Layouts: LP64, as the System V AMD64 ABI (§3.1.2) fixes them.

    /** {@code int}, {@code pid_t}, {@code clockid_t}, {@code mode_t} (promoted: it is a variadic argument of open). */
    static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    /** {@code long}, {@code unsigned long}, {@code size_t}, {@code ssize_t}, {@code off_t}, {@code time_t}, ... */
    static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    /** {@code short}, as in {@code struct pollfd}. */
    static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
    /** Any data pointer. */
    static final AddressLayout C_POINTER = ValueLayout.ADDRESS;

    /** {@code struct pollfd { int fd; short events; short revents; }}, man 2 poll. */
    static final StructLayout POLLFD = MemoryLayout.structLayout(
            C_INT.withName("fd"), C_SHORT.withName("events"), C_SHORT.withName("revents"));
    static final long POLLFD_FD = POLLFD.byteOffset(PathElement.groupElement("fd"));
    static final long POLLFD_EVENTS = POLLFD.byteOffset(PathElement.groupElement("events"));
    static final long POLLFD_REVENTS = POLLFD.byteOffset(PathElement.groupElement("revents"));

    /** {@code struct timespec { time_t tv_sec; long tv_nsec; }}, man 3 timespec. */
    static final StructLayout TIMESPEC = MemoryLayout.structLayout(
            C_LONG.withName("tv_sec"), C_LONG.withName("tv_nsec"));
    static final long TIMESPEC_SEC = TIMESPEC.byteOffset(PathElement.groupElement("tv_sec"));
    static final long TIMESPEC_NSEC = TIMESPEC.byteOffset(PathElement.groupElement("tv_nsec"));

    /** Where a downcall linked with {@link #CAPTURE_ERRNO} leaves {@code errno}; platform-dependent, so asked for. */
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    static final long CALL_STATE_ERRNO = CALL_STATE.byteOffset(PathElement.groupElement("errno"));

    // ---- The factory.

    /**
     * Copies {@code errno} into the segment passed as a handle's first argument before the JVM's own native code can
     * overwrite it; reading {@code errno} in a second downcall would be too late.
     */
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /**
     * For read, write, pread and pwrite: {@code critical(false)} skips the thread-state transition around the call.
     * It combines with captureCallState: JDK 25's LinkerOptions validates no conflict between the two, and FilesTest
     * reads EBADF and EAGAIN through these handles. Heap segments stay refused ({@code false}): buffers are native.
     * The price: a critical call holds back safepoints, so every JVM thread waiting for GC waits for it. The Javadoc
     * of {@link Linker.Option#critical} asks for "an extremely short running time in all cases"; a read that blocks
     * breaks that, hence {@link Linux#read}'s rule that callers use non-blocking or ready descriptors.
     */
    private static final Linker.Option[] CRITICAL_IO = {CAPTURE_ERRNO, Linker.Option.critical(false)};

    private static final Linker LINKER = Linker.nativeLinker();
    /** On Linux the default lookup is libc's symbols (Linker.defaultLookup: "commonly used libraries"). */
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final AtomicInteger HANDLES_CREATED = new AtomicInteger();

    /** Links {@code name} from libc and counts it; only the holders below call this, each once. */
    @SuppressWarnings("restricted") // the point of this package; callers enable native access (package-info)
    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol '" + name + "'"));
        MethodHandle handle = LINKER.downcallHandle(symbol, descriptor, options);
        HANDLES_CREATED.incrementAndGet();
        return handle;
    }

    static int handlesCreated() {
        return HANDLES_CREATED.get();
    }

    /** Downcall handles declare Throwable but only throw unchecked exceptions (bad segment, closed arena, ...). */
    static RuntimeException unchecked(Throwable thrown) {
        if (thrown instanceof RuntimeException runtime) {
            return runtime;
        }
        if (thrown instanceof Error error) {
            throw error;
        }
        return new IllegalStateException("a downcall threw a checked exception", thrown);
    }

    // ---- One holder per function. Handles with captured state take that segment as their first argument.

    /** {@code int open(const char *pathname, int flags, ... mode_t mode);} man 2 open. */
    static final class Open {
        static final MethodHandle HANDLE = downcall("open",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    }

    /** {@code int close(int fd);} man 2 close. */
    static final class Close {
        static final MethodHandle HANDLE = downcall("close", FunctionDescriptor.of(C_INT, C_INT), CAPTURE_ERRNO);
    }

    /** {@code ssize_t read(int fd, void *buf, size_t count);} man 2 read. */
    static final class Read {
        static final MethodHandle HANDLE = downcall("read",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG), CRITICAL_IO);
    }

    /** {@code ssize_t write(int fd, const void *buf, size_t count);} man 2 write. */
    static final class Write {
        static final MethodHandle HANDLE = downcall("write",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG), CRITICAL_IO);
    }

    /** {@code ssize_t pread(int fd, void *buf, size_t count, off_t offset);} man 2 pread; off_t is 64-bit on x86_64. */
    static final class Pread {
        static final MethodHandle HANDLE = downcall("pread",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG, C_LONG), CRITICAL_IO);
    }

    /** {@code ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset);} man 2 pwrite. */
    static final class Pwrite {
        static final MethodHandle HANDLE = downcall("pwrite",
                FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG, C_LONG), CRITICAL_IO);
    }

    /** {@code void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);} man 2 mmap. */
    static final class Mmap {
        static final MethodHandle HANDLE = downcall("mmap",
                FunctionDescriptor.of(C_POINTER, C_POINTER, C_LONG, C_INT, C_INT, C_INT, C_LONG), CAPTURE_ERRNO);
    }

    /** {@code int munmap(void *addr, size_t length);} man 2 munmap. */
    static final class Munmap {
        static final MethodHandle HANDLE = downcall("munmap",
                FunctionDescriptor.of(C_INT, C_POINTER, C_LONG), CAPTURE_ERRNO);
    }

    /** {@code int mlock(const void *addr, size_t len);} man 2 mlock. */
    static final class Mlock {
        static final MethodHandle HANDLE = downcall("mlock",
                FunctionDescriptor.of(C_INT, C_POINTER, C_LONG), CAPTURE_ERRNO);
    }

    /** {@code int msync(void *addr, size_t length, int flags);} man 2 msync. */
    static final class Msync {
        static final MethodHandle HANDLE = downcall("msync",
                FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT), CAPTURE_ERRNO);
    }

    /** {@code int ioctl(int fd, unsigned long request, ... void *argp);} man 2 ioctl, pointer argument. */
    static final class IoctlPointer {
        static final MethodHandle HANDLE = downcall("ioctl",
                FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_POINTER),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    }

    /** {@code int ioctl(int fd, unsigned long request, ... unsigned long arg);} man 2 ioctl, integer argument. */
    static final class IoctlLong {
        static final MethodHandle HANDLE = downcall("ioctl",
                FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_LONG),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    }

    /** {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout);} man 2 poll. Not critical: it blocks. */
    static final class Poll {
        static final MethodHandle HANDLE = downcall("poll",
                FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT), CAPTURE_ERRNO);
    }

    /**
     * {@code int mount(const char *source, const char *target, const char *filesystemtype,
     * unsigned long mountflags, const void *data);} man 2 mount.
     */
    static final class Mount {
        static final MethodHandle HANDLE = downcall("mount",
                FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_LONG, C_POINTER), CAPTURE_ERRNO);
    }

    /** {@code int umount(const char *target);} man 2 umount. */
    static final class Umount {
        static final MethodHandle HANDLE = downcall("umount",
                FunctionDescriptor.of(C_INT, C_POINTER), CAPTURE_ERRNO);
    }

    /** {@code int reboot(int cmd);} man 2 reboot: glibc adds LINUX_REBOOT_MAGIC1 and MAGIC2 itself. */
    static final class Reboot {
        static final MethodHandle HANDLE = downcall("reboot", FunctionDescriptor.of(C_INT, C_INT), CAPTURE_ERRNO);
    }

    /**
     * {@code long syscall(long number, ...);} man 2 syscall, used for finit_module, for which glibc has no wrapper
     * (man 2 finit_module, VERSIONS). Its arguments are passed as {@code long}: the kernel's SYSCALL_DEFINE wrappers
     * narrow each register to the declared type (include/linux/syscalls.h, __SC_CAST).
     */
    static final class FinitModule {
        /** {@code __NR_finit_module} in arch/x86/entry/syscalls/syscall_64.tbl. */
        static final long NUMBER = 313;
        static final MethodHandle HANDLE = downcall("syscall",
                FunctionDescriptor.of(C_LONG, C_LONG, C_LONG, C_POINTER, C_LONG),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
    }

    /** {@code void sync(void);} man 2 sync: "always successful", so nothing to capture. */
    static final class Sync {
        static final MethodHandle HANDLE = downcall("sync", FunctionDescriptor.ofVoid());
    }

    /** {@code int clock_gettime(clockid_t clockid, struct timespec *tp);} man 2 clock_gettime. */
    static final class ClockGettime {
        static final MethodHandle HANDLE = downcall("clock_gettime",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER), CAPTURE_ERRNO);
    }

    /** {@code ssize_t getrandom(void *buf, size_t buflen, unsigned int flags);} man 2 getrandom. Not critical: it may block. */
    static final class Getrandom {
        static final MethodHandle HANDLE = downcall("getrandom",
                FunctionDescriptor.of(C_LONG, C_POINTER, C_LONG, C_INT), CAPTURE_ERRNO);
    }

    /** {@code pid_t getpid(void);} man 2 getpid: "These functions are always successful", so nothing to capture. */
    static final class Getpid {
        static final MethodHandle HANDLE = downcall("getpid", FunctionDescriptor.of(C_INT));
    }
}
