package dev.pith.core.guest;

import dev.pith.core.sys.Linux;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * What powering off takes from the machine; a seam so that tests check the sequence without
 * rebooting the host.
 */
interface Machine {

    /** The console: stdout, which the kernel sends to the serial port. */
    PrintStream console();

    /** Flushes every file system's buffered writes (sync(2)). */
    void sync();

    /** Writes one byte to an I/O port: through {@code /dev/port}, or ioperm and an {@code out} stub without it. */
    void writeIoPort(int port, int value) throws IOException;

    /** Powers off with reboot(RB_POWER_OFF); returns only if that failed. */
    void powerOff() throws IOException;

    /** Ends the JVM at once: the last resort, after which the kernel panics ("Attempted to kill init"). */
    void halt(int status);

    /** The machine this JVM runs on. */
    Machine LINUX = new Machine() {
        @Override
        public PrintStream console() {
            return System.out;
        }

        @Override
        public void sync() {
            Linux.sync();
        }

        @Override
        public void writeIoPort(int port, int value) throws IOException {
            if (!java.nio.file.Files.exists(java.nio.file.Path.of("/dev/port"))) {
                PortIo.outb(port, value); // kernels built without CONFIG_DEVPORT, such as Debian's cloud kernel
                return;
            }
            // /dev/port maps file offsets to I/O ports (drivers/char/mem.c write_port): one outb per byte, here one
            // pwrite at offset port. Plain Java I/O: no downcall handle to make on the way down.
            try (FileChannel devPort = FileChannel.open(java.nio.file.Path.of("/dev/port"),
                    StandardOpenOption.WRITE)) {
                devPort.write(ByteBuffer.wrap(new byte[] {(byte) value}), port);
            }
        }

        @Override
        public void powerOff() throws IOException {
            Linux.reboot(Linux.RB_POWER_OFF);
        }

        @Override
        public void halt(int status) {
            Runtime.getRuntime().halt(status);
        }
    };
}
