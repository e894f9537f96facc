package dev.pith.image;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;

/** Host tools for tests: checks that a peer tool is installed, runs it, builds jars. */
public final class TestTools {
    private TestTools() {
    }

    /** Whether this is a CI run, where a missing tool fails the test instead of skipping it. */
    public static boolean ci() {
        return System.getenv("CI") != null;
    }

    /**
     * Checks that {@code program} is on the PATH: fails in CI (which must install {@code debianPackage}),
     * skips elsewhere.
     */
    public static void requireTool(String program, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return;
            }
        }
        String message = program + " is not installed: apt-get install " + debianPackage + " (.ci/run installs it)";
        if (ci()) {
            fail(message);
        }
        Assumptions.abort(message);
    }

    /** What a command printed and how it exited. */
    public record Output(int exitCode, String stdout, String stderr) {
        /** Fails unless the command exited with 0. */
        public Output check() {
            if (exitCode != 0) {
                fail("command failed with exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr);
            }
            return this;
        }
    }

    /** Runs {@code command} in {@code dir} with {@code stdin} (may be null) as standard input. */
    public static Output run(Path dir, Path stdin, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        Path out = Files.createTempFile("pith-test", ".out");
        Path err = Files.createTempFile("pith-test", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())
                    : ProcessBuilder.Redirect.from(stdin.toFile()));
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " took more than 120 s");
            }
            return new Output(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Compiles {@code sources} (for the running JDK's release) and jars the classes with {@code mainClass} in the manifest. */
    public static Path compileJar(Path workDirectory, String mainClass, Path... sources) throws IOException {
        Path classes = workDirectory.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("--release", Integer.toString(Runtime.version().feature()),
                "-d", classes.toString()));
        for (Path s : sources) {
            args.add(s.toString());
        }
        int rc = javac.run(null, null, null, args.toArray(String[]::new));
        if (rc != 0) {
            fail("javac failed on " + List.of(sources));
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        Path jar = workDirectory.resolve("app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                try (InputStream in = Files.newInputStream(f)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        return jar;
    }

    /** A test resource as a file. */
    public static Path resource(String name) {
        try {
            return Path.of(TestTools.class.getResource("/" + name).toURI());
        } catch (Exception e) {
            throw new AssertionError("test resource " + name + " is missing", e);
        }
    }
}
