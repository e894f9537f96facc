package dev.pith.image.prune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.objectweb.asm.Type;

/**
 * What an application can reach from its roots: the classes to keep, and in them the methods to keep.
 *
 * <pre>{@code
 * Reachability reach = Reachability.builder(classPath)
 *         .root(Root.main(Type.getObjectType("dev/pith/boot/Boot")))
 *         .analyse();
 * reach.isKept("dev.pith.net.tcp.TcpConnection");
 * reach.whyKept("dev.pith.net.tcp.TcpConnection").text();
 * }</pre>
 *
 * <p>The analysis is rapid type analysis over methods; the rules it follows are listed in
 * libos-image/README.md ("Pruning"). Roots are the builder's, the keep rules of every
 * {@value ClassPath#KEEP_FILE} on the class path, the builder's extra rules, and every member
 * annotated {@code @Keep}. Class names in this API are binary names ({@code a.b.Outer$Inner}); an
 * internal name ({@code a/b/Outer$Inner}) is accepted too.
 */
public final class Reachability {

    /** One step of a {@link WhyKept} chain: {@code from --edge--> to}; {@code from} is null for the root. */
    public record Step(String from, String edge, String to) {
        @Override
        public String toString() {
            return from == null ? to + "  [" + edge + "]" : from + " --" + edge + "--> " + to;
        }
    }

    /** Why a class was kept: the chain of references from a root, root first (empty when removed). */
    public record WhyKept(String className, boolean kept, List<Step> steps) {
        public WhyKept {
            steps = List.copyOf(steps);
        }

        /** As {@code why-kept} prints it. */
        public String text() {
            StringBuilder out = new StringBuilder("why-kept ").append(className).append('\n');
            if (!kept) {
                out.append("  removed: no root reaches it\n");
            }
            for (Step s : steps) {
                out.append("  ").append(s).append('\n');
            }
            return out.toString();
        }
    }

    /** The roots and settings of one analysis. */
    public static final class Builder {
        private final ClassPath classPath;
        private final List<Root> roots = new ArrayList<>();
        private KeepRules rules = KeepRules.none();
        private boolean interfaceMethods = true;

        private Builder(ClassPath classPath) {
            this.classPath = Objects.requireNonNull(classPath, "classPath == null");
        }

        /** Adds a root. */
        public Builder root(Root root) {
            roots.add(Objects.requireNonNull(root, "root == null"));
            return this;
        }

        /** Adds the entry method {@code owner.name descriptor}. */
        public Builder entryMethod(Type owner, String name, String descriptor) {
            return root(Root.method(owner, name, descriptor));
        }

        /** Adds every member of {@code owner} as a root. */
        public Builder entryClass(Type owner) {
            return root(Root.allMembers(owner));
        }

        /** Adds keep rules to those found on the class path. */
        public Builder keep(KeepRules more) {
            rules = rules.and(Objects.requireNonNull(more, "more == null"));
            return this;
        }

        /**
         * Whether an instantiated class keeps its implementations of every abstract method of the
         * interfaces it implements (default true). The verifier does not need them — the JVM only
         * fails a call that finds no implementation — but reflection and proxies may; false prunes
         * them like any other method nothing calls.
         */
        public Builder keepInterfaceImplementations(boolean keep) {
            this.interfaceMethods = keep;
            return this;
        }

        /** Runs the analysis. */
        public Reachability analyse() {
            if (roots.isEmpty()) {
                throw new IllegalStateException("no roots: add the boot class's main with root(Root.main(type))");
            }
            Analysis a = new Analysis(classPath, interfaceMethods);
            for (Root r : roots) {
                a.root(r);
            }
            a.keep(KeepRules.fromClassPath(classPath).and(rules));
            a.keepAnnotated();
            a.run();
            return new Reachability(a, roots);
        }
    }

    private final Analysis analysis;
    private final List<Root> roots;
    private final SortedSet<String> keptClasses;

    private Reachability(Analysis analysis, List<Root> roots) {
        this.analysis = analysis;
        this.roots = List.copyOf(roots);
        SortedSet<String> kept = new TreeSet<>();
        for (String c : analysis.classes.keySet()) {
            kept.add(Analysis.dotted(c));
        }
        this.keptClasses = Collections.unmodifiableSortedSet(kept);
    }

    /** An analysis of {@code classPath}; add at least one root. */
    public static Builder builder(ClassPath classPath) {
        return new Builder(classPath);
    }

    /** The class path analysed. */
    public ClassPath classPath() {
        return analysis.classPath;
    }

    /** The roots given to the builder. */
    public List<Root> roots() {
        return roots;
    }

    /** The class path's classes that are kept, sorted. */
    public SortedSet<String> keptClasses() {
        return keptClasses;
    }

    /** Whether the class path's class {@code className} is kept. */
    public boolean isKept(String className) {
        return analysis.classes.containsKey(internal(className));
    }

    /** Whether reachable code creates instances of {@code className} (or a rule says it may). */
    public boolean isInstantiated(String className) {
        return analysis.instantiated.contains(internal(className));
    }

    /** Whether {@code className}'s static initialiser is kept (the class is initialised). */
    public boolean isInitialized(String className) {
        return analysis.initialized.contains(internal(className));
    }

    /** Whether the method {@code name descriptor} of {@code className} is kept. */
    public boolean isMethodKept(String className, String name, String descriptor) {
        return analysis.methods.containsKey(Analysis.key(internal(className), name, descriptor));
    }

    /** The kept methods of {@code className}, as {@code name + descriptor}, sorted. */
    public SortedSet<String> keptMethods(String className) {
        String prefix = internal(className) + ".";
        SortedSet<String> out = new TreeSet<>();
        for (String key : analysis.methods.keySet()) {
            if (key.startsWith(prefix) && key.indexOf('.') == prefix.length() - 1) { // internal names have no '.'
                out.add(key.substring(prefix.length()));
            }
        }
        return out;
    }

    /** Number of kept methods, over all kept classes. */
    public int keptMethodCount() {
        return analysis.methods.size();
    }

    /**
     * Things to look at: keep rules that name nothing, service providers that are missing, classes
     * referenced but absent.
     */
    public List<String> warnings() {
        return List.copyOf(analysis.warnings);
    }

    /** Classes that kept code refers to but neither the class path nor the JDK holds, with a referrer. */
    public SortedMap<String, String> missingClasses() {
        SortedMap<String, String> out = new TreeMap<>();
        analysis.missing.forEach((c, from) -> out.put(Analysis.dotted(c), display(from)));
        return out;
    }

    /**
     * Reflective JDK methods (Class.forName, getDeclared*, MethodHandles.Lookup.find*, ServiceLoader.load,
     * Proxy.newProxyInstance) that kept code calls, with the callers: where keep rules may be needed.
     */
    public SortedMap<String, SortedSet<String>> reflectiveCalls() {
        SortedMap<String, SortedSet<String>> out = new TreeMap<>();
        analysis.reflection.forEach((api, callers) -> {
            SortedSet<String> shown = new TreeSet<>();
            callers.forEach(c -> shown.add(display(c)));
            out.put(api, Collections.unmodifiableSortedSet(shown));
        });
        return out;
    }

    /** The chain of references from a root to {@code className}. */
    public WhyKept whyKept(String className) {
        String start = internal(className);
        if (!analysis.classes.containsKey(start)) {
            return new WhyKept(Analysis.dotted(start), false, List.of());
        }
        List<Step> steps = new ArrayList<>();
        String node = start;
        // The class itself: why it has instances, when it has, says more than why it is loadable.
        Analysis.Reason r = analysis.instantiatedBecause.getOrDefault(start, analysis.classes.get(start));
        while (true) {
            if (r.from() == null) {
                steps.add(new Step(null, r.detail() == null ? r.edge() : r.detail(), display(node)));
                break;
            }
            steps.add(new Step(display(r.from()), r.detail() == null ? r.edge() : r.edge() + " " + r.detail(), display(node)));
            node = r.from();
            r = node.indexOf('(') < 0 ? analysis.classes.get(node) : analysis.methods.get(node);
        }
        Collections.reverse(steps);
        return new WhyKept(Analysis.dotted(start), true, steps);
    }

    /** A node as reports show it: {@code a.b.C} or {@code a.b.C.m(int, String[])}. */
    static String display(String node) {
        int paren = node.indexOf('(');
        if (paren < 0) {
            return Analysis.dotted(node);
        }
        int dot = node.lastIndexOf('.', paren);
        String owner = Analysis.dotted(node.substring(0, dot));
        String name = node.substring(dot + 1, paren);
        StringBuilder out = new StringBuilder(owner).append('.').append(name).append('(');
        Type[] args = Type.getArgumentTypes(node.substring(paren));
        for (int i = 0; i < args.length; i++) {
            String arg = args[i].getClassName();
            out.append(i == 0 ? "" : ", ").append(arg.substring(arg.lastIndexOf('.') + 1));
        }
        return out.append(')').toString();
    }

    static String internal(String className) {
        return className.replace('.', '/');
    }

    Set<String> keptInternalNames() {
        return analysis.classes.keySet();
    }
}
