package dev.pith.image.link;

import com.palantir.javapoet.JavaFile;
import dev.pith.Plan;
import dev.pith.image.ImageException;
import dev.pith.image.disk.DiskImage;
import dev.pith.image.initramfs.Compression;
import dev.pith.image.initramfs.GuestImage;
import dev.pith.image.kernel.Kernel;
import dev.pith.image.kernel.KernelProvider;
import dev.pith.image.prune.ClassPath;
import dev.pith.image.prune.PrunedJar;
import dev.pith.image.prune.Reachability;
import dev.pith.image.prune.Report;
import dev.pith.image.prune.Root;
import dev.pith.image.runtime.AotCache;
import dev.pith.image.runtime.RuntimeImage;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.objectweb.asm.Type;

/**
 * The image linker (DESIGN.md §5): from an application's class path and its composition to a
 * bootable image. Evaluates the composition into a plan, generates the boot class that wires
 * exactly the plan's parts, prunes what that class cannot reach, links a minimal runtime with
 * jlink, trains an AOT cache by running the pruned jar hosted on that runtime ({@link AotCache}),
 * and writes the initramfs next to the kernel: the direct-boot triple (kernel, initrd, command
 * line). {@link #link()} returns all of it.
 *
 * <pre>{@code
 * LinkedImage image = ImageLinker.builder()
 *         .classPath(runtimeClassPath)          // the app's classes and jars, Pith's included
 *         .composition("com.example.Echo")      // holds 'static Unikernel unikernel()'
 *         .output(Path.of("target/pith"))
 *         .build()
 *         .link();
 * }</pre>
 */
public final class ImageLinker {

    /** The modification time of every file in the initramfs; the AOT cache's training jar gets it too. */
    private static final long IMAGE_MTIME = 0;

    private final List<Path> classPath;
    private final String compositionClass;
    private final String compositionMethod;
    private final Path output;
    private final KernelProvider kernels;
    private final Compression compression;
    private final List<String> jvmOptions;
    private final Pruning pruning;
    private final Path runtimeCache;
    private final boolean disk;
    private final boolean aotCache;

    private ImageLinker(Builder b) {
        this.classPath = List.copyOf(b.classPath);
        this.compositionClass = Objects.requireNonNull(b.compositionClass, "composition class == null");
        this.compositionMethod = b.compositionMethod;
        this.output = Objects.requireNonNull(b.output, "output == null");
        this.kernels = b.kernels;
        this.compression = b.compression;
        this.jvmOptions = List.copyOf(b.jvmOptions);
        this.pruning = b.pruning;
        this.runtimeCache = b.runtimeCache;
        this.disk = b.disk;
        this.aotCache = b.aotCache;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds the image; every failure is an {@link ImageException} naming what failed and the fix. */
    public LinkedImage link() throws IOException {
        long start = System.nanoTime();
        Files.createDirectories(output);
        Plan plan = Composition.evaluate(classPath, compositionClass, compositionMethod);

        Path bootClasses = compileBootClass(BootClass.generate(plan, compositionClass, compositionMethod, aotCache));
        List<Path> withBoot = new ArrayList<>();
        withBoot.add(bootClasses);
        withBoot.addAll(classPath);
        Path appJar = output.resolve(plan.name() + ".jar");
        LinkedImage.Pruned pruned = pruning.apply(withBoot, BootClass.QUALIFIED_NAME, appJar);

        // An AOT cache holds every class the default CDS archive would, and the application's besides.
        RuntimeImage runtime = runtime(appJar, !aotCache);
        Kernel kernel = kernels.kernel();
        List<String> options = new ArrayList<>(jvmOptions);
        options.addAll(plan.resources().jvmOptions());
        GuestImage.Builder guestBuilder = GuestImage.builder()
                .kernel(kernel.vmlinuz())
                .runtime(runtime)
                .mainClass(BootClass.QUALIFIED_NAME)
                .compression(compression)
                .mtime(IMAGE_MTIME);
        AotCache aot = null;
        if (aotCache) {
            options.removeIf(o -> o.startsWith("-Xshare")); // the JVM refuses -Xshare:* beside -XX:AOTCache
            aot = AotCache.train(runtime, appJar, BootClass.QUALIFIED_NAME, options, output.resolve("aot"), IMAGE_MTIME);
            options.add(AotCache.jvmOption());
            guestBuilder.hostFile(AotCache.GUEST_PATH, aot.cache());
        }
        GuestImage guest = guestBuilder.appJar(aot != null ? aot.jar() : appJar).jvmOptions(options)
                .build(output.resolve("boot"));
        // The direct-boot triple side by side, for `qemu -kernel boot/vmlinuz -initrd ... -append "$(cat boot/cmdline)"`.
        Files.copy(kernel.vmlinuz(), output.resolve("boot").resolve("vmlinuz"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(output.resolve("boot").resolve("cmdline"), guest.commandLine().toString() + "\n");
        DiskImage diskImage = disk ? DiskImage.builder().guestImage(guest).build(output.resolve(plan.name() + ".img")) : null;
        LinkedImage linked = new LinkedImage(plan, appJar, runtime, kernel, guest, diskImage, pruned,
                (System.nanoTime() - start) / 1_000_000);
        ImageManifest.of(linked, compositionClass, output).write(output); // image.properties: how to run this directory
        return linked;
    }

    /** Writes the boot class's source next to the image (for reading) and compiles it against the class path. */
    private Path compileBootClass(JavaFile source) throws IOException {
        Path sources = output.resolve("boot-src");
        Path classes = output.resolve("boot-classes");
        Files.createDirectories(classes);
        source.writeTo(sources);
        Path file = sources.resolve(BootClass.QUALIFIED_NAME.replace('.', '/') + ".java");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new ImageException("no Java compiler in this runtime", "run the build on a JDK 25, not a JRE");
        }
        StringWriter errors = new StringWriter();
        String path = classPath.stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator));
        int status = javac.run(null, null, new java.io.PrintStream(new java.io.ByteArrayOutputStream()) {
                    @Override
                    public void write(byte[] b, int off, int len) {
                        errors.write(new String(b, off, len));
                    }
                }, "--release", "25", "-proc:none", "-classpath", path, "-d", classes.toString(), file.toString());
        if (status != 0) {
            throw new ImageException("the generated boot class " + file + " does not compile:\n" + errors,
                    "make sure the class path holds the application and Pith's modules (dsl and its dependencies)");
        }
        return classes;
    }

    /**
     * Links the runtime for the modules the pruned jar needs, cached by module set: jlink costs tens
     * of seconds and gives the same runtime for the same modules and JDK.
     */
    private RuntimeImage runtime(Path appJar, boolean cdsArchive) throws IOException {
        Set<String> modules = new TreeSet<>(RuntimeImage.requiredModules(List.of(appJar)));
        // FFM downcalls need nothing more; jdk.unsupported serves netty's optional Unsafe paths.
        String key = Runtime.version() + " " + String.join(",", modules) + (cdsArchive ? "" : " no-cds");
        String hash = HexFormat.of().formatHex(sha256(key)).substring(0, 16);
        Path home = runtimeCache.resolve(hash);
        if (Files.isRegularFile(home.resolve("release"))) {
            return RuntimeImage.at(home);
        }
        Files.createDirectories(runtimeCache);
        Path staging = Files.createTempDirectory(runtimeCache, "jlink-");
        Files.delete(staging); // jlink wants to create it
        RuntimeImage.builder().addModules(modules).cdsArchive(cdsArchive).build(staging);
        try {
            Files.move(staging, home, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            return RuntimeImage.at(home);
        }
        return RuntimeImage.at(home);
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** How the application jar is made from the class path and the boot class. */
    @FunctionalInterface
    public interface Pruning {
        /** Writes {@code jar} from {@code classPath} (boot classes first) for main class {@code main}. */
        LinkedImage.Pruned apply(List<Path> classPath, String main, Path jar) throws IOException;

        /**
         * Method-level pruning from the boot class's {@code main} (DESIGN.md §5): only what the plan's parts
         * reach goes into the image. The report is written next to the jar as prune-report.txt.
         */
        static Pruning reachable() {
            return (classPath, main, jar) -> {
                try (ClassPath cp = ClassPath.of(classPath)) {
                    Reachability reach = Reachability.builder(cp)
                            .root(Root.main(Type.getObjectType(main.replace('.', '/'))))
                            .analyse();
                    PrunedJar written = PrunedJar.write(reach, main, jar);
                    Report report = Report.of(reach, written);
                    Files.writeString(jar.resolveSibling("prune-report.txt"), report.text());
                    Report.Tally total = report.total();
                    String summary = String.format("kept %d of %d classes, %.2f of %.2f MB of class files",
                            total.classesKept(), total.classesTotal(), total.bytesKept() / 1e6, total.bytesTotal() / 1e6);
                    try (var in = new java.util.jar.JarFile(jar.toFile())) {
                        return new LinkedImage.Pruned(true, in.size(), Files.size(jar), summary);
                    }
                }
            };
        }

        /** No pruning: every class of the class path goes into the image. */
        static Pruning none() {
            return (classPath, main, jar) -> {
                int entries = AppJar.write(classPath, main, jar);
                return new LinkedImage.Pruned(false, entries, Files.size(jar), "not pruned");
            };
        }
    }

    /** Settings of a link; the defaults build an LZ4 initramfs on Debian's cloud kernel. */
    public static final class Builder {
        private final List<Path> classPath = new ArrayList<>();
        private String compositionClass;
        private String compositionMethod = "unikernel";
        private Path output;
        private KernelProvider kernels = KernelProvider.fromEnvironment();
        private Compression compression = Compression.LZ4;
        private final List<String> jvmOptions = new ArrayList<>(GuestImage.DEFAULT_JVM_OPTIONS);
        private Pruning pruning = Pruning.reachable();
        private Path runtimeCache = Path.of(System.getProperty("user.home"), ".cache", "pith", "runtimes");
        private boolean disk = true;
        private boolean aotCache = !"false".equals(System.getProperty("pith.aot"));

        private Builder() {
            jvmOptions.add("--enable-native-access=ALL-UNNAMED");
        }

        /** Sets the application's run-time class path: its classes and every jar it needs, Pith's included. */
        public Builder classPath(List<Path> classPath) {
            this.classPath.clear();
            this.classPath.addAll(classPath);
            return this;
        }

        /** Names the class whose {@code static Unikernel unikernel()} is the composition. */
        public Builder composition(String className) {
            this.compositionClass = className;
            return this;
        }

        /** Names the composition method when it is not {@code unikernel}. */
        public Builder compositionMethod(String method) {
            this.compositionMethod = method;
            return this;
        }

        /** Sets the directory the image is written to. */
        public Builder output(Path directory) {
            this.output = directory;
            return this;
        }

        /** Sets where the kernel comes from (default: -Dpith.kernel, PITH_KERNEL, else Debian's cloud kernel). */
        public Builder kernel(KernelProvider kernels) {
            this.kernels = kernels;
            return this;
        }

        /** Sets the initramfs compression (default LZ4: the fastest to unpack for its size). */
        public Builder compression(Compression compression) {
            this.compression = compression;
            return this;
        }

        /** Adds JVM options for the guest. */
        public Builder jvmOptions(String... options) {
            jvmOptions.addAll(List.of(options));
            return this;
        }

        /** Sets how the application jar is pruned (default: what the boot class reaches). */
        public Builder pruning(Pruning pruning) {
            this.pruning = pruning;
            return this;
        }

        /** Sets where linked runtimes are cached (default ~/.cache/pith/runtimes). */
        public Builder runtimeCache(Path directory) {
            this.runtimeCache = directory;
            return this;
        }

        /** Writes the bootable raw disk (default on) besides the direct-boot triple. */
        public Builder disk(boolean write) {
            this.disk = write;
            return this;
        }

        /**
         * Trains an AOT cache for the guest on the build host (default on; {@code -Dpith.aot=false} turns
         * it off): the boot class gets a training entry, which starts the unikernel hosted, and the
         * runtime is linked without its default CDS archive, which the cache replaces.
         */
        public Builder aotCache(boolean train) {
            this.aotCache = train;
            return this;
        }

        public ImageLinker build() {
            return new ImageLinker(this);
        }
    }

    @Override
    public String toString() {
        return "ImageLinker[" + compositionClass + "." + compositionMethod + "() -> " + output + ", "
                + compression.name().toLowerCase(Locale.ROOT) + "]";
    }
}
