package dev.pith.image.prune;

import dev.pith.image.ImageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.ClassNode;

/**
 * An application's run-time class path — jars and class directories, in order — plus the JDK whose
 * classes the application links against.
 *
 * <pre>{@code
 * try (ClassPath cp = ClassPath.of(List.of(appJar, pithCoreJar, nettyBufferJar))) {
 *     ClassNode echo = cp.classNode("dev/pith/examples/echo/Echo");   // parsed on first use
 * }
 * }</pre>
 *
 * <p>Opening lists the entries' names only; a class is read and parsed when first asked for, and its
 * {@link ClassNode} is then cached (without stack map frames and debug information: the analysis needs
 * neither; {@link #classBytes} gives the original bytes for writing). As the JVM does, the first entry
 * that holds a name wins; later ones are {@linkplain #shadowed() shadowed}. A multi-release jar is read
 * as the running JDK sees it ({@code META-INF/versions/N/} for the highest {@code N} it supports).
 * Class names are internal ({@code dev/pith/Foo}). Not thread-safe.
 */
public final class ClassPath implements AutoCloseable {
    /** Where keep rules live in any class path entry (see {@link KeepRules}). */
    public static final String KEEP_FILE = "META-INF/pith/keep.txt";

    /** One jar or class directory of the class path. */
    public record Entry(Path path, boolean jar) {
        /** The file or directory name, as reports show it. */
        public String name() {
            return path.getFileName().toString();
        }
    }

    /** A non-class file of an entry ({@code name} is its path inside the entry, with '/'). */
    public record Resource(String name, Entry entry) {
    }

    private final List<Entry> entries;
    private final List<JarFile> jars = new ArrayList<>();
    private final Map<String, Source> classes = new LinkedHashMap<>();
    private final Map<String, List<Source>> resources = new LinkedHashMap<>();
    private final List<String> shadowed = new ArrayList<>();
    private final Map<String, ClassNode> parsed = new HashMap<>();
    private final Jdk jdk;

    /** Where one file comes from: a jar entry or a file under a directory. */
    private record Source(Entry entry, JarFile jar, JarEntry jarEntry, Path file, long size) {
        byte[] read() throws IOException {
            if (jar != null) {
                try (InputStream in = jar.getInputStream(jarEntry)) {
                    return in.readAllBytes();
                }
            }
            return Files.readAllBytes(file);
        }
    }

    private ClassPath(List<Path> paths, Path javaHome) throws IOException {
        List<Entry> list = new ArrayList<>();
        try {
            for (Path p : paths) {
                Path path = p.toAbsolutePath().normalize();
                if (Files.isDirectory(path)) {
                    Entry e = new Entry(path, false);
                    list.add(e);
                    indexDirectory(e);
                } else if (Files.isRegularFile(path)) {
                    Entry e = new Entry(path, true);
                    list.add(e);
                    indexJar(e);
                } else {
                    throw new ImageException("class path entry " + path + " does not exist",
                            "build it first, or take it off the class path");
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        this.entries = List.copyOf(list);
        this.jdk = new Jdk(javaHome);
    }

    /** The class path {@code entries} (jars or directories, in order), linked against the running JDK. */
    public static ClassPath of(List<Path> entries) throws IOException {
        return new ClassPath(entries, null);
    }

    /**
     * The class path {@code entries}, linked against the JDK at {@code javaHome} (read through its
     * {@code jrt:/} file system; it must be a JDK of the running feature release or later).
     */
    public static ClassPath of(List<Path> entries, Path javaHome) throws IOException {
        return new ClassPath(entries, Objects.requireNonNull(javaHome, "javaHome == null"));
    }

    /** The entries, in class path order. */
    public List<Entry> entries() {
        return entries;
    }

    /** The internal names of every class on the class path, sorted. */
    public SortedSet<String> classNames() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(classes.keySet()));
    }

    /** Whether the class path (not the JDK) holds {@code internalName}. */
    public boolean contains(String internalName) {
        return classes.containsKey(internalName);
    }

    /** The entry that holds {@code internalName}, if the class path does. */
    public Optional<Entry> entryOf(String internalName) {
        return Optional.ofNullable(classes.get(internalName)).map(Source::entry);
    }

    /** The size of the class file {@code internalName} on the class path, or -1. */
    public long classSize(String internalName) {
        Source s = classes.get(internalName);
        return s == null ? -1 : s.size();
    }

    /** The original bytes of the class {@code internalName}; the class path must hold it. */
    public byte[] classBytes(String internalName) {
        Source s = classes.get(internalName);
        if (s == null) {
            throw new IllegalArgumentException(internalName + " is not on the class path");
        }
        try {
            return s.read();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + internalName + " from " + s.entry().path(), e);
        }
    }

    /**
     * The class {@code internalName} from the class path, parsed without frames and debug information
     * (cached), or null when the class path does not hold it.
     */
    public ClassNode classNode(String internalName) {
        ClassNode node = parsed.get(internalName);
        if (node == null && classes.containsKey(internalName)) {
            node = new ClassNode();
            new ClassReader(classBytes(internalName)).accept(node, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
            parsed.put(internalName, node);
        }
        return node;
    }

    /**
     * The JDK class {@code internalName} (header, fields and methods; no code), or null when the JDK
     * has no such class.
     */
    public ClassNode jdkClassNode(String internalName) {
        return jdk.classNode(internalName);
    }

    /** Every non-class file, in class path order, including the shadowed copies of a name. */
    public List<Resource> resources() {
        List<Resource> all = new ArrayList<>();
        resources.forEach((name, sources) -> sources.forEach(s -> all.add(new Resource(name, s.entry()))));
        return all;
    }

    /** The files named {@code name} in every entry that has one, in class path order. */
    public List<Resource> resources(String name) {
        return resources.getOrDefault(name, List.of()).stream().map(s -> new Resource(name, s.entry())).toList();
    }

    /** The bytes of {@code resource}. */
    public byte[] read(Resource resource) {
        for (Source s : resources.getOrDefault(resource.name(), List.of())) {
            if (s.entry().equals(resource.entry())) {
                try {
                    return s.read();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + resource.name() + " from " + s.entry().path(), e);
                }
            }
        }
        throw new IllegalArgumentException(resource + " is not on the class path");
    }

    /** Where {@code resource} is, for messages: {@code app.jar!/META-INF/pith/keep.txt}. */
    public static String location(Resource resource) {
        return resource.entry().path() + (resource.entry().jar() ? "!/" : "/") + resource.name();
    }

    /** Class names that an earlier entry shadows, as {@code name (entry)}, in class path order. */
    public List<String> shadowed() {
        return List.copyOf(shadowed);
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (JarFile jar : jars) {
            try {
                jar.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        jars.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private void indexJar(Entry entry) throws IOException {
        JarFile jar = new JarFile(entry.path().toFile(), false, ZipFile.OPEN_READ, Runtime.version());
        jars.add(jar);
        // versionedStream() folds META-INF/versions/N/ into the base names for a multi-release jar.
        try (Stream<JarEntry> stream = jar.versionedStream()) {
            for (JarEntry e : (Iterable<JarEntry>) stream::iterator) {
                if (!e.isDirectory()) {
                    add(e.getName(), new Source(entry, jar, e, null, e.getSize()));
                }
            }
        }
    }

    private void indexDirectory(Entry entry) throws IOException {
        try (Stream<Path> files = Files.walk(entry.path())) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = entry.path().relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/");
                add(name, new Source(entry, null, null, f, Files.size(f)));
            }
        }
    }

    private void add(String name, Source source) {
        if (isClassFile(name)) {
            String internalName = name.substring(0, name.length() - ".class".length());
            if (classes.putIfAbsent(internalName, source) != null) {
                shadowed.add(internalName + " (" + source.entry().name() + ")");
            }
        } else {
            resources.computeIfAbsent(name, n -> new ArrayList<>()).add(source);
        }
    }

    /** A class the class loader could define from this name: not module-info, not under META-INF/. */
    static boolean isClassFile(String name) {
        return name.endsWith(".class") && !name.startsWith("META-INF/") && !name.endsWith("module-info.class");
    }

    /** The JDK's classes, through jrt:/ (packages mapped to modules on first use). */
    private static final class Jdk {
        private final FileSystem jrt;
        private final Map<String, List<String>> modulesOfPackage = new HashMap<>();
        private final Map<String, Optional<ClassNode>> cache = new HashMap<>();

        Jdk(Path javaHome) throws IOException {
            URI uri = URI.create("jrt:/");
            if (javaHome == null) {
                FileSystem fs;
                try {
                    fs = FileSystems.getFileSystem(uri);
                } catch (FileSystemNotFoundException e) {
                    fs = FileSystems.newFileSystem(uri, Map.of());
                }
                jrt = fs;
            } else {
                jrt = FileSystems.newFileSystem(uri, Map.of("java.home", javaHome.toString()));
            }
        }

        ClassNode classNode(String internalName) {
            return cache.computeIfAbsent(internalName, this::load).orElse(null);
        }

        private Optional<ClassNode> load(String internalName) {
            int slash = internalName.lastIndexOf('/');
            if (slash < 0) {
                return Optional.empty();
            }
            String pkg = internalName.substring(0, slash);
            for (String module : modules(pkg)) {
                Path file = jrt.getPath("/modules", module, internalName + ".class");
                if (Files.isRegularFile(file)) {
                    try {
                        ClassNode node = new ClassNode();
                        new ClassReader(Files.readAllBytes(file)).accept(node,
                                ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
                        return Optional.of(node);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot read " + file + " from the JDK", e);
                    }
                }
            }
            return Optional.empty();
        }

        private List<String> modules(String pkg) {
            return modulesOfPackage.computeIfAbsent(pkg, p -> {
                Path dir = jrt.getPath("/packages", p.replace('/', '.'));
                if (!Files.isDirectory(dir)) {
                    return List.of();
                }
                try (Stream<Path> links = Files.list(dir)) {
                    return links.map(l -> l.getFileName().toString()).sorted().toList();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + dir + " in the JDK", e);
                }
            });
        }
    }
}
