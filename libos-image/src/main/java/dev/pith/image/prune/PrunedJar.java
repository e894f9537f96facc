package dev.pith.image.prune;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InnerClassNode;

/**
 * The application jar of an image: the kept classes, each without its unreachable methods, and the
 * resources, with {@code Main-Class} naming the boot class.
 *
 * <pre>{@code
 * PrunedJar jar = PrunedJar.write(reach, "dev.pith.boot.Boot", target.resolve("app.jar"));
 * }</pre>
 *
 * <p>Classes: only kept ones, with only kept methods (a class that is never initialised loses its
 * static initialiser); nothing else in a class changes (code, frames, debug information and fields are
 * copied), except the attributes that name other classes: {@code NestMembers}, {@code InnerClasses}
 * and {@code PermittedSubclasses} lose the classes that were removed (a sealed class whose permitted
 * subclasses are all gone is no longer sealed), and an {@code EnclosingMethod} whose method was removed
 * names only its class. Resources: every non-class file, except jar signatures
 * ({@code META-INF/*.SF|RSA|DSA|EC}), {@code META-INF/maven/**}, {@code META-INF/INDEX.LIST}, the
 * entries' manifests, {@code module-info.class} files, versioned entries of jars that are not
 * multi-release, and the keep files; a service file ({@code META-INF/services/S}) is merged over the
 * class path and keeps only kept providers, and goes when {@code S} does. Where two entries hold the
 * same name the first wins, as on the class path. The jar is flat (not multi-release), its entries are
 * sorted and stamped with one fixed time: the same input gives the same bytes.
 */
public final class PrunedJar {
    /** The time every entry carries. */
    public static final LocalDateTime TIMESTAMP = LocalDateTime.of(1980, 2, 1, 0, 0);

    /** A class written: where it came from, its size before and after, its methods before and after. */
    public record ClassEntry(String className, String source, long originalBytes, long writtenBytes,
                             int originalMethods, int writtenMethods) {
    }

    /** A resource written ({@code source} names the entries it came from). */
    public record ResourceEntry(String name, String source, long bytes) {
    }

    private final Path path;
    private final List<ClassEntry> classes;
    private final List<ResourceEntry> resources;
    private final List<String> droppedResources;
    private final List<String> uninitialized;

    private PrunedJar(Path path, List<ClassEntry> classes, List<ResourceEntry> resources,
                      List<String> droppedResources, List<String> uninitialized) {
        this.path = path;
        this.classes = List.copyOf(classes);
        this.resources = List.copyOf(resources);
        this.droppedResources = List.copyOf(droppedResources);
        this.uninitialized = List.copyOf(uninitialized);
    }

    /** Writes the pruned jar of {@code reach} to {@code jar}, with {@code mainClass} (binary name) as Main-Class. */
    public static PrunedJar write(Reachability reach, String mainClass, Path jar) throws IOException {
        Objects.requireNonNull(mainClass, "mainClass == null");
        if (!reach.isKept(mainClass)) {
            throw new IllegalArgumentException("main class " + mainClass + " is not kept: make it a root");
        }
        ClassPath cp = reach.classPath();
        Map<String, byte[]> entries = new TreeMap<>();
        List<ClassEntry> classes = new ArrayList<>();
        List<String> uninitialized = new ArrayList<>();
        for (String name : new TreeSet<>(reach.keptInternalNames())) {
            byte[] original = cp.classBytes(name);
            ClassNode node = new ClassNode();
            new ClassReader(original).accept(node, 0);
            int before = node.methods.size();
            if (node.methods.stream().anyMatch(m -> m.name.equals("<clinit>")) && !reach.isInitialized(name)) {
                uninitialized.add(Analysis.dotted(name));
            }
            node.methods.removeIf(m -> !reach.isMethodKept(name, m.name, m.desc));
            fixAttributes(node, reach);
            ClassWriter writer = new ClassWriter(0);
            node.accept(writer);
            byte[] written = writer.toByteArray();
            entries.put(name + ".class", written);
            classes.add(new ClassEntry(Analysis.dotted(name), cp.entryOf(name).orElseThrow().name(),
                    original.length, written.length, before, node.methods.size()));
        }
        List<ResourceEntry> resources = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        Map<String, Set<String>> services = new TreeMap<>();
        Map<String, Set<String>> serviceSources = new TreeMap<>();
        for (ClassPath.Resource r : cp.resources()) {
            String name = r.name();
            String why = dropReason(name, r.entry());
            if (why != null) {
                dropped.add(ClassPath.location(r) + ": " + why);
                continue;
            }
            if (name.startsWith("META-INF/services/") && name.indexOf('/', "META-INF/services/".length()) < 0) {
                String service = name.substring("META-INF/services/".length());
                if (!reach.isKept(service)) {
                    dropped.add(ClassPath.location(r) + ": service " + service + " is not kept");
                    continue;
                }
                Set<String> providers = services.computeIfAbsent(name, n -> new LinkedHashSet<>());
                for (String p : Analysis.serviceProviders(new String(cp.read(r), StandardCharsets.UTF_8))) {
                    if (reach.isKept(p)) {
                        providers.add(p);
                        serviceSources.computeIfAbsent(name, n -> new LinkedHashSet<>()).add(r.entry().name());
                    } else {
                        dropped.add(ClassPath.location(r) + ": provider " + p + " is not kept");
                    }
                }
                continue;
            }
            if (entries.containsKey(name)) {
                dropped.add(ClassPath.location(r) + ": shadowed by an earlier entry");
                continue;
            }
            byte[] bytes = cp.read(r);
            entries.put(name, bytes);
            resources.add(new ResourceEntry(name, r.entry().name(), bytes.length));
        }
        services.forEach((name, providers) -> {
            if (!providers.isEmpty()) {
                byte[] bytes = (String.join("\n", providers) + "\n").getBytes(StandardCharsets.UTF_8);
                entries.put(name, bytes);
                resources.add(new ResourceEntry(name, String.join(",", serviceSources.get(name)), bytes.length));
            }
        });
        resources.sort((a, b) -> a.name().compareTo(b.name()));
        writeJar(jar, mainClass, entries);
        return new PrunedJar(jar, classes, resources, dropped, uninitialized);
    }

    private static String dropReason(String name, ClassPath.Entry entry) {
        if (name.equals(JarFile.MANIFEST_NAME)) {
            return "the pruned jar has its own manifest";
        }
        if (name.startsWith("META-INF/") && name.indexOf('/', "META-INF/".length()) < 0
                && (name.endsWith(".SF") || name.endsWith(".RSA") || name.endsWith(".DSA") || name.endsWith(".EC")
                || name.startsWith("META-INF/SIG-"))) {
            return "a signature of the original jar, void for the pruned one";
        }
        if (name.startsWith("META-INF/maven/")) {
            return "Maven build metadata";
        }
        if (name.equals("META-INF/INDEX.LIST")) {
            return "a jar index of the original jar";
        }
        if (name.startsWith("META-INF/versions/")) {
            return "a versioned entry of a jar that is not multi-release";
        }
        if (name.endsWith("module-info.class")) {
            return "a module descriptor: the pruned jar runs on the class path";
        }
        if (name.equals(ClassPath.KEEP_FILE)) {
            return "keep rules are for the build";
        }
        return null;
    }

    /** Attributes that list other classes lose the removed ones. */
    private static void fixAttributes(ClassNode node, Reachability reach) {
        ClassPath cp = reach.classPath();
        if (node.nestMembers != null) {
            node.nestMembers.removeIf(m -> !reach.isKept(m));
            if (node.nestMembers.isEmpty()) {
                node.nestMembers = null;
            }
        }
        if (node.permittedSubclasses != null) {
            // The JVM checks only that a loaded subclass is listed; the removed ones are never loaded.
            node.permittedSubclasses.removeIf(s -> !reach.isKept(s));
            if (node.permittedSubclasses.isEmpty()) {
                node.permittedSubclasses = null;
            }
        }
        List<InnerClassNode> inner = new ArrayList<>();
        for (InnerClassNode ic : node.innerClasses) {
            if (!cp.contains(ic.name) || reach.isKept(ic.name)) {
                inner.add(ic);
            }
        }
        node.innerClasses = inner;
        if (node.outerMethod != null && !reach.isMethodKept(node.outerClass, node.outerMethod, node.outerMethodDesc)) {
            node.outerMethod = null;
            node.outerMethodDesc = null;
        }
    }

    private static void writeJar(Path jar, String mainClass, Map<String, byte[]> entries) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.put(Attributes.Name.MAIN_CLASS, mainClass);
        main.put(new Attributes.Name("Created-By"), "Pith image linker (pruned)");
        Map<String, byte[]> ordered = new LinkedHashMap<>();
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        manifest.write(m);
        ordered.put(JarFile.MANIFEST_NAME, m.toByteArray());
        ordered.putAll(entries);
        Path parent = jar.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            for (Map.Entry<String, byte[]> e : ordered.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setTimeLocal(TIMESTAMP);
                out.putNextEntry(entry);
                out.write(e.getValue());
                out.closeEntry();
            }
        }
    }

    /** Where the jar was written. */
    public Path path() {
        return path;
    }

    /** The classes written, sorted by name. */
    public List<ClassEntry> classes() {
        return classes;
    }

    /** The resources written (service files merged), sorted by name. */
    public List<ResourceEntry> resources() {
        return resources;
    }

    /** Resources left out, as {@code location: reason}. */
    public List<String> droppedResources() {
        return droppedResources;
    }

    /**
     * Kept classes whose static initialiser was removed because nothing initialises them (they are
     * only named: types in descriptors, casts, class literals). Reflection that initialises one of them
     * needs a keep rule.
     */
    public List<String> uninitializedClasses() {
        return uninitialized;
    }

    /** Methods written, over all classes. */
    public int writtenMethods() {
        return classes.stream().mapToInt(ClassEntry::writtenMethods).sum();
    }

    /** Class bytes written, over all classes. */
    public long writtenClassBytes() {
        return classes.stream().mapToLong(ClassEntry::writtenBytes).sum();
    }
}
