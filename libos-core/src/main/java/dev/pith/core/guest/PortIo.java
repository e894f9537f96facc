package dev.pith.core.guest;

import dev.pith.core.sys.Linux;
import dev.pith.core.sys.SyscallException;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Writes one byte to an x86 I/O port without /dev/port, which Debian's cloud kernel lacks
 * (CONFIG_DEVPORT is off): ioperm(2) grants this process the port, and a five-instruction stub in
 * an executable page does the {@code out}. Java has no port I/O of its own. Used once, to hand the
 * exit status to QEMU's isa-debug-exit on the way down, so nothing here is cached.
 */
final class PortIo {

    private PortIo() {}

    @SuppressWarnings("restricted") // PID 1 of the guest; the native access was granted at boot
    static void outb(int port, int value) throws IOException {
        Linker linker = Linker.nativeLinker();
        MemorySegment iopermSymbol = linker.defaultLookup().find("ioperm")
                .orElseThrow(() -> new IOException("libc has no ioperm"));
        MethodHandle ioperm = linker.downcallHandle(iopermSymbol,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        int rc;
        try {
            rc = (int) ioperm.invokeExact((long) port, 1L, 1);
        } catch (Throwable t) {
            throw new IOException("ioperm(0x" + Integer.toHexString(port) + ") could not be called", t);
        }
        if (rc != 0) {
            throw new IOException("ioperm(0x" + Integer.toHexString(port) + ", 1, 1) failed (needs CAP_SYS_RAWIO)");
        }
        byte[] code = {
            (byte) 0xBA, (byte) port, (byte) (port >>> 8), 0, 0, // mov edx, port
            (byte) 0x89, (byte) 0xF8,                          // mov eax, edi (the first int argument)
            (byte) 0xEE,                                       // out dx, al
            (byte) 0xC3,                                       // ret
        };
        MemorySegment page;
        try {
            page = Linux.mmap(4096, Linux.PROT_READ | Linux.PROT_WRITE | PROT_EXEC,
                    Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS, -1, 0);
        } catch (SyscallException e) {
            throw new IOException("cannot map a page for the port I/O stub", e);
        }
        MemorySegment.copy(code, 0, page, ValueLayout.JAVA_BYTE, 0, code.length);
        MethodHandle out = linker.downcallHandle(page, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
        try {
            out.invokeExact(value & 0xFF);
        } catch (Throwable t) {
            throw new IOException("out to port 0x" + Integer.toHexString(port) + " failed", t);
        }
    }

    /** PROT_EXEC from sys/mman.h. */
    static final int PROT_EXEC = 4;
}
