import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The guest test's application, run as PID 1 by the kernel: says hello, then hands its exit
 * status to QEMU through the isa-debug-exit port at 0x501 (QEMU exits with (status << 1) | 1),
 * falling back to reboot(RB_POWER_OFF). Stands alone (java.base and FFM only) because Pith's
 * guest platform lives in another module.
 *
 * <p>The port write: through /dev/port where the kernel has it (CONFIG_DEVPORT; devtmpfs must be
 * mounted first); Debian's cloud kernel does not, so else ioperm(2) grants this process the port
 * and a five-instruction stub (mov edx, port; mov eax, edi; out dx, al; ret) in an executable page
 * does the OUT, since Java has no port I/O instruction.
 */
public class HelloPid1 {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final int DEBUG_EXIT_PORT = 0x501;

    public static void main(String[] args) throws Throwable {
        System.out.println("hello from pid 1 " + ProcessHandle.current().pid());
        int status = args.length > 0 ? Integer.parseInt(args[0]) : 42;
        try {
            debugExit(status);
        } catch (Throwable t) {
            System.out.println("isa-debug-exit failed: " + t);
        }
        powerOff();
    }

    static void debugExit(int status) throws Throwable {
        mountDevtmpfs();
        Path port = Path.of("/dev/port");
        if (Files.exists(port)) {
            try (FileChannel ch = FileChannel.open(port, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) status}), DEBUG_EXIT_PORT);
            }
        }
        MethodHandle ioperm = libc("ioperm", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        int rc = (int) ioperm.invokeExact((long) DEBUG_EXIT_PORT, 1L, 1);
        if (rc != 0) {
            throw new IOException("ioperm(0x501) failed");
        }
        MethodHandle mmap = libc("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        int protRwx = 7, mapPrivateAnonymous = 0x22;
        MemorySegment page = ((MemorySegment) mmap.invokeExact(MemorySegment.NULL, 4096L, protRwx, mapPrivateAnonymous, -1, 0L))
                .reinterpret(4096);
        byte[] code = {
            (byte) 0xBA, (byte) DEBUG_EXIT_PORT, (byte) (DEBUG_EXIT_PORT >> 8), 0, 0, // mov edx, 0x501
            (byte) 0x89, (byte) 0xF8,                                                // mov eax, edi
            (byte) 0xEE,                                                             // out dx, al
            (byte) 0xC3                                                              // ret
        };
        MemorySegment.copy(code, 0, page, ValueLayout.JAVA_BYTE, 0, code.length);
        MethodHandle out = LINKER.downcallHandle(page, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
        out.invokeExact(status);
    }

    static void mountDevtmpfs() throws Throwable {
        MethodHandle mount = libc("mount", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment devtmpfs = arena.allocateFrom("devtmpfs");
            int rc = (int) mount.invokeExact(devtmpfs, arena.allocateFrom("/dev"), devtmpfs, 0L, MemorySegment.NULL);
            if (rc != 0) {
                System.out.println("mount devtmpfs on /dev failed");
            }
        }
    }

    static void powerOff() throws Throwable {
        libc("sync", FunctionDescriptor.ofVoid()).invokeExact();
        int rbPowerOff = 0x4321FEDC;
        int rc = (int) libc("reboot", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)).invokeExact(rbPowerOff);
        System.out.println("reboot(RB_POWER_OFF) returned " + rc);
        while (true) {
            Thread.sleep(1000); // PID 1 must not return: the kernel would panic
        }
    }

    static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }
}
