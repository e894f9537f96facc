import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The kernel test's guest program, run as PID 1: checks that the kernel gives what Pith's guest
 * platform (libos-core's GuestPlatform and drivers) takes from it, each check printed as
 * "check NAME: ok DETAIL" or "check NAME: FAILED DETAIL", then hands the number of failures to
 * QEMU through isa-debug-exit. Stands alone (java.base and FFM) so that it tests the kernel, not
 * Pith's code.
 *
 * <p>Modes (first argument): {@code hello} says hello and exits with 42; {@code platform} runs the
 * checks; {@code poweroff} calls reboot(RB_POWER_OFF) without isa-debug-exit, so QEMU exits with 0
 * only if ACPI powered the machine off.
 *
 * <p>The exit status goes through /dev/port (CONFIG_DEVPORT) when the kernel has it, else through
 * ioperm(2) and an {@code out} stub, which Debian's cloud kernel needs.
 */
public class KernelProbe {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final int DEBUG_EXIT_PORT = 0x501;
    // sys/mman.h, sys/mount.h, fcntl.h, linux/reboot.h (x86_64)
    private static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    private static final int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_POPULATE = 0x8000,
            MAP_HUGETLB = 0x40000;
    private static final int O_RDWR = 2, O_SYNC = 0x101000, O_CLOEXEC = 0x80000;
    private static final long MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8;
    private static final int RB_POWER_OFF = 0x4321FEDC;
    private static final long HUGE_PAGE = 2L << 20;

    private static final List<String> failures = new ArrayList<>();

    public static void main(String[] args) throws Throwable {
        String mode = args.length > 0 ? args[0] : "hello";
        System.out.println("hello from pid 1 " + ProcessHandle.current().pid());
        check("mount devtmpfs", () -> mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"));
        switch (mode) {
            case "hello" -> exit(42);
            case "platform" -> {
                platformChecks();
                System.out.println("checks done: " + failures.size() + " failed " + failures);
                exit(failures.size());
            }
            case "poweroff" -> powerOff();
            default -> {
                System.out.println("unknown mode " + mode);
                exit(100);
            }
        }
    }

    // ---- The checks.

    static void platformChecks() {
        check("mount proc", () -> mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, null));
        check("mount sysfs", () -> mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, null));
        check("mount hugetlbfs", () -> mount("hugetlbfs", "/dev/hugepages", "hugetlbfs", MS_NOSUID | MS_NODEV, null));
        check("mounts", () -> {
            String mounts = Files.readString(Path.of("/proc/self/mounts"));
            for (String fs : List.of(" proc ", " sysfs ", " devtmpfs ", " hugetlbfs ")) {
                require(mounts.contains(fs), "no" + fs + "in /proc/self/mounts:\n" + mounts);
            }
            return "proc, sysfs, devtmpfs, hugetlbfs";
        });
        check("cpus", () -> {
            int n = Runtime.getRuntime().availableProcessors();
            require(n == Integer.getInteger("probe.cpus", n), "availableProcessors " + n);
            return n + " (SMP through ACPI's MADT)";
        });
        check("getrandom", () -> {
            long t0 = System.nanoTime();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(16);
                MemorySegment state = arena.allocate(CALL_STATE);
                long n = (long) libc("getrandom", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), true).invokeExact(state, buf, 16L, 0);
                require(n == 16, "getrandom returned " + n + ", errno " + errno(state));
            }
            return String.format("blocked %.3f s (JVM up %.3f s after boot)", (System.nanoTime() - t0) / 1e9, uptime());
        });
        check("nr_hugepages", () -> {
            Path nr = Path.of("/proc/sys/vm/nr_hugepages");
            Files.writeString(nr, "4");
            String total = meminfo("HugePages_Total");
            require(Files.readString(nr).strip().equals("4") && total.equals("4"), "HugePages_Total " + total);
            return "4 reserved by sysctl";
        });
        check("MAP_HUGETLB + pagemap", () -> {
            MemorySegment huge = mmap(HUGE_PAGE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
            huge.set(ValueLayout.JAVA_LONG, 0, 0x1234_5678L);
            long entry = pagemap(huge.address());
            long pfn = entry & ((1L << 55) - 1); // bits 0-54 (Documentation/admin-guide/mm/pagemap.rst)
            require(entry < 0 && pfn != 0, "pagemap entry 0x" + Long.toHexString(entry));
            require((pfn << 12) % HUGE_PAGE == 0, "hugepage not 2 MiB aligned: pfn 0x" + Long.toHexString(pfn));
            return "2 MiB at physical 0x" + Long.toHexString(pfn << 12);
        });
        check("mlock", () -> {
            MemorySegment page = mmap(4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            call("mlock", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                    page, 4096L);
            long entry = pagemap(page.address());
            require(entry < 0, "locked page not present: 0x" + Long.toHexString(entry));
            return "4 KiB locked, present";
        });
        check("pci sysfs + BAR mmap", KernelProbe::virtioCommonConfig);
        check("uio_pci_generic", () -> {
            Path driver = Path.of("/sys/bus/pci/drivers/uio_pci_generic");
            require(Files.isDirectory(driver), "no " + driver + " (CONFIG_UIO_PCI_GENERIC)");
            Files.writeString(driver.resolve("new_id"), "1af4 1041");
            Path uio = Path.of("/dev/uio0");
            for (int i = 0; i < 100 && !Files.exists(uio); i++) {
                Thread.sleep(10);
            }
            require(Files.exists(uio), "no /dev/uio0 after binding 1af4:1041");
            return "virtio-net bound, /dev/uio0";
        });
        check("/dev/port", () -> {
            require(Files.exists(Path.of("/dev/port")), "no /dev/port (CONFIG_DEVPORT)");
            return "present";
        });
        check("AF_UNIX + selector", () -> {
            Path socket = Path.of("/tmp/probe.sock");
            Files.createDirectories(socket.getParent());
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                 Selector selector = Selector.open()) {
                server.bind(UnixDomainSocketAddress.of(socket));
                try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                     SocketChannel accepted = server.accept()) {
                    client.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
                    ByteBuffer in = ByteBuffer.allocate(4);
                    accepted.read(in);
                    require(new String(in.array(), StandardCharsets.US_ASCII).equals("ping"), "echo mismatch");
                }
                selector.wakeup();
                selector.select(1000);
            }
            return "socket, accept, epoll wake-up";
        });
        check("no kernel IP stack", () -> {
            require(!Files.exists(Path.of("/proc/net/tcp")) && !Files.exists(Path.of("/proc/sys/net/ipv4")),
                    "the kernel has IPv4");
            return "no /proc/net/tcp";
        });
    }

    /** Walks the capability list (virtio 1.2 §4.1.4) to the common configuration and reads num_queues through an mmap of the BAR. */
    static String virtioCommonConfig() throws Throwable {
        Path device;
        try (Stream<Path> devices = Files.list(Path.of("/sys/bus/pci/devices"))) {
            device = devices.filter(d -> read(d.resolve("vendor")).equals("0x1af4") && read(d.resolve("device")).equals("0x1041"))
                    .findFirst().orElseThrow(() -> new IOException("no virtio-net 1af4:1041 in /sys/bus/pci/devices"));
        }
        ByteBuffer config = ByteBuffer.wrap(Files.readAllBytes(device.resolve("config"))).order(ByteOrder.LITTLE_ENDIAN);
        int cap = config.get(0x34) & 0xFF;
        while (cap != 0) {
            if ((config.get(cap) & 0xFF) == 0x09 && config.get(cap + 3) == 1) { // vendor-specific, VIRTIO_PCI_CAP_COMMON_CFG
                int bar = config.get(cap + 4);
                long offset = config.getInt(cap + 8) & 0xFFFF_FFFFL;
                Path resource = device.resolve("resource" + bar);
                int fd = open(resource.toString(), O_RDWR | O_SYNC | O_CLOEXEC);
                MemorySegment regs = mmap(Files.size(resource), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                short numQueues = (short) ValueLayout.JAVA_SHORT.varHandle().getVolatile(regs, offset + 0x12);
                require(numQueues > 0, "num_queues " + numQueues);
                return device.getFileName() + " " + resource.getFileName() + " mapped, num_queues " + numQueues;
            }
            cap = config.get(cap + 1) & 0xFF;
        }
        throw new IOException("no virtio common configuration capability in " + device);
    }

    // ---- Exit.

    static void exit(int status) throws Throwable {
        try {
            if (Files.exists(Path.of("/dev/port"))) {
                try (FileChannel port = FileChannel.open(Path.of("/dev/port"), StandardOpenOption.WRITE)) {
                    System.out.println("exit " + status + " through /dev/port");
                    port.write(ByteBuffer.wrap(new byte[] {(byte) status}), DEBUG_EXIT_PORT);
                }
            } else {
                System.out.println("exit " + status + " through ioperm");
                outb(DEBUG_EXIT_PORT, status);
            }
        } catch (Throwable t) {
            System.out.println("isa-debug-exit failed: " + t);
        }
        powerOff();
    }

    static void powerOff() throws Throwable {
        libc("sync", FunctionDescriptor.ofVoid(), false).invokeExact();
        int rc = (int) libc("reboot", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false)
                .invokeExact(RB_POWER_OFF);
        System.out.println("reboot(RB_POWER_OFF) returned " + rc);
        while (true) {
            Thread.sleep(1000); // PID 1 must not return: the kernel would panic
        }
    }

    /** ioperm(2), then mov edx, port; mov eax, edi; out dx, al; ret in an executable page: Java has no port I/O. */
    static void outb(int port, int value) throws Throwable {
        call("ioperm", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT), (long) port, 1L, 1);
        MemorySegment page = mmap(4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        byte[] code = {(byte) 0xBA, (byte) port, (byte) (port >> 8), 0, 0, (byte) 0x89, (byte) 0xF8, (byte) 0xEE, (byte) 0xC3};
        MemorySegment.copy(code, 0, page, ValueLayout.JAVA_BYTE, 0, code.length);
        LINKER.downcallHandle(page, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT)).invokeExact(value);
    }

    // ---- libc through FFM.

    interface Check {
        String run() throws Throwable;
    }

    static void check(String name, Check check) {
        try {
            System.out.println("check " + name + ": ok " + check.run());
        } catch (Throwable t) {
            failures.add(name);
            System.out.println("check " + name + ": FAILED " + t);
        }
    }

    static String mount(String source, String target, String type, long flags, String data) throws Throwable {
        Files.createDirectories(Path.of(target));
        try (Arena arena = Arena.ofConfined()) {
            call("mount", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                    arena.allocateFrom(source), arena.allocateFrom(target), arena.allocateFrom(type), flags,
                    data == null ? MemorySegment.NULL : arena.allocateFrom(data));
        }
        return type + " on " + target;
    }

    static MemorySegment mmap(long length, int prot, int flags, int fd, long offset) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment p = (MemorySegment) libc("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_LONG), true)
                    .invokeExact(state, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (p.address() == -1L) {
                throw new IOException("mmap(" + length + ", flags 0x" + Integer.toHexString(flags) + ") failed, errno " + errno(state));
            }
            return p.reinterpret(length);
        }
    }

    static int open(String path, int flags) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            return call("open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                    arena.allocateFrom(path), flags);
        }
    }

    /** The /proc/self/pagemap entry of a virtual address: bit 63 present, bits 0-54 the page frame number. */
    static long pagemap(long address) throws IOException {
        try (FileChannel ch = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ)) {
            ByteBuffer entry = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
            ch.read(entry, (address >>> 12) * 8);
            return entry.getLong(0);
        }
    }

    /** Calls an int-returning libc function and throws with errno when it returns -1. */
    static int call(String name, FunctionDescriptor descriptor, Object... args) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            Object[] all = new Object[args.length + 1];
            all[0] = state;
            System.arraycopy(args, 0, all, 1, args.length);
            int rc = (int) libc(name, descriptor, true).invokeWithArguments(all);
            if (rc == -1) {
                throw new IOException(name + " failed, errno " + errno(state));
            }
            return rc;
        }
    }

    static MethodHandle libc(String name, FunctionDescriptor descriptor, boolean captureErrno) {
        MemorySegment symbol = LINKER.defaultLookup().find(name).orElseThrow(() -> new IllegalStateException("no " + name));
        return captureErrno ? LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"))
                : LINKER.downcallHandle(symbol, descriptor);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static void require(boolean condition, String message) throws IOException {
        if (!condition) {
            throw new IOException(message);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return "";
        }
    }

    static String meminfo(String key) throws IOException {
        return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith(key + ":"))
                .map(l -> l.substring(key.length() + 1).strip()).findFirst().orElse("?");
    }

    static double uptime() throws IOException {
        return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
    }
}
