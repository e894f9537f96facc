package dev.pith.image.prune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * The types the analysis meets — the program's (class path), the library's (the JDK) and the classes
 * the JVM spins for lambdas — with method resolution (JVMS §5.4.3.3–4) and selection (JVMS §5.4.6).
 */
final class Hierarchy {

    enum Kind { PROGRAM, LIBRARY, LAMBDA }

    /** A type: its supertypes and its methods by {@code name + descriptor}. */
    static final class Type {
        final String name;
        final Kind kind;
        final int access;
        final String superName;
        final List<String> interfaces;
        final Map<String, MethodNode> methods = new LinkedHashMap<>();
        final ClassNode node;

        Type(String name, Kind kind, int access, String superName, List<String> interfaces, ClassNode node) {
            this.name = name;
            this.kind = kind;
            this.access = access;
            this.superName = superName;
            this.interfaces = interfaces;
            this.node = node;
            if (node != null) {
                for (MethodNode m : node.methods) {
                    methods.put(m.name + m.desc, m);
                }
            }
        }

        boolean isInterface() {
            return (access & Opcodes.ACC_INTERFACE) != 0;
        }

        boolean isAbstract() {
            return (access & Opcodes.ACC_ABSTRACT) != 0;
        }

        boolean program() {
            return kind == Kind.PROGRAM;
        }
    }

    /** A method found by resolution or selection. */
    record Found(Type owner, MethodNode method) {
        String key() {
            return owner.name + "." + method.name + method.desc;
        }
    }

    private final ClassPath classPath;
    private final Map<String, Type> types = new HashMap<>();
    private final Set<String> missing = new LinkedHashSet<>();
    private final Map<String, Set<String>> supertypes = new HashMap<>();

    Hierarchy(ClassPath classPath) {
        this.classPath = classPath;
    }

    /** The type {@code name}, or null when neither the class path nor the JDK has it. */
    Type type(String name) {
        Type t = types.get(name);
        if (t != null || missing.contains(name)) {
            return t;
        }
        ClassNode node = classPath.classNode(name);
        if (node != null) {
            t = new Type(name, Kind.PROGRAM, node.access, node.superName, node.interfaces, node);
        } else {
            ClassNode jdk = classPath.jdkClassNode(name);
            if (jdk != null) {
                t = new Type(name, Kind.LIBRARY, jdk.access, jdk.superName, jdk.interfaces, jdk);
            }
        }
        if (t == null) {
            missing.add(name);
        } else {
            types.put(name, t);
        }
        return t;
    }

    /** The class the JVM spins for a lambda implementing {@code interfaces}: no methods of its own. */
    Type lambda(List<String> interfaces) {
        String name = "lambda:" + String.join("&", interfaces);
        return types.computeIfAbsent(name, n -> new Type(n, Kind.LAMBDA,
                Opcodes.ACC_FINAL | Opcodes.ACC_SYNTHETIC, "java/lang/Object", List.copyOf(interfaces), null));
    }

    /** Every supertype of {@code name}, transitively, not {@code name} itself; missing ones left out. */
    Set<String> supertypes(String name) {
        Set<String> cached = supertypes.get(name);
        if (cached != null) {
            return cached;
        }
        Set<String> all = new LinkedHashSet<>();
        Type t = type(name);
        if (t != null) {
            List<String> direct = new ArrayList<>();
            if (t.superName != null) {
                direct.add(t.superName);
            }
            direct.addAll(t.interfaces);
            for (String s : direct) {
                if (type(s) != null) {
                    all.add(s);
                    all.addAll(supertypes(s));
                }
            }
        }
        Set<String> result = Collections.unmodifiableSet(all);
        supertypes.put(name, result);
        return result;
    }

    boolean isSubtype(String sub, String sup) {
        return sub.equals(sup) || supertypes(sub).contains(sup);
    }

    /**
     * Resolution of {@code owner.name desc}: the declaration in {@code owner} or its superclasses, else
     * the declarations in its superinterfaces (all of them: the JVM may pick any maximally specific
     * one). Empty when nothing declares it.
     */
    List<Found> resolve(String owner, String name, String desc) {
        String sig = name + desc;
        for (Type t = type(owner); t != null; t = t.superName == null ? null : type(t.superName)) {
            MethodNode m = t.methods.get(sig);
            if (m != null) {
                return List.of(new Found(t, m));
            }
        }
        List<Found> found = new ArrayList<>();
        for (String s : supertypes(owner)) {
            Type t = type(s);
            if (t.isInterface()) {
                MethodNode m = t.methods.get(sig);
                if (m != null && (m.access & (Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC)) == 0) {
                    found.add(new Found(t, m));
                }
            }
        }
        return found;
    }

    /**
     * Selection for a virtual call of {@code sig} on an instance of {@code cls}: the first
     * non-private instance method up the superclass chain, else the default methods of its
     * superinterfaces that no other candidate's interface overrides.
     */
    List<Found> select(String cls, String sig) {
        for (Type t = type(cls); t != null; t = t.superName == null ? null : type(t.superName)) {
            MethodNode m = t.methods.get(sig);
            if (m != null && (m.access & (Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC)) == 0) {
                List<Found> found = new ArrayList<>(List.of(new Found(t, m)));
                // A package-private method of another package is not overridden (JVMS §5.4.5): a call
                // resolved to it selects it. Keep such ones too.
                String pkg = packageOf(t.name);
                for (Type s = t.superName == null ? null : type(t.superName); s != null;
                        s = s.superName == null ? null : type(s.superName)) {
                    MethodNode sm = s.methods.get(sig);
                    if (sm != null && (sm.access & (Opcodes.ACC_PUBLIC | Opcodes.ACC_PROTECTED | Opcodes.ACC_PRIVATE
                            | Opcodes.ACC_STATIC)) == 0 && !packageOf(s.name).equals(pkg)) {
                        found.add(new Found(s, sm));
                    }
                }
                return found;
            }
        }
        List<Found> candidates = new ArrayList<>();
        for (String s : supertypes(cls)) {
            Type t = type(s);
            if (t.isInterface()) {
                MethodNode m = t.methods.get(sig);
                if (m != null && (m.access & (Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC | Opcodes.ACC_ABSTRACT)) == 0) {
                    candidates.add(new Found(t, m));
                }
            }
        }
        if (candidates.size() > 1) {
            candidates.removeIf(c -> candidates.stream().anyMatch(o -> o != c && !o.owner.name.equals(c.owner.name)
                    && isSubtype(o.owner.name, c.owner.name)));
        }
        return candidates;
    }

    private static String packageOf(String name) {
        int slash = name.lastIndexOf('/');
        return slash < 0 ? "" : name.substring(0, slash);
    }

    /** The superinterfaces of {@code cls}, transitively, in breadth-first order. */
    List<String> interfacesOf(String cls) {
        List<String> out = new ArrayList<>();
        for (String s : supertypes(cls)) {
            Type t = type(s);
            if (t.isInterface()) {
                out.add(s);
            }
        }
        return out;
    }
}
