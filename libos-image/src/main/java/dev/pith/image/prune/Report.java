package dev.pith.image.prune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * What pruning kept and removed, in classes, bytes and methods — in total, per class path entry and per
 * package — and why any class was kept.
 *
 * <pre>{@code
 * Report report = Report.of(reach, prunedJar);
 * System.out.print(report.text());
 * System.out.print(report.whyKept("dev.pith.net.internal.tcp.Connection").text());
 * }</pre>
 *
 * <p>Kept bytes are the bytes written (after method pruning); total bytes are the original class files'.
 */
public final class Report {

    /** Kept and total counts of one group of classes (a jar, a package, or all). */
    public record Tally(String name, int classesKept, int classesTotal, long bytesKept, long bytesTotal,
                        int methodsKept, int methodsTotal) {
        /** Original bytes minus kept bytes. */
        public long bytesRemoved() {
            return bytesTotal - bytesKept;
        }

        Tally plus(boolean kept, long written, long original, int methodsWritten, int methods) {
            return new Tally(name, classesKept + (kept ? 1 : 0), classesTotal + 1, bytesKept + written,
                    bytesTotal + original, methodsKept + methodsWritten, methodsTotal + methods);
        }
    }

    private final Reachability reach;
    private final PrunedJar jar;
    private final Tally total;
    private final List<Tally> perJar;
    private final List<Tally> perPackage;
    private final List<String> removedClasses;

    private Report(Reachability reach, PrunedJar jar) {
        this.reach = reach;
        this.jar = jar;
        ClassPath cp = reach.classPath();
        Map<String, PrunedJar.ClassEntry> written = new TreeMap<>();
        for (PrunedJar.ClassEntry c : jar.classes()) {
            written.put(c.className(), c);
        }
        Tally all = new Tally("total", 0, 0, 0, 0, 0, 0);
        Map<String, Tally> jars = new LinkedHashMap<>();
        for (ClassPath.Entry e : cp.entries()) {
            jars.put(e.name(), new Tally(e.name(), 0, 0, 0, 0, 0, 0));
        }
        Map<String, Tally> packages = new TreeMap<>();
        List<String> removed = new ArrayList<>();
        for (String internal : cp.classNames()) {
            String name = Analysis.dotted(internal);
            PrunedJar.ClassEntry c = written.get(name);
            boolean kept = c != null;
            long original = cp.classSize(internal);
            long bytes = kept ? c.writtenBytes() : 0;
            int methods = kept ? c.originalMethods() : methodCount(cp.classBytes(internal));
            int methodsKept = kept ? c.writtenMethods() : 0;
            if (!kept) {
                removed.add(name);
            }
            all = all.plus(kept, bytes, original, methodsKept, methods);
            String entry = cp.entryOf(internal).orElseThrow().name();
            jars.put(entry, jars.get(entry).plus(kept, bytes, original, methodsKept, methods));
            int dot = name.lastIndexOf('.');
            String pkg = dot < 0 ? "(default package)" : name.substring(0, dot);
            packages.put(pkg, packages.getOrDefault(pkg, new Tally(pkg, 0, 0, 0, 0, 0, 0))
                    .plus(kept, bytes, original, methodsKept, methods));
        }
        this.total = all;
        this.perJar = List.copyOf(jars.values());
        this.perPackage = List.copyOf(packages.values());
        this.removedClasses = List.copyOf(removed);
    }

    /** The report of {@code reach} written as {@code jar}. */
    public static Report of(Reachability reach, PrunedJar jar) {
        return new Report(reach, jar);
    }

    /** All classes of the class path. */
    public Tally total() {
        return total;
    }

    /** Per class path entry, in class path order. */
    public List<Tally> perJar() {
        return perJar;
    }

    /** Per package, sorted by name. */
    public List<Tally> perPackage() {
        return perPackage;
    }

    /** Packages by bytes removed, most first. */
    public List<Tally> topRemovedPackages(int limit) {
        return perPackage.stream().sorted(Comparator.comparingLong(Tally::bytesRemoved).reversed()
                .thenComparing(Tally::name)).limit(limit).toList();
    }

    /** Classes of the class path that the pruned jar lacks, sorted. */
    public List<String> removedClasses() {
        return removedClasses;
    }

    /** The chain of references from a root to {@code className}. */
    public Reachability.WhyKept whyKept(String className) {
        return reach.whyKept(className);
    }

    /** The analysis's warnings. */
    public List<String> warnings() {
        return reach.warnings();
    }

    /** The summary, per jar, the ten packages that lost most, warnings and reflective calls. */
    public String text() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "pruned %s: kept %,d of %,d classes (%.1f %%), %s of %s class bytes (%.1f %%), "
                        + "%,d of %,d methods%n", jar.path().getFileName(), total.classesKept(), total.classesTotal(),
                percent(total.classesKept(), total.classesTotal()), size(total.bytesKept()), size(total.bytesTotal()),
                percent(total.bytesKept(), total.bytesTotal()), total.methodsKept(), total.methodsTotal()));
        out.append(String.format(Locale.ROOT, "resources: %,d written, %,d left out; %,d kept classes lost their static initialiser%n",
                jar.resources().size(), jar.droppedResources().size(), jar.uninitializedClasses().size()));
        out.append("per class path entry (classes kept/total, bytes kept/total, methods kept/total):\n");
        for (Tally t : perJar) {
            out.append(line(t));
        }
        out.append("packages that lost most:\n");
        for (Tally t : topRemovedPackages(10)) {
            out.append(line(t));
        }
        if (!reach.warnings().isEmpty()) {
            out.append("warnings:\n");
            reach.warnings().forEach(w -> out.append("  ").append(w).append('\n'));
        }
        if (!reach.missingClasses().isEmpty()) {
            out.append("missing classes (first referrer):\n");
            reach.missingClasses().entrySet().stream().limit(20)
                    .forEach(e -> out.append("  ").append(e.getKey()).append("  <- ").append(e.getValue()).append('\n'));
            if (reach.missingClasses().size() > 20) {
                out.append("  ... ").append(reach.missingClasses().size() - 20).append(" more\n");
            }
        }
        if (!reach.reflectiveCalls().isEmpty()) {
            out.append("reflection in kept code (keep rules may be needed):\n");
            reach.reflectiveCalls().forEach((api, callers) -> out.append("  ").append(api).append(" <- ")
                    .append(callers.size() <= 3 ? String.join(", ", callers)
                            : String.join(", ", callers.stream().limit(3).toList()) + " and " + (callers.size() - 3) + " more")
                    .append('\n'));
        }
        return out.toString();
    }

    private static String line(Tally t) {
        return String.format(Locale.ROOT, "  %-48s %6d/%-6d %10s/%-10s %6d/%-6d%n", t.name(), t.classesKept(), t.classesTotal(),
                size(t.bytesKept()), size(t.bytesTotal()), t.methodsKept(), t.methodsTotal());
    }

    private static double percent(long part, long whole) {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }

    private static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.2f MB", bytes / (1024.0 * 1024));
    }

    private static int methodCount(byte[] classFile) {
        int[] count = {0};
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                count[0]++;
                return null;
            }
        }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return count[0];
    }
}
