package dev.pith.image.initramfs;

import dev.pith.image.ImageException;
import dev.pith.image.runtime.HostFile;
import dev.pith.image.runtime.RuntimeImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The direct-boot triple of a Java guest: a kernel, an initramfs holding the runtime and the
 * application, and the command line that starts the JVM as PID 1. QEMU boots it with
 * {@code -kernel}, {@code -initrd} and {@code -append}.
 *
 * <pre>{@code
 * GuestImage image = GuestImage.builder()
 *         .kernel(KernelProvider.debianCloud().kernel().vmlinuz())
 *         .runtime(RuntimeImage.builder().build(target.resolve("jre")))
 *         .appJar(target.resolve("app.jar"))
 *         .mainClass("com.example.Main")
 *         .build(target.resolve("image"));
 * }</pre>
 *
 * @param kernel the kernel (a bzImage such as Debian's vmlinuz)
 * @param initrd the initramfs
 * @param commandLine the kernel command line
 * @param initramfs what was written to {@code initrd}: its size, compressed and not
 */
public record GuestImage(Path kernel, Path initrd, KernelCommandLine commandLine, InitramfsBuilder.Initramfs initramfs) {
    /**
     * JVM options for a short-lived guest on one vCPU: the serial collector (no GC threads), C1 only
     * (C2 compiles cost more than they return in a short run, above all under TCG), compile
     * thresholds ten times higher (boots 1.8 s sooner under TCG than the defaults and keeps warm
     * round trips short, where {@code -Xint} triples them: BENCHMARKS.md "Guest boot"), no
     * {@code hsperfdata} file in /tmp, and the runtime's CDS archive (jlink's
     * {@code --generate-cds-archive}) used when present. {@code -XX:TieredStopAtLevel=1} and the
     * serial collector suit a short-lived test guest; a long-running server may want C2 back.
     */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of(
            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=10", "-XX:-UsePerfData",
            "-Xshare:auto");

    /** Checks the parts. */
    public GuestImage {
        Objects.requireNonNull(kernel, "kernel == null");
        Objects.requireNonNull(initrd, "initrd == null");
        Objects.requireNonNull(commandLine, "commandLine == null");
        Objects.requireNonNull(initramfs, "initramfs == null");
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Assembles a {@link GuestImage}. Required: kernel, runtime, appJar, mainClass. */
    public static final class Builder {
        private Path kernel;
        private RuntimeImage runtime;
        private List<HostFile> hostFiles;
        private Path appJar;
        private String mainClass;
        private List<String> jvmOptions = DEFAULT_JVM_OPTIONS;
        private List<String> appArguments = List.of();
        private List<String> kernelParameters = KernelCommandLine.defaultKernelParameters();
        private final List<java.util.function.Consumer<InitramfsBuilder>> extras = new ArrayList<>();
        private Compression compression = Compression.LZ4;
        private long mtimeSeconds;

        private Builder() {
        }

        /** The kernel file. */
        public Builder kernel(Path vmlinuz) {
            this.kernel = Objects.requireNonNull(vmlinuz, "vmlinuz == null");
            return this;
        }

        /** The runtime; its host files are found with {@link RuntimeImage#nativeDependencies()} unless given. */
        public Builder runtime(RuntimeImage runtime) {
            this.runtime = Objects.requireNonNull(runtime, "runtime == null");
            return this;
        }

        /** The host files to copy with the runtime, instead of {@link RuntimeImage#nativeDependencies()}. */
        public Builder hostFiles(List<HostFile> files) {
            this.hostFiles = List.copyOf(files);
            return this;
        }

        /** The application jar, at {@link InitramfsBuilder#APP_JAR} in the guest. */
        public Builder appJar(Path jar) {
            this.appJar = Objects.requireNonNull(jar, "jar == null");
            return this;
        }

        /** The class whose {@code main} the JVM runs. */
        public Builder mainClass(String name) {
            this.mainClass = Objects.requireNonNull(name, "name == null");
            return this;
        }

        /** JVM options (default {@link #DEFAULT_JVM_OPTIONS}). */
        public Builder jvmOptions(List<String> options) {
            this.jvmOptions = List.copyOf(options);
            return this;
        }

        /** JVM options added to the current ones. */
        public Builder addJvmOptions(String... options) {
            List<String> all = new ArrayList<>(jvmOptions);
            all.addAll(Arrays.asList(options));
            this.jvmOptions = List.copyOf(all);
            return this;
        }

        /** Arguments of {@code main}. */
        public Builder appArguments(String... arguments) {
            this.appArguments = List.of(arguments);
            return this;
        }

        /** Kernel parameters (default {@link KernelCommandLine#defaultKernelParameters()}). */
        public Builder kernelParameters(List<String> parameters) {
            this.kernelParameters = List.copyOf(parameters);
            return this;
        }

        /** The initramfs compression (default {@link Compression#LZ4}). */
        public Builder compression(Compression compression) {
            this.compression = Objects.requireNonNull(compression, "compression == null");
            return this;
        }

        /** The modification time of every initramfs entry (default 0). */
        public Builder mtime(long seconds) {
            this.mtimeSeconds = seconds;
            return this;
        }

        /** One more host file in the initramfs. */
        public Builder hostFile(String guestPath, Path source) {
            extras.add(b -> b.hostFile(guestPath, source));
            return this;
        }

        /** One more file in the initramfs. */
        public Builder file(String guestPath, byte[] content, int mode) {
            byte[] copy = content.clone();
            extras.add(b -> b.file(guestPath, copy, mode));
            return this;
        }

        /**
         * Writes {@code initrd.cpio[.gz|.lz4]} into {@code directory} and returns the triple (the
         * kernel stays where it is).
         */
        public GuestImage build(Path directory) throws IOException {
            require(kernel, "kernel");
            require(runtime, "runtime");
            require(appJar, "appJar");
            require(mainClass, "mainClass");
            if (!Files.isRegularFile(kernel)) {
                throw new ImageException("kernel " + kernel + " does not exist",
                        "get one with KernelProvider.debianCloud().kernel(), or fix the path");
            }
            KernelCommandLine line = KernelCommandLine.forJava(jvmOptions, mainClass, appArguments)
                    .withKernelParameters(kernelParameters);
            InitramfsBuilder initramfs = InitramfsBuilder.create().compression(compression).mtime(mtimeSeconds)
                    .runtime(runtime, hostFiles != null ? hostFiles : runtime.nativeDependencies())
                    .appJar(appJar);
            extras.forEach(extra -> extra.accept(initramfs));
            Files.createDirectories(directory);
            InitramfsBuilder.Initramfs written = initramfs.write(directory.resolve("initrd" + compression.fileSuffix()));
            return new GuestImage(kernel.toAbsolutePath(), written.path().toAbsolutePath(), line, written);
        }

        private static void require(Object value, String name) {
            if (value == null) {
                throw new IllegalStateException("GuestImage." + name + "(...) was not called; it is required");
            }
        }
    }
}
