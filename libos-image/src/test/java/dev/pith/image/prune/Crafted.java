package dev.pith.image.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * A crafted program for pruning tests: Java sources compiled with javax.tools into a class directory
 * (plus resources), pruned from its main class, and run before and after.
 */
final class Crafted {
    /** The JDK 25 that runs the programs (the test JVM's own when that path is missing). */
    static final Path JAVA = javaBinary();

    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern TYPE = Pattern.compile("\\b(?:class|interface|record|enum)\\s+(\\w+)");

    final Path dir;
    final Path classes;

    private Crafted(Path dir, Path classes) {
        this.dir = dir;
        this.classes = classes;
    }

    /** Compiles {@code sources} (one top-level type each; file names follow from them) into {@code dir/classes}. */
    static Crafted compile(Path dir, Map<String, String> resources, String... sources) throws IOException {
        Path src = dir.resolve("src");
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        List<String> args = new ArrayList<>(List.of("--release", "25", "-nowarn", "-d", classes.toString()));
        for (String source : sources) {
            Matcher pkg = PACKAGE.matcher(source);
            Matcher type = TYPE.matcher(source);
            if (!type.find()) {
                fail("no top-level type in\n" + source);
            }
            Path file = src.resolve((pkg.find() ? pkg.group(1).replace('.', '/') + "/" : "") + type.group(1) + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, source);
            args.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, errors, errors, args.toArray(String[]::new));
        if (rc != 0) {
            fail("javac failed:\n" + errors);
        }
        for (Map.Entry<String, String> r : resources.entrySet()) {
            Path file = classes.resolve(r.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, r.getValue());
        }
        return new Crafted(dir, classes);
    }

    static Crafted compile(Path dir, String... sources) throws IOException {
        return compile(dir, Map.of(), sources);
    }

    /** What a run printed and how it ended. */
    record Run(int exitCode, String stdout, String stderr) {
    }

    /** Runs {@code mainClass} from {@code classPath} with {@code jvmOptions}. */
    static Run run(Path classPath, String mainClass, String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(JAVA.toString()));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", classPath.toString(), mainClass));
        Path out = Files.createTempFile("pith-prune", ".out");
        Path err = Files.createTempFile("pith-prune", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(command + " took more than 60 s");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Prunes from {@code mainClass}'s main, with the builder's defaults and {@code configure}'s changes. */
    Pruned prune(String mainClass, UnaryOperator<Reachability.Builder> configure) throws IOException {
        try (ClassPath cp = ClassPath.of(List.of(classes))) {
            Reachability reach = configure.apply(Reachability.builder(cp)
                    .root(Root.main(Type.getObjectType(mainClass.replace('.', '/'))))).analyse();
            PrunedJar jar = PrunedJar.write(reach, mainClass, dir.resolve("pruned.jar"));
            return new Pruned(this, mainClass, reach, jar, Report.of(reach, jar));
        }
    }

    Pruned prune(String mainClass) throws IOException {
        return prune(mainClass, b -> b);
    }

    /** A pruned program: the analysis, the jar, its classes read back. */
    static final class Pruned {
        final Crafted program;
        final String mainClass;
        final Reachability reach;
        final PrunedJar jar;
        final Report report;
        final Map<String, ClassNode> written = new HashMap<>();
        final Map<String, byte[]> entries = new HashMap<>();

        Pruned(Crafted program, String mainClass, Reachability reach, PrunedJar jar, Report report) throws IOException {
            this.program = program;
            this.mainClass = mainClass;
            this.reach = reach;
            this.jar = jar;
            this.report = report;
            try (JarFile j = new JarFile(jar.path().toFile())) {
                for (JarEntry e : j.stream().toList()) {
                    try (InputStream in = j.getInputStream(e)) {
                        byte[] bytes = in.readAllBytes();
                        entries.put(e.getName(), bytes);
                        if (e.getName().endsWith(".class")) {
                            ClassNode node = new ClassNode();
                            new ClassReader(bytes).accept(node, 0);
                            written.put(node.name.replace('/', '.'), node);
                        }
                    }
                }
            }
        }

        /** The written class {@code name} (binary), which must be in the jar. */
        ClassNode written(String name) {
            ClassNode node = written.get(name);
            assertNotNull(node, name + " is not in the pruned jar; kept: " + written.keySet());
            return node;
        }

        void assertKept(String... names) {
            for (String name : names) {
                assertTrue(reach.isKept(name), name + " should be kept");
                written(name);
            }
        }

        void assertRemoved(String... names) {
            for (String name : names) {
                assertFalse(reach.isKept(name), name + " should be removed:\n" + reach.whyKept(name).text());
                assertNull(written.get(name), name + " is in the pruned jar");
            }
        }

        /** The method names (with descriptors) of the written class. */
        Set<String> methods(String className) {
            Set<String> out = new TreeSet<>();
            for (MethodNode m : written(className).methods) {
                out.add(m.name + m.desc);
            }
            return out;
        }

        void assertMethodsKept(String className, String... names) {
            Set<String> methods = methods(className);
            for (String name : names) {
                assertTrue(methods.stream().anyMatch(m -> m.startsWith(name + "(")),
                        className + "." + name + " should be kept; written: " + methods);
            }
        }

        void assertMethodsRemoved(String className, String... names) {
            Set<String> methods = methods(className);
            for (String name : names) {
                assertTrue(methods.stream().noneMatch(m -> m.startsWith(name + "(")),
                        className + "." + name + " should be removed; written: " + methods);
            }
        }

        /** Runs the pruned jar with the verifier on for every class. */
        Run run() throws IOException, InterruptedException {
            return Crafted.run(jar.path(), mainClass, "-Xverify:all");
        }

        /**
         * Runs the original program (class-load log on, the verifier off so that only the classes the
         * program uses are loaded) and the pruned jar (every class verified); both must print the same,
         * and the original must not have loaded a class that pruning removed. Returns the pruned run.
         */
        Run runBoth() throws IOException, InterruptedException {
            Path log = program.dir.resolve("class-load.log");
            List<String> options = new ArrayList<>(Soundness.REFERENCE_RUN_OPTIONS);
            options.add("-Xlog:class+load:file=" + log);
            Run original = Crafted.run(program.classes, mainClass, options.toArray(String[]::new));
            Run pruned = run();
            assertEquals(0, original.exitCode(), "original failed: " + original.stderr());
            assertEquals(original.stdout(), pruned.stdout(), "pruned output differs; stderr: " + pruned.stderr());
            assertEquals(original.exitCode(), pruned.exitCode(), "pruned exit differs; stderr: " + pruned.stderr());
            assertEquals(List.of(), Soundness.removedButLoaded(jar.path(), Soundness.readClassLoadLog(log)),
                    "the original run loaded classes that pruning removed");
            return pruned;
        }
    }

    private static Path javaBinary() {
        Path temurin = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
        return Files.isExecutable(temurin) ? temurin : Path.of(System.getProperty("java.home"), "bin", "java");
    }
}
