package dev.pith.image.qemu;

import dev.pith.image.ImageException;
import dev.pith.image.initramfs.GuestImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Boots a guest in QEMU and captures its serial console: the direct-boot triple (kernel, initrd,
 * command line) or a raw boot disk, with Pith's devices attached the way its drivers expect them:
 * modern-only virtio ({@code disable-legacy=on}: net 0x1041, blk 0x1042), user networking with
 * loopback port forwards, and an {@code isa-debug-exit} port at 0x501 for the guest's exit status.
 *
 * <pre>{@code
 * QemuResult r = QemuRunner.builder()
 *         .directBoot(image)
 *         .memoryMb(256)
 *         .timeout(Duration.ofSeconds(60))
 *         .build()
 *         .run();
 * assertEquals(OptionalInt.of(0), r.guestExitStatus(), r::describe);
 * }</pre>
 *
 * <p>The QEMU line for a direct boot:
 * <pre>
 * qemu-system-x86_64 -machine pc -accel tcg -m 256 -smp 1 -nodefaults -no-user-config -no-reboot
 *   -display none -serial stdio -device isa-debug-exit,iobase=0x501,iosize=2
 *   -kernel vmlinuz -initrd initrd.cpio.lz4 -append "..."
 *   [-netdev user,id=n0,hostfwd=tcp:127.0.0.1:H-:G -device virtio-net-pci,netdev=n0,disable-legacy=on,romfile=]
 *   [-drive file=disk.img,if=none,format=raw,id=d0 -device virtio-blk-pci,drive=d0,serial=S,disable-legacy=on]
 * </pre>
 */
public final class QemuRunner {
    /** The I/O port of QEMU's {@code isa-debug-exit} device: a byte {@code v} written there exits QEMU with {@code (v << 1) | 1}. */
    public static final int DEBUG_EXIT_PORT = 0x501;

    private final Builder b;
    private final List<String> command;

    private QemuRunner(Builder b, Accelerator accelerator) {
        this.b = b;
        this.command = command(b, accelerator);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The QEMU command line this runner starts. */
    public List<String> command() {
        return command;
    }

    /** The accelerator chosen (KVM or TCG). */
    public Accelerator accelerator() {
        return Accelerator.valueOf(command.get(command.indexOf("-accel") + 1).toUpperCase(java.util.Locale.ROOT));
    }

    /** Starts QEMU; the returned process captures the console until it ends. */
    public QemuProcess start() throws IOException {
        return QemuProcess.start(command, accelerator(), b.timeout, b.serialLog, b.console);
    }

    /** Starts QEMU and waits until it ends or the timeout passes. */
    public QemuResult run() throws IOException, InterruptedException {
        try (QemuProcess p = start()) {
            return p.awaitExit();
        }
    }

    private static List<String> command(Builder b, Accelerator accelerator) {
        List<String> c = new ArrayList<>(List.of(b.qemu, "-machine", b.machine, "-accel", accelerator.qemuName()));
        String cpu = b.cpu != null ? b.cpu : accelerator == Accelerator.KVM ? "host" : null;
        if (cpu != null) {
            c.addAll(List.of("-cpu", cpu));
        }
        c.addAll(List.of("-m", Integer.toString(b.memoryMb), "-smp", Integer.toString(b.cpus),
                "-nodefaults", "-no-user-config", "-no-reboot", "-display", "none", "-serial", "stdio",
                "-device", "isa-debug-exit,iobase=0x" + Integer.toHexString(DEBUG_EXIT_PORT) + ",iosize=2"));
        if (b.kernel != null) {
            c.addAll(List.of("-kernel", b.kernel.toString()));
            if (b.initrd != null) {
                c.addAll(List.of("-initrd", b.initrd.toString()));
            }
            if (b.append != null) {
                c.addAll(List.of("-append", b.append));
            }
        }
        if (b.bootDisk != null) {
            c.addAll(List.of("-drive", "file=" + b.bootDisk + ",format=raw,index=0,media=disk"));
        }
        if (b.network) {
            StringBuilder netdev = new StringBuilder("user,id=n0");
            for (PortForward f : b.forwards) {
                netdev.append(',').append(f.hostfwd());
            }
            c.addAll(List.of("-netdev", netdev.toString(),
                    "-device", "virtio-net-pci,netdev=n0,disable-legacy=on,romfile=" + (b.mac == null ? "" : ",mac=" + b.mac)));
        }
        for (int i = 0; i < b.blockDevices.size(); i++) {
            BlockDevice d = b.blockDevices.get(i);
            c.addAll(List.of("-drive", "file=" + d.file() + ",if=none,format=raw,id=d" + i + (d.readOnly() ? ",readonly=on" : ""),
                    "-device", "virtio-blk-pci,drive=d" + i + ",serial=" + d.serial() + ",disable-legacy=on"));
        }
        c.addAll(b.extraArguments);
        return List.copyOf(c);
    }

    /** A raw file attached as a modern-only virtio-blk device with the serial number {@code serial}. */
    public record BlockDevice(Path file, String serial, boolean readOnly) {
        /** Checks the serial: QEMU takes at most 20 characters, and no commas. */
        public BlockDevice {
            Objects.requireNonNull(file, "file == null");
            if (serial.isEmpty() || serial.length() > 20 || serial.contains(",")) {
                throw new IllegalArgumentException("virtio-blk serial must be 1..20 characters without ',': '" + serial + "'");
            }
        }
    }

    /** QEMU's settings; defaults in the constructor. */
    public static final class Builder {
        private String qemu = "qemu-system-x86_64";
        private String machine = "pc";
        private String cpu;
        private int memoryMb = 256;
        private int cpus = 1;
        private Accelerator accelerator = Accelerator.fromEnvironment();
        private Duration kvmProbeTimeout = Duration.ofSeconds(5);
        private Duration timeout = Duration.ofSeconds(120);
        private Path kernel;
        private Path initrd;
        private String append;
        private Path bootDisk;
        private boolean network;
        private String mac;
        private final List<PortForward> forwards = new ArrayList<>();
        private final List<BlockDevice> blockDevices = new ArrayList<>();
        private final List<String> extraArguments = new ArrayList<>();
        private Path serialLog;
        private OutputStream console;

        private Builder() {
        }

        /** The QEMU program (default {@code qemu-system-x86_64} on the PATH). */
        public Builder qemu(String program) {
            this.qemu = Objects.requireNonNull(program, "program == null");
            return this;
        }

        /** The machine type: {@code pc} (default; i440FX, PCI) or {@code q35} (PCIe). */
        public Builder machine(String machine) {
            this.machine = Objects.requireNonNull(machine, "machine == null");
            return this;
        }

        /** The CPU model (default: QEMU's for TCG, {@code host} for KVM); {@code max} under TCG offers RDRAND. */
        public Builder cpu(String model) {
            this.cpu = model;
            return this;
        }

        /** Guest RAM in MiB (default 256). */
        public Builder memoryMb(int mb) {
            if (mb < 16) {
                throw new IllegalArgumentException("memoryMb < 16: " + mb);
            }
            this.memoryMb = mb;
            return this;
        }

        /** Virtual CPUs (default 1). */
        public Builder cpus(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("cpus < 1: " + count);
            }
            this.cpus = count;
            return this;
        }

        /** The accelerator (default {@link Accelerator#fromEnvironment()}, which is AUTO unless overridden). */
        public Builder accelerator(Accelerator accelerator) {
            this.accelerator = Objects.requireNonNull(accelerator, "accelerator == null");
            return this;
        }

        /** How long the KVM probe waits for kernel output before it settles on TCG (default 5 s). */
        public Builder kvmProbeTimeout(Duration timeout) {
            this.kvmProbeTimeout = Objects.requireNonNull(timeout, "timeout == null");
            return this;
        }

        /** How long a run may take before QEMU is stopped (default 120 s). */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout <= 0: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Boots the direct-boot triple of {@code image}. */
        public Builder directBoot(GuestImage image) {
            return directBoot(image.kernel(), image.initrd(), image.commandLine().toString());
        }

        /** Boots {@code kernel} with {@code initrd} (may be null) and the command line {@code append}. */
        public Builder directBoot(Path kernel, Path initrd, String append) {
            this.kernel = Objects.requireNonNull(kernel, "kernel == null");
            this.initrd = initrd;
            this.append = append;
            return this;
        }

        /** Boots from a raw disk image through the BIOS (first IDE disk). */
        public Builder bootDisk(Path image) {
            this.bootDisk = Objects.requireNonNull(image, "image == null");
            return this;
        }

        /** A virtio-net device on QEMU's user network (10.0.2.0/24, gateway 10.0.2.2) with these forwards. */
        public Builder network(PortForward... forwards) {
            this.network = true;
            this.forwards.addAll(Arrays.asList(forwards));
            return this;
        }

        /** The virtio-net device's MAC address (default QEMU's 52:54:00:12:34:56). */
        public Builder mac(String mac) {
            this.mac = mac;
            return this;
        }

        /** A raw file as a virtio-blk device. */
        public Builder blockDevice(Path file, String serial) {
            blockDevices.add(new BlockDevice(file, serial, false));
            return this;
        }

        /** A raw file as a read-only virtio-blk device. */
        public Builder readOnlyBlockDevice(Path file, String serial) {
            blockDevices.add(new BlockDevice(file, serial, true));
            return this;
        }

        /** Also copies the serial console to this file as it arrives. */
        public Builder serialLog(Path file) {
            this.serialLog = file;
            return this;
        }

        /**
         * Also copies the serial console to {@code stream} as it arrives, byte for byte and flushed
         * after each read (so a terminal shows the guest live); the stream is not closed.
         */
        public Builder console(OutputStream stream) {
            this.console = stream;
            return this;
        }

        /** More QEMU arguments, appended as given. */
        public Builder extraArguments(String... arguments) {
            extraArguments.addAll(Arrays.asList(arguments));
            return this;
        }

        /**
         * Checks the files and resolves {@link Accelerator#AUTO} (running the KVM probe once per JVM
         * when a kernel is known; TCG otherwise).
         */
        public QemuRunner build() {
            if (kernel == null && bootDisk == null) {
                throw new IllegalStateException("nothing to boot: call directBoot(...) or bootDisk(...)");
            }
            for (Path p : new Path[] {kernel, initrd, bootDisk}) {
                if (p != null && !Files.isRegularFile(p)) {
                    throw new ImageException("QEMU input " + p + " does not exist", "build the image first, or fix the path");
                }
            }
            for (BlockDevice d : blockDevices) {
                if (!Files.isRegularFile(d.file())) {
                    throw new ImageException("block device file " + d.file() + " does not exist",
                            "create it first (for instance: truncate -s 64M " + d.file() + ")");
                }
            }
            Accelerator chosen = accelerator == Accelerator.AUTO
                    ? KvmProbe.resolve(qemu, kernel, kvmProbeTimeout)
                    : accelerator;
            return new QemuRunner(this, chosen);
        }
    }
}
