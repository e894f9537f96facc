package dev.pith.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.ToolProvider;

/** Compiles a single-file guest program from the test resources into a jar the initramfs carries. */
final class GuestJar {
    private GuestJar() {
    }

    /** Compiles {@code guest/<mainClass>.java} for the running JDK's release and jars it with {@code mainClass} as Main-Class. */
    static Path build(Path workDirectory, String mainClass) throws IOException {
        Path source = resource("guest/" + mainClass + ".java");
        Path classes = Files.createDirectories(workDirectory.resolve("classes"));
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "--release", Integer.toString(Runtime.version().feature()), "-d", classes.toString(), source.toString());
        if (rc != 0) {
            throw new IOException("javac failed on " + source);
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        Path jar = workDirectory.resolve(mainClass + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
             Stream<Path> files = Files.walk(classes)) {
            List<Path> classFiles = files.filter(Files::isRegularFile).sorted().toList();
            for (Path f : classFiles) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                try (InputStream in = Files.newInputStream(f)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        return jar;
    }

    private static Path resource(String name) {
        try {
            return Path.of(GuestJar.class.getResource("/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + name + " is missing", e);
        }
    }
}
