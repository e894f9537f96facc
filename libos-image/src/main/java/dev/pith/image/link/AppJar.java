package dev.pith.image.link;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Merges a class path (jars and class directories) into one jar with a Main-Class, the way the
 * image runs it: {@code -cp /app/app.jar}. The first occurrence of an entry wins, as on a class
 * path; module descriptors and signatures are left out (the image runs the application on the
 * class path, and a merged jar's signatures would be wrong); entries are sorted and timestamped
 * alike, so the same inputs give the same bytes.
 */
public final class AppJar {

    private AppJar() {}

    /** Fixed entry time (1980-01-01), so the jar is reproducible. */
    static final long ENTRY_TIME = 315_532_800_000L;

    /** Writes {@code output} from {@code classPath}, earlier entries first; returns the number of entries. */
    public static int write(List<Path> classPath, String mainClass, Path output) throws IOException {
        TreeMap<String, Source> entries = new TreeMap<>();
        for (Path element : classPath) {
            if (Files.isDirectory(element)) {
                try (Stream<Path> files = Files.walk(element)) {
                    for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                        String name = element.relativize(file).toString().replace('\\', '/');
                        entries.putIfAbsent(name, new Source(null, file, name));
                    }
                }
            } else if (Files.isRegularFile(element)) {
                try (JarFile jar = new JarFile(element.toFile())) {
                    for (JarEntry entry : jar.stream().filter(e -> !e.isDirectory()).toList()) {
                        entries.putIfAbsent(entry.getName(), new Source(element, null, entry.getName()));
                    }
                }
            }
        }
        entries.keySet().removeIf(AppJar::leftOut);
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        manifest.getMainAttributes().putValue("Enable-Native-Access", "ALL-UNNAMED");
        Files.createDirectories(output.toAbsolutePath().getParent());
        List<JarFile> open = new ArrayList<>();
        try (OutputStream file = Files.newOutputStream(output); JarOutputStream out = new JarOutputStream(file)) {
            JarEntry manifestEntry = new JarEntry(JarFile.MANIFEST_NAME);
            manifestEntry.setTime(ENTRY_TIME);
            out.putNextEntry(manifestEntry);
            manifest.write(out);
            out.closeEntry();
            for (Source source : entries.values()) {
                JarEntry entry = new JarEntry(source.name());
                entry.setTime(ENTRY_TIME);
                out.putNextEntry(entry);
                try (InputStream in = source.open(open)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        } finally {
            for (JarFile jar : open) {
                jar.close();
            }
        }
        return entries.size() + 1;
    }

    private static boolean leftOut(String name) {
        return name.equals(JarFile.MANIFEST_NAME) || name.endsWith("module-info.class")
                || name.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)") || name.startsWith("META-INF/maven/");
    }

    private record Source(Path jar, Path file, String name) {
        InputStream open(List<JarFile> open) throws IOException {
            if (file != null) {
                return Files.newInputStream(file);
            }
            JarFile jarFile = null;
            for (JarFile j : open) {
                if (Path.of(j.getName()).equals(jar)) {
                    jarFile = j;
                }
            }
            if (jarFile == null) {
                jarFile = new JarFile(jar.toFile());
                open.add(jarFile);
            }
            return jarFile.getInputStream(jarFile.getJarEntry(name));
        }
    }
}
