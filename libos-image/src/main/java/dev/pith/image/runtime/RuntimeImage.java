package dev.pith.image.runtime;

import dev.pith.image.ImageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * A Java runtime for the guest: a directory that jlink wrote (or any JDK home), with the host
 * files its ELF dependencies need.
 *
 * <pre>{@code
 * Set<String> modules = RuntimeImage.requiredModules(List.of(appJar));   // jdeps
 * RuntimeImage jre = RuntimeImage.builder().addModules(modules).build(target.resolve("jre"));
 * List<HostFile> glibc = jre.nativeDependencies();                        // libc.so.6, ld-linux, ...
 * }</pre>
 *
 * <p>jlink runs as {@code $JAVA_HOME/bin/jlink} of the JDK that runs the build (in-process through
 * {@link ToolProvider} when that file is missing), so that the output of the CDS dump it starts is
 * captured rather than printed; jdeps runs in-process. JDK 25 links from its own run-time image:
 * no jmods are needed.
 */
public final class RuntimeImage {
    private final Path home;

    private RuntimeImage(Path home) {
        this.home = home;
    }

    /** The runtime at {@code home}, a directory holding {@code bin/java} and {@code lib/}. */
    public static RuntimeImage at(Path home) {
        Path java = home.resolve("bin/java");
        if (!Files.isRegularFile(java) || !Files.isDirectory(home.resolve("lib"))) {
            throw new ImageException(home + " is not a Java runtime: no bin/java or lib/",
                    "pass the directory jlink wrote (RuntimeImage.builder().build(dir)) or a JDK's home");
        }
        return new RuntimeImage(home.toAbsolutePath().normalize());
    }

    /** A jlink run; {@link Builder#build(Path)} writes the runtime. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The JDK modules the classes in {@code jars} need, from {@code jdeps --print-module-deps
     * --ignore-missing-deps}; at least {@code java.base}.
     */
    public static Set<String> requiredModules(Collection<Path> jars) {
        if (jars.isEmpty()) {
            throw new IllegalArgumentException("jars is empty");
        }
        List<String> args = new ArrayList<>(List.of("--print-module-deps", "--ignore-missing-deps", "-q",
                "--multi-release", Integer.toString(Runtime.version().feature())));
        for (Path jar : jars) {
            if (!Files.exists(jar)) {
                throw new ImageException("jdeps input " + jar + " does not exist", "build the jar first, or fix its path");
            }
            args.add(jar.toString());
        }
        String out = run("jdeps", args);
        Set<String> modules = new TreeSet<>();
        modules.add("java.base");
        for (String line : out.strip().split("\\R")) {
            for (String m : line.strip().split(",")) {
                if (!m.isBlank()) {
                    modules.add(m.strip());
                }
            }
        }
        return modules;
    }

    /** The runtime's home directory (absolute). */
    public Path home() {
        return home;
    }

    /** The launcher, {@code bin/java}. */
    public Path launcher() {
        return home.resolve("bin/java");
    }

    /** The modules the runtime holds, from the {@code MODULES} line of its {@code release} file. */
    public List<String> modules() throws IOException {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) {
            return List.of();
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(release)) {
            p.load(in);
        }
        String modules = p.getProperty("MODULES", "").replace("\"", "").strip();
        return modules.isEmpty() ? List.of() : List.of(modules.split("\\s+"));
    }

    /** Bytes of all regular files in the runtime. */
    public long sizeBytes() throws IOException {
        try (Stream<Path> files = Files.walk(home)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sum();
        }
    }

    /** The host files (glibc, the dynamic loader) the runtime needs, found by {@link NativeDependencies#host()}. */
    public List<HostFile> nativeDependencies() throws IOException {
        return NativeDependencies.host().resolve(home);
    }

    @Override
    public String toString() {
        return "RuntimeImage[" + home + "]";
    }

    /**
     * Options of a jlink run. Defaults: {@code java.base} only, {@code --strip-debug --no-man-pages
     * --no-header-files}, {@code --compress=zip-0} (the initramfs is compressed as a whole, and
     * uncompressed jimage resources load faster), a CDS archive for the default (compressed-oops)
     * heap layout (it saved about 1 s of a 4.3 s boot under TCG), no {@code classes_nocoops.jsa}
     * (used only with heaps of 32 GB and more), and native symbol tables stripped with
     * {@code objcopy --strip-unneeded} (libjvm.so: 29.8 MB to 24.8 MB; jlink's own
     * {@code --strip-native-debug-symbols} does nothing when linking from a run-time image).
     */
    public static final class Builder {
        private final Set<String> modules = new LinkedHashSet<>(List.of("java.base"));
        private final List<String> extraOptions = new ArrayList<>();
        private boolean stripDebug = true;
        private String compress = "zip-0";
        private boolean cdsArchive = true;
        private boolean keepNoCoopsArchive;
        private boolean stripNativeSymbols = true;

        private Builder() {
        }

        /** Adds modules to {@code --add-modules}. */
        public Builder addModules(Collection<String> names) {
            names.forEach(n -> modules.add(Objects.requireNonNull(n, "module name == null")));
            return this;
        }

        /** Adds modules to {@code --add-modules}. */
        public Builder addModules(String... names) {
            return addModules(Arrays.asList(names));
        }

        /** {@code --strip-debug} (default true): drops class-file debug attributes and native debug symbols. */
        public Builder stripDebug(boolean strip) {
            this.stripDebug = strip;
            return this;
        }

        /** {@code --compress}: {@code zip-0} (default) to {@code zip-9}. */
        public Builder compress(String level) {
            if (!level.matches("zip-[0-9]")) {
                throw new IllegalArgumentException("compress is not zip-0 .. zip-9: " + level);
            }
            this.compress = level;
            return this;
        }

        /** {@code --generate-cds-archive} (default true): a class-data-sharing archive of the runtime's default classes. */
        public Builder cdsArchive(boolean generate) {
            this.cdsArchive = generate;
            return this;
        }

        /** Keeps {@code lib/server/classes_nocoops.jsa} (default false: 32 GB+ heaps only). */
        public Builder keepNoCoopsArchive(boolean keep) {
            this.keepNoCoopsArchive = keep;
            return this;
        }

        /**
         * Strips the symbol tables of the runtime's ELF files with {@code objcopy --strip-unneeded}
         * (default true; needs binutils). Dynamic symbols stay, so nothing changes at run time but
         * the names in a crash log.
         */
        public Builder stripNativeSymbols(boolean strip) {
            this.stripNativeSymbols = strip;
            return this;
        }

        /** More jlink options, such as {@code --exclude-resources=...}, passed as given. */
        public Builder extraOptions(String... options) {
            extraOptions.addAll(Arrays.asList(options));
            return this;
        }

        /** The jlink command line (without the tool name) that {@link #build} runs. */
        public List<String> arguments(Path output) {
            List<String> args = new ArrayList<>();
            args.add("--add-modules");
            args.add(String.join(",", modules));
            if (stripDebug) {
                args.add("--strip-debug");
            }
            args.addAll(List.of("--no-man-pages", "--no-header-files", "--compress=" + compress));
            if (cdsArchive) {
                args.add("--generate-cds-archive");
            }
            args.addAll(extraOptions);
            args.add("--output");
            args.add(output.toString());
            return args;
        }

        /**
         * Runs jlink into {@code output}. A directory there that holds an earlier runtime (it has a
         * {@code release} file and {@code lib/modules}) is replaced; any other existing path is an error.
         */
        public RuntimeImage build(Path output) throws IOException {
            output = output.toAbsolutePath().normalize();
            if (Files.exists(output)) {
                if (Files.isRegularFile(output.resolve("release")) && Files.isRegularFile(output.resolve("lib/modules"))) {
                    deleteTree(output);
                } else {
                    throw new ImageException("jlink output " + output + " exists and is not an earlier runtime image",
                            "choose a new directory, or delete this one");
                }
            }
            Files.createDirectories(output.getParent());
            Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
            if (Files.isExecutable(jlink)) {
                runProcess(jlink.toString(), arguments(output), "run the build on a full JDK 25");
            } else {
                run("jlink", arguments(output));
            }
            if (!keepNoCoopsArchive) {
                Files.deleteIfExists(output.resolve("lib/server/classes_nocoops.jsa"));
            }
            if (stripNativeSymbols) {
                stripSymbols(output);
            }
            return at(output);
        }
    }

    // ---- internals ----

    /** Runs a JDK tool in-process; returns its standard output. */
    static String run(String tool, List<String> args) {
        ToolProvider provider = ToolProvider.findFirst(tool).orElseThrow(() -> new ImageException(
                "the JDK tool '" + tool + "' is not available in " + System.getProperty("java.home"),
                "run the build on a full JDK 25 (not a JRE or a jlinked runtime); with JPMS, resolve module jdk."
                        + (tool.equals("jdeps") ? "jdeps" : "jlink")));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            rc = provider.run(o, e, args.toArray(String[]::new));
        }
        if (rc != 0) {
            throw new ImageException(tool + " failed (exit " + rc + "): " + tool + " " + String.join(" ", args)
                    + "\n" + (out + err.toString()).strip(),
                    "read " + tool + "'s message above: a module name may be misspelt, an input jar broken, "
                            + "or the output directory not writable");
        }
        return out.toString();
    }

    /** Runs {@code objcopy --strip-unneeded} on every ELF file of the runtime. */
    private static void stripSymbols(Path home) throws IOException {
        List<Path> elves = new ArrayList<>();
        try (Stream<Path> files = Files.walk(home)) {
            for (Path p : files.sorted().toList()) {
                if (Files.isRegularFile(p) && !Files.isSymbolicLink(p) && ElfFile.isElf(p)) {
                    elves.add(p);
                }
            }
        }
        for (Path elf : elves) {
            runProcess("objcopy", List.of("--strip-unneeded", elf.toString()), "install binutils (Debian: apt-get install binutils), or keep the symbols with "
                    + "RuntimeImage.builder().stripNativeSymbols(false)");
        }
    }

    /** Runs a program, capturing its output; fails with the output and {@code fix}. */
    static String runProcess(String program, List<String> args, String fix) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(program);
        command.addAll(args);
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new ImageException("cannot run " + program + ": " + e.getMessage(), fix, e);
        }
        p.getOutputStream().close();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        int rc;
        try {
            rc = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + program, e);
        }
        if (rc != 0) {
            throw new ImageException(program + " failed (exit " + rc + "): " + String.join(" ", command) + "\n" + out.strip(),
                    program.endsWith("jlink")
                            ? "read jlink's message above: a module name may be misspelt, or the output directory not writable"
                            : fix);
        }
        return out;
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
