package dev.pith.image.prune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The end-to-end check of pruning: a run of the unpruned application must not load a class that
 * pruning removed, and a run of the pruned jar must print what the unpruned one printed. Run the
 * unpruned application with {@link #REFERENCE_RUN_OPTIONS} and {@code -Xlog:class+load:file=load.log},
 * then
 *
 * <pre>{@code
 * List<String> missed = Soundness.removedButLoaded(prunedJar, Soundness.readClassLoadLog(log));
 * // must be empty
 * }</pre>
 *
 * <p>Why the reference run turns the verifier off: verifying a method loads the classes whose
 * assignability it checks, so the unpruned run also loads classes that only the methods pruning
 * removed mention (on the echo example: nine netty classes). With the verifier off, a class is
 * loaded when code that runs resolves it — what the pruned jar must hold. The pruned run keeps the
 * verifier on ({@code -Xverify:all}): that checks the rewritten classes.
 *
 * <p>A class-load log line reads {@code [0.031s][info][class,load] a.b.C source: file:/app/app.jar};
 * application classes are those whose source is a {@code file:} or {@code jar:} URL (the JDK's say
 * {@code jrt:/}, {@code shared objects file}; lambdas and other hidden classes name their host class).
 */
public final class Soundness {
    /** JVM options for the unpruned reference run: no bytecode verification of application classes. */
    public static final List<String> REFERENCE_RUN_OPTIONS =
            List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:-BytecodeVerificationRemote");

    private static final Pattern LOAD = Pattern.compile("\\[class,load\\s*\\]\\s+(\\S+)\\s+source:\\s+(.*)$");

    private Soundness() {
    }

    /** The classes a log loaded, in order, mapped to their source. */
    public static Map<String, String> readClassLoadLog(Path log) throws IOException {
        Map<String, String> loaded = new LinkedHashMap<>();
        for (String line : Files.readAllLines(log)) {
            Matcher m = LOAD.matcher(line);
            if (m.find()) {
                loaded.putIfAbsent(m.group(1), m.group(2).strip());
            }
        }
        return loaded;
    }

    /** The application classes of a class-load log: those loaded from a file or jar. */
    public static List<String> applicationClasses(Map<String, String> classLoadLog) {
        List<String> out = new ArrayList<>();
        classLoadLog.forEach((name, source) -> {
            if ((source.startsWith("file:") || source.startsWith("jar:")) && !name.contains("/")) {
                out.add(name);
            }
        });
        return out;
    }

    /**
     * The application classes of {@code classLoadLog} (see {@link #readClassLoadLog}) that
     * {@code prunedJar} lacks, sorted: pruning was unsound for that run unless this is empty.
     */
    public static List<String> removedButLoaded(Path prunedJar, Map<String, String> classLoadLog) throws IOException {
        return removedButLoaded(prunedJar, applicationClasses(classLoadLog));
    }

    /**
     * The names in {@code loadedApplicationClasses} (binary names of classes that came from the
     * application's class path) that {@code prunedJar} lacks, sorted.
     */
    public static List<String> removedButLoaded(Path prunedJar, Collection<String> loadedApplicationClasses) throws IOException {
        Set<String> inJar = new HashSet<>();
        try (JarFile jar = new JarFile(prunedJar.toFile())) {
            jar.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class"))
                    .forEach(n -> inJar.add(n.substring(0, n.length() - ".class".length()).replace('/', '.')));
        }
        TreeSet<String> missing = new TreeSet<>();
        for (String c : loadedApplicationClasses) {
            if (!inJar.contains(c)) {
                missing.add(c);
            }
        }
        return List.copyOf(missing);
    }

    /**
     * The names in {@code loadedClasses} that {@code original} holds and {@code prunedJar} lacks:
     * for a list of loaded classes without sources.
     */
    public static List<String> removedButLoaded(Path prunedJar, ClassPath original, Collection<String> loadedClasses)
            throws IOException {
        List<String> application = new ArrayList<>();
        for (String c : loadedClasses) {
            if (original.contains(c.replace('.', '/'))) {
                application.add(c);
            }
        }
        return removedButLoaded(prunedJar, application);
    }
}
