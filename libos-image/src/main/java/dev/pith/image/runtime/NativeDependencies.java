package dev.pith.image.runtime;

import dev.pith.image.ImageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Finds the host's shared libraries (glibc, in practice) that a Java runtime needs to start:
 * the {@code DT_NEEDED} names of its launchers ({@code bin/*}) and of every {@code lib/**}{@code /*.so},
 * resolved recursively, plus the program interpreter of {@code PT_INTERP}.
 *
 * <p>A name is first looked up among the runtime's own libraries ({@code libjli.so},
 * {@code libjvm.so}: they travel inside the runtime, and the guest finds them through
 * {@code LD_LIBRARY_PATH}); then in the host's library directories, in order. A host library gets
 * the guest path of the directory it was found in, where the guest's dynamic loader, which has no
 * {@code ld.so.cache}, looks by default; the interpreter keeps its {@code PT_INTERP} path. Names the
 * loader already has loaded under that SONAME (the interpreter itself) are not copied twice.
 *
 * <p>Not found: libraries that are only {@code dlopen}ed (NSS modules, {@code libgcc_s.so.1} for
 * {@code pthread_cancel}); name them with {@link #include}.
 */
public final class NativeDependencies {
    /** Debian's multiarch library directories for x86-64, then the generic ones; the loader's order. */
    public static final List<Path> DEFAULT_LIBRARY_DIRECTORIES = List.of(
            Path.of("/lib/x86_64-linux-gnu"), Path.of("/usr/lib/x86_64-linux-gnu"),
            Path.of("/lib64"), Path.of("/usr/lib64"), Path.of("/lib"), Path.of("/usr/lib"));

    private final List<Path> libraryDirectories;
    private final Set<String> include = new LinkedHashSet<>();
    private final Set<String> ignore = new LinkedHashSet<>();
    private Path root = Path.of("/");

    private NativeDependencies(List<Path> libraryDirectories) {
        this.libraryDirectories = List.copyOf(libraryDirectories);
    }

    /** A resolver over {@link #DEFAULT_LIBRARY_DIRECTORIES}. */
    public static NativeDependencies host() {
        return new NativeDependencies(DEFAULT_LIBRARY_DIRECTORIES);
    }

    /** A resolver over the given directories, given as guest paths (absolute), searched in order. */
    public static NativeDependencies searching(List<Path> libraryDirectories) {
        for (Path d : libraryDirectories) {
            if (!d.isAbsolute()) {
                throw new IllegalArgumentException("library directory is not absolute: " + d);
            }
        }
        return new NativeDependencies(libraryDirectories);
    }

    /**
     * Looks the library directories up under {@code root} instead of {@code /} (a sysroot, such as a
     * Debian tree unpacked for another machine); the guest paths stay as they are.
     */
    public NativeDependencies root(Path root) {
        this.root = Objects.requireNonNull(root, "root == null");
        return this;
    }

    /** Also copies the library {@code name} and what it needs, for libraries that are only {@code dlopen}ed. */
    public NativeDependencies include(String name) {
        include.add(Objects.requireNonNull(name, "name == null"));
        return this;
    }

    /** Does not copy {@code name} and accepts that it is missing (for a module's optional native parts). */
    public NativeDependencies ignore(String name) {
        ignore.add(Objects.requireNonNull(name, "name == null"));
        return this;
    }

    /**
     * The host files that the runtime at {@code javaHome} needs, sorted by guest path.
     *
     * @throws ImageException if a needed library is on neither the runtime nor the host
     */
    public List<HostFile> resolve(Path javaHome) throws IOException {
        Map<String, Path> internal = runtimeLibraries(javaHome);
        List<Path> roots = new ArrayList<>();
        try (Stream<Path> bin = Files.list(javaHome.resolve("bin"))) {
            bin.sorted().forEach(roots::add);
        }
        roots.addAll(internal.values());

        Map<String, HostFile> result = new TreeMap<>();
        Set<String> loadedSonames = new LinkedHashSet<>();
        Map<String, String> missing = new LinkedHashMap<>(); // name -> needed by
        Deque<String[]> work = new ArrayDeque<>();          // {name, needed by}
        Set<String> seen = new LinkedHashSet<>();
        for (Path file : roots) {
            if (!ElfFile.isElf(file)) {
                continue;
            }
            ElfFile elf = ElfFile.read(file);
            String by = javaHome.relativize(file).toString();
            if (elf.interpreter().isPresent()) {
                String interp = elf.interpreter().get();
                if (result.get(interp) == null) {
                    Path source = hostPath(interp);
                    if (!Files.exists(source)) {
                        throw new ImageException("the program interpreter " + interp + " of " + file
                                + " is not on this host", "build on an x86-64 glibc host (Debian 12), or point root() at a sysroot holding it");
                    }
                    result.put(interp, new HostFile(source.toRealPath(), interp));
                    ElfFile ld = ElfFile.read(source);
                    loadedSonames.add(ld.soname().orElse(Path.of(interp).getFileName().toString()));
                }
            }
            for (String name : elf.needed()) {
                work.add(new String[] {name, by});
            }
        }
        for (String name : include) {
            work.add(new String[] {name, "include()"});
        }
        while (!work.isEmpty()) {
            String[] item = work.poll();
            String name = item[0];
            if (!seen.add(name) || internal.containsKey(name) || loadedSonames.contains(name) || ignore.contains(name)) {
                continue;
            }
            Path found = null;
            Path foundDirectory = null;
            for (Path dir : libraryDirectories) {
                Path candidate = hostPath(dir.resolve(name).toString());
                if (Files.isRegularFile(candidate)) { // follows symbolic links
                    found = candidate;
                    foundDirectory = dir;
                    break;
                }
            }
            if (found == null) {
                missing.put(name, item[1]);
                continue;
            }
            String guestPath = foundDirectory.resolve(name).toString();
            result.put(guestPath, new HostFile(found.toRealPath(), guestPath));
            ElfFile elf = ElfFile.read(found);
            for (String next : elf.needed()) {
                work.add(new String[] {next, guestPath});
            }
        }
        if (!missing.isEmpty()) {
            StringBuilder what = new StringBuilder("shared libraries needed by the runtime at " + javaHome
                    + " are neither in it nor in " + libraryDirectories + ":");
            missing.forEach((name, by) -> what.append("\n    ").append(name).append(" (needed by ").append(by).append(')'));
            throw new ImageException(what.toString(),
                    "install the Debian package that holds each one (apt-file search NAME), or leave out the JDK module "
                            + "whose library needs it (a desktop module needs X11), or accept it with NativeDependencies.ignore(NAME)");
        }
        return List.copyOf(result.values());
    }

    /** Every shared object inside the runtime, by file name (the first by path order wins). */
    private static Map<String, Path> runtimeLibraries(Path javaHome) throws IOException {
        Path lib = javaHome.resolve("lib");
        if (!Files.isDirectory(lib) || !Files.isDirectory(javaHome.resolve("bin"))) {
            throw new ImageException(javaHome + " is not a Java runtime (no bin/ and lib/)",
                    "pass the directory that jlink wrote, or a JDK's home");
        }
        Map<String, Path> libraries = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(lib)) {
            files.filter(p -> p.getFileName().toString().endsWith(".so") && Files.isRegularFile(p))
                    .sorted(Comparator.comparing(Path::toString))
                    .forEach(p -> libraries.putIfAbsent(p.getFileName().toString(), p));
        }
        return libraries;
    }

    private Path hostPath(String guestPath) {
        return root.resolve(guestPath.startsWith("/") ? guestPath.substring(1) : guestPath);
    }
}
