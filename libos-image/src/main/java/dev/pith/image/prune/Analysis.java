package dev.pith.image.prune;

import dev.pith.image.ImageException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.InnerClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.MultiANewArrayInsnNode;
import org.objectweb.asm.tree.RecordComponentNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeAnnotationNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * The worklist behind {@link Reachability}: rapid type analysis over methods (Bacon and Sweeney,
 * OOPSLA 1996). A virtual call reaches the declaration it resolves to and, in every instantiated
 * subtype of its receiver type, the method the JVM would select; a class that becomes instantiated
 * later is checked against the call sites already seen. JDK code is not analysed: a JDK method may
 * call any override of a JDK method on any object it is handed, so an instantiated class keeps those.
 *
 * <p>Each node (class or method) remembers the first reason it was reached, whose {@code from} was
 * reached before it: following them from any node ends at a root without a cycle.
 */
final class Analysis {

    /** Why a node was reached: from a node ({@code null} for a root) along an edge. */
    record Reason(String from, String edge, String detail) {
        Reason(String from, String edge) {
            this(from, edge, null);
        }
    }

    private record Pending(Hierarchy.Type owner, MethodNode method, String key) {
    }

    private record Provider(String className, String file) {
    }

    private static final String OBJECT = "java/lang/Object";

    final ClassPath classPath;
    final Hierarchy hierarchy;
    private final boolean interfaceMethods;

    final Map<String, Reason> classes = new LinkedHashMap<>();
    final Map<String, Reason> methods = new LinkedHashMap<>();
    final Set<String> initialized = new HashSet<>();
    final Set<String> instantiated = new LinkedHashSet<>();
    final Map<String, Reason> instantiatedBecause = new HashMap<>();
    final List<String> warnings = new ArrayList<>();
    final Map<String, String> missing = new TreeMap<>();
    final Map<String, Set<String>> reflection = new TreeMap<>();

    private final Map<String, Set<String>> instantiatedSubtypes = new HashMap<>();
    private final Map<String, Map<String, Reason>> virtualCalls = new HashMap<>();
    private final Deque<Pending> work = new ArrayDeque<>();
    private final Map<String, List<Provider>> services = new HashMap<>();
    private final Set<String> packages = new HashSet<>();

    Analysis(ClassPath classPath, boolean interfaceMethods) {
        this.classPath = classPath;
        this.hierarchy = new Hierarchy(classPath);
        this.interfaceMethods = interfaceMethods;
        indexServices();
    }

    static String key(String owner, String name, String desc) {
        return owner + "." + name + desc;
    }

    // ---- roots --------------------------------------------------------------------------------

    void root(Root root) {
        switch (root) {
            case Root.MethodRoot m -> {
                String owner = m.owner().getInternalName();
                Hierarchy.Type t = hierarchy.type(owner);
                if (t == null || !t.program()) {
                    throw new ImageException("entry class " + m.owner().getClassName() + " is not on the class path",
                            "add the jar or directory that holds it to the class path");
                }
                MethodNode mn = t.methods.get(m.name() + m.descriptor());
                if (mn == null) {
                    throw new ImageException("entry method " + m + " does not exist",
                            "name a method that " + m.owner().getClassName() + " declares");
                }
                Reason entry = new Reason(null, "entry", "entry method");
                reachMethod(t, mn, entry);
                initialize(owner, entry);
            }
            case Root.ClassRoot c -> {
                Hierarchy.Type t = hierarchy.type(c.owner().getInternalName());
                if (t == null || !t.program()) {
                    throw new ImageException("entry class " + c.owner().getClassName() + " is not on the class path",
                            "add the jar or directory that holds it to the class path");
                }
                keepClass(t, true, new Reason(null, "entry", "entry class, all members"));
            }
        }
    }

    void keep(KeepRules rules) {
        for (KeepRules.Rule rule : rules.rules()) {
            switch (rule) {
                case KeepRules.ClassRule r -> {
                    Hierarchy.Type t = programType(r.className(), r);
                    if (t != null) {
                        keepClass(t, r.allMembers(), ruleReason(r, "class " + r.className() + (r.allMembers() ? " { * }" : "")));
                    }
                }
                case KeepRules.MethodRule r -> {
                    Hierarchy.Type t = programType(r.className(), r);
                    if (t == null) {
                        continue;
                    }
                    Reason reason = ruleReason(r, "method " + r.className() + " " + r.name() + (r.descriptor() == null ? "" : r.descriptor()));
                    boolean found = false;
                    for (MethodNode m : t.node.methods) {
                        if (m.name.equals(r.name()) && (r.descriptor() == null || m.desc.equals(r.descriptor()))) {
                            found = true;
                            keepMethod(t, m, reason);
                        }
                    }
                    if (!found) {
                        warnings.add(r.location() + ": keep rule names no method of " + r.className() + ": " + r.name()
                                + (r.descriptor() == null ? "" : r.descriptor()));
                    }
                }
                case KeepRules.FieldRule r -> {
                    Hierarchy.Type t = programType(r.className(), r);
                    if (t == null) {
                        continue;
                    }
                    FieldNode field = t.node.fields.stream().filter(f -> f.name.equals(r.name())).findFirst().orElse(null);
                    if (field == null) {
                        warnings.add(r.location() + ": keep rule names no field of " + r.className() + ": " + r.name());
                        continue;
                    }
                    Reason reason = ruleReason(r, "field " + r.className() + " " + r.name());
                    reachClass(t.name, reason);
                    if ((field.access & Opcodes.ACC_STATIC) != 0) {
                        initialize(t.name, reason);
                    }
                }
                case KeepRules.PackageRule r -> {
                    String prefix = r.packageName().replace('.', '/') + "/";
                    boolean found = false;
                    for (String name : classPath.classNames()) {
                        if (name.startsWith(prefix) && name.indexOf('/', prefix.length()) < 0) {
                            found = true;
                            keepClass(hierarchy.type(name), true, ruleReason(r, "package " + r.packageName()));
                        }
                    }
                    if (!found) {
                        warnings.add(r.location() + ": keep rule names a package without classes: " + r.packageName());
                    }
                }
            }
        }
    }

    /** Classes and members annotated {@code @...Keep}: roots. */
    void keepAnnotated() {
        byte[] marker = "Keep;".getBytes(StandardCharsets.UTF_8);
        for (String name : classPath.classNames()) {
            if (!contains(classPath.classBytes(name), marker)) {
                continue;
            }
            Hierarchy.Type t = hierarchy.type(name);
            ClassNode n = t.node;
            String keep = keepAnnotation(n.visibleAnnotations, n.invisibleAnnotations);
            if (keep != null) {
                keepClass(t, true, new Reason(null, "@Keep", "@" + keep + " on class " + dotted(name)));
                continue;
            }
            for (MethodNode m : n.methods) {
                keep = keepAnnotation(m.visibleAnnotations, m.invisibleAnnotations);
                if (keep != null) {
                    keepMethod(t, m, new Reason(null, "@Keep", "@" + keep + " on " + Reachability.display(key(name, m.name, m.desc))));
                }
            }
            for (FieldNode f : n.fields) {
                keep = keepAnnotation(f.visibleAnnotations, f.invisibleAnnotations);
                if (keep != null) {
                    Reason reason = new Reason(null, "@Keep", "@" + keep + " on field " + dotted(name) + "." + f.name);
                    reachClass(name, reason);
                    if ((f.access & Opcodes.ACC_STATIC) != 0) {
                        initialize(name, reason);
                    }
                }
            }
        }
    }

    void run() {
        while (!work.isEmpty()) {
            scan(work.poll());
        }
        if (!missing.isEmpty()) {
            warnings.add(missing.size() + " referenced classes are on neither the class path nor the JDK (kept code "
                    + "refers to them; the unpruned program has the same gap)");
        }
    }

    private Hierarchy.Type programType(String binaryName, KeepRules.Rule rule) {
        Hierarchy.Type t = hierarchy.type(binaryName.replace('.', '/'));
        if (t == null || !t.program()) {
            warnings.add(rule.location() + ": keep rule names a class the class path lacks: " + binaryName);
            return null;
        }
        return t;
    }

    private static Reason ruleReason(KeepRules.Rule rule, String text) {
        return new Reason(null, "keep rule", "keep rule " + rule.location() + ": " + text);
    }

    private void keepClass(Hierarchy.Type t, boolean allMembers, Reason reason) {
        reachClass(t.name, reason);
        initialize(t.name, reason);
        boolean concrete = !t.isAbstract() && !t.isInterface();
        if (concrete) {
            instantiate(t.name, reason);
        }
        for (MethodNode m : t.node.methods) {
            if (allMembers || (concrete && m.name.equals("<init>"))) {
                reachMethod(t, m, new Reason(t.name, allMembers ? "kept with its class" : "constructor of kept class"));
            }
        }
    }

    private void keepMethod(Hierarchy.Type t, MethodNode m, Reason reason) {
        reachMethod(t, m, reason);
        initialize(t.name, reason);
        if (m.name.equals("<init>") && !t.isAbstract() && !t.isInterface()) {
            instantiate(t.name, reason);
        }
    }

    private static String keepAnnotation(List<AnnotationNode> visible, List<AnnotationNode> invisible) {
        for (List<AnnotationNode> list : List.of(orEmpty(visible), orEmpty(invisible))) {
            for (AnnotationNode a : list) {
                if (KeepRules.isKeepAnnotation(a.desc)) {
                    return Type.getType(a.desc).getClassName();
                }
            }
        }
        return null;
    }

    private static boolean contains(byte[] bytes, byte[] marker) {
        outer:
        for (int i = 0; i <= bytes.length - marker.length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (bytes[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    // ---- classes ------------------------------------------------------------------------------

    private void reachType(Type type, Reason reason) {
        if (type.getSort() == Type.ARRAY) {
            type = type.getElementType();
        }
        if (type.getSort() == Type.OBJECT) {
            reachClass(type.getInternalName(), reason);
        }
    }

    private void reachDescriptor(String desc, Reason reason) {
        Type t = Type.getType(desc);
        if (t.getSort() == Type.METHOD) {
            for (Type a : t.getArgumentTypes()) {
                reachType(a, reason);
            }
            reachType(t.getReturnType(), reason);
        } else {
            reachType(t, reason);
        }
    }

    /** The class is kept: it, its supertypes and whatever loading and reflecting on it needs. */
    void reachClass(String name, Reason reason) {
        if (name.startsWith("[")) {
            reachType(Type.getType(name), reason);
            return;
        }
        if (classes.containsKey(name)) {
            return;
        }
        Hierarchy.Type t = hierarchy.type(name);
        if (t == null) {
            missing.putIfAbsent(name, reason.from() == null ? reason.edge() : reason.from());
            return;
        }
        if (!t.program()) {
            return;
        }
        classes.put(name, reason);
        ClassNode n = t.node;
        if (n.superName != null) {
            reachClass(n.superName, new Reason(name, "extends"));
        }
        for (String i : n.interfaces) {
            reachClass(i, new Reason(name, "implements"));
        }
        // Class.getSimpleName/getDeclaringClass resolve the outer class; nest access checks load the host.
        if (n.nestHostClass != null) {
            reachClass(n.nestHostClass, new Reason(name, "nest host"));
        }
        for (InnerClassNode ic : n.innerClasses) {
            if (ic.name.equals(name) && ic.outerName != null) {
                reachClass(ic.outerName, new Reason(name, "declaring class"));
            }
        }
        if (n.outerClass != null) {
            reachClass(n.outerClass, new Reason(name, "enclosing class"));
        }
        annotations(name, n.visibleAnnotations);
        typeAnnotations(name, n.visibleTypeAnnotations);
        // Every field stays: reflection (getDeclaredField, field updaters, VarHandles) resolves all of
        // a class's field types at once, so those are kept too.
        for (FieldNode f : n.fields) {
            reachDescriptor(f.desc, new Reason(name, "field type"));
            annotations(name, f.visibleAnnotations);
            typeAnnotations(name, f.visibleTypeAnnotations);
        }
        if (n.recordComponents != null) {
            for (RecordComponentNode rc : n.recordComponents) {
                MethodNode accessor = t.methods.get(rc.name + "()" + rc.descriptor);
                if (accessor != null) {
                    reachMethod(t, accessor, new Reason(name, "record component"));
                }
                annotations(name, rc.visibleAnnotations);
                typeAnnotations(name, rc.visibleTypeAnnotations);
            }
        }
        if ((n.access & Opcodes.ACC_ENUM) != 0 && "java/lang/Enum".equals(n.superName)) {
            // EnumSet, Enum.valueOf and switches reach values() reflectively, initialising the enum.
            initialize(name, new Reason(name, "enum"));
            Hierarchy.Type self = t;
            for (String sig : List.of("values()[L" + name + ";", "valueOf(Ljava/lang/String;)L" + name + ";")) {
                MethodNode m = self.methods.get(sig);
                if (m != null) {
                    reachMethod(self, m, new Reason(name, "enum"));
                }
            }
        }
        if ((n.access & Opcodes.ACC_ANNOTATION) != 0) {
            for (MethodNode m : n.methods) {
                reachMethod(t, m, new Reason(name, "annotation member"));
            }
        }
        for (Provider p : services.getOrDefault(name, List.of())) {
            provider(name, p);
        }
        int slash = name.lastIndexOf('/');
        String pkg = slash < 0 ? "" : name.substring(0, slash + 1);
        if (packages.add(pkg) && classPath.contains(pkg + "package-info")) {
            reachClass(pkg + "package-info", new Reason(name, "package annotations"));
        }
    }

    /** The class's static initialiser runs: JVMS §5.5. */
    void initialize(String name, Reason reason) {
        reachClass(name, reason);
        Hierarchy.Type t = hierarchy.type(name);
        if (t == null || !t.program() || !initialized.add(name)) {
            return;
        }
        if (t.superName != null) {
            initialize(t.superName, new Reason(name, "superclass initialised"));
        }
        if (!t.isInterface()) {
            for (String i : hierarchy.interfacesOf(name)) {
                if (declaresDefaultMethod(hierarchy.type(i))) {
                    initialize(i, new Reason(name, "superinterface initialised"));
                }
            }
        }
        MethodNode clinit = t.methods.get("<clinit>()V");
        if (clinit != null) {
            reachMethod(t, clinit, new Reason(name, "initialised"));
        }
    }

    private static boolean declaresDefaultMethod(Hierarchy.Type t) {
        if (!t.program()) {
            return false;
        }
        for (MethodNode m : t.methods.values()) {
            if ((m.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_STATIC)) == 0 && !m.name.equals("<clinit>")) {
                return true;
            }
        }
        return false;
    }

    void instantiate(String name, Reason reason) {
        initialize(name, reason);
        Hierarchy.Type t = hierarchy.type(name);
        if (t == null || !t.program() || !instantiated.add(name)) {
            return;
        }
        instantiatedBecause.put(name, reason);
        onInstantiated(name, name);
    }

    private void instantiateLambda(List<String> interfaces, Reason reason) {
        for (String i : interfaces) {
            reachClass(i, reason);
            Hierarchy.Type it = hierarchy.type(i);
            if (it != null && declaresDefaultMethod(it)) {
                initialize(i, reason);
            }
        }
        Hierarchy.Type lambda = hierarchy.lambda(interfaces);
        if (instantiated.add(lambda.name)) {
            onInstantiated(lambda.name, reason.from());
        }
    }

    /** {@code cls} has instances now: the virtual calls seen so far and the JDK may reach its methods. */
    private void onInstantiated(String cls, String from) {
        List<String> types = new ArrayList<>();
        types.add(cls);
        types.addAll(hierarchy.supertypes(cls));
        for (String s : types) {
            instantiatedSubtypes.computeIfAbsent(s, k -> new LinkedHashSet<>()).add(cls);
        }
        for (String s : types) {
            Map<String, Reason> calls = virtualCalls.get(s);
            if (calls != null) {
                for (Map.Entry<String, Reason> call : List.copyOf(calls.entrySet())) {
                    dispatch(cls, call.getKey(), call.getValue());
                }
            }
        }
        for (String s : types) {
            Hierarchy.Type st = hierarchy.type(s);
            if (st.kind == Hierarchy.Kind.LIBRARY) {
                // The JDK may call any override of its own methods (toString, run, compareTo, close...).
                for (MethodNode m : st.methods.values()) {
                    if ((m.access & (Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL)) == 0
                            && !m.name.startsWith("<")) {
                        dispatch(cls, m.name + m.desc, new Reason(from, "overrides",
                                Reachability.display(key(s, m.name, m.desc))));
                    }
                }
            } else if (interfaceMethods && st.program() && st.isInterface()) {
                for (MethodNode m : st.methods.values()) {
                    if ((m.access & Opcodes.ACC_ABSTRACT) != 0) {
                        reachMethod(st, m, new Reason(from, "method of an implemented interface"));
                        dispatch(cls, m.name + m.desc, new Reason(from, "implements",
                                Reachability.display(key(s, m.name, m.desc))));
                    }
                }
            }
        }
    }

    private void dispatch(String cls, String sig, Reason reason) {
        for (Hierarchy.Found f : hierarchy.select(cls, sig)) {
            if (f.owner().program()) {
                reachMethod(f.owner(), f.method(), reason);
            }
        }
    }

    private void provider(String service, Provider p) {
        Hierarchy.Type t = hierarchy.type(p.className());
        Reason reason = new Reason(service, "service provider", p.file());
        if (t == null || !t.program()) {
            warnings.add(p.file() + ": provider " + dotted(p.className()) + " of " + dotted(service) + " is not on the class path");
            return;
        }
        MethodNode provider = t.methods.get("provider()L" + service + ";");
        if (provider == null) {
            provider = t.node.methods.stream().filter(m -> m.name.equals("provider") && m.desc.startsWith("()L")
                    && (m.access & Opcodes.ACC_STATIC) != 0).findFirst().orElse(null);
        }
        if (provider != null && (provider.access & Opcodes.ACC_STATIC) != 0) {
            reachMethod(t, provider, reason);
            initialize(t.name, reason);
        }
        MethodNode constructor = t.methods.get("<init>()V");
        if (constructor != null && !t.isAbstract()) {
            instantiate(t.name, reason);
            reachMethod(t, constructor, reason);
        }
    }

    private void indexServices() {
        String prefix = "META-INF/services/";
        for (ClassPath.Resource r : classPath.resources()) {
            if (!r.name().startsWith(prefix) || r.name().indexOf('/', prefix.length()) >= 0) {
                continue;
            }
            String service = r.name().substring(prefix.length()).replace('.', '/');
            for (String provider : serviceProviders(new String(classPath.read(r), StandardCharsets.UTF_8))) {
                services.computeIfAbsent(service, s -> new ArrayList<>())
                        .add(new Provider(provider.replace('.', '/'), ClassPath.location(r)));
            }
        }
    }

    /** The provider names in a service file (java.util.ServiceLoader's format: one a line, '#' comments). */
    static List<String> serviceProviders(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\\R")) {
            int hash = line.indexOf('#');
            String name = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (!name.isEmpty()) {
                out.add(name);
            }
        }
        return out;
    }

    // ---- methods ------------------------------------------------------------------------------

    private void reachMethod(Hierarchy.Type owner, MethodNode m, Reason reason) {
        String key = key(owner.name, m.name, m.desc);
        if (methods.putIfAbsent(key, reason) != null) {
            return;
        }
        reachClass(owner.name, new Reason(key, "declared by"));
        Reason descriptor = new Reason(key, "descriptor");
        reachDescriptor(m.desc, descriptor);
        if (m.exceptions != null) {
            for (String e : m.exceptions) {
                reachClass(e, new Reason(key, "throws"));
            }
        }
        annotations(key, m.visibleAnnotations);
        typeAnnotations(key, m.visibleTypeAnnotations);
        if (m.visibleParameterAnnotations != null) {
            for (List<AnnotationNode> p : m.visibleParameterAnnotations) {
                annotations(key, p);
            }
        }
        if (m.annotationDefault != null) {
            annotationValue(key, m.annotationDefault);
        }
        // Bridges (erased signatures) of a kept method stay with it.
        for (MethodNode b : owner.node.methods) {
            if ((b.access & Opcodes.ACC_BRIDGE) != 0 && b != m && b.name.equals(m.name) && calls(b, owner.name, m)) {
                reachMethod(owner, b, new Reason(key, "bridge"));
            }
        }
        if (m.instructions.size() > 0) {
            work.add(new Pending(owner, m, key));
        }
    }

    private static boolean calls(MethodNode bridge, String owner, MethodNode target) {
        for (AbstractInsnNode insn : bridge.instructions) {
            if (insn instanceof MethodInsnNode mi && mi.name.equals(target.name) && mi.desc.equals(target.desc)) {
                return true;
            }
        }
        return false;
    }

    private void scan(Pending p) {
        String from = p.key();
        for (AbstractInsnNode insn : p.method().instructions) {
            switch (insn) {
                case MethodInsnNode mi -> {
                    switch (mi.getOpcode()) {
                        case Opcodes.INVOKESTATIC -> invokeStatic(from, mi.owner, mi.name, mi.desc, "invokestatic");
                        case Opcodes.INVOKESPECIAL -> invokeSpecial(from, mi.owner, mi.name, mi.desc, "invokespecial");
                        case Opcodes.INVOKEVIRTUAL -> invokeVirtual(from, mi.owner, mi.name, mi.desc, "invokevirtual");
                        default -> invokeVirtual(from, mi.owner, mi.name, mi.desc, "invokeinterface");
                    }
                }
                case FieldInsnNode fi -> field(from, fi.getOpcode(), fi.owner, fi.name, fi.desc);
                case TypeInsnNode ti -> {
                    switch (ti.getOpcode()) {
                        case Opcodes.NEW -> instantiate(ti.desc, new Reason(from, "new"));
                        case Opcodes.ANEWARRAY -> reachType(Type.getObjectType(ti.desc), new Reason(from, "anewarray"));
                        case Opcodes.CHECKCAST -> reachType(Type.getObjectType(ti.desc), new Reason(from, "checkcast"));
                        default -> reachType(Type.getObjectType(ti.desc), new Reason(from, "instanceof"));
                    }
                }
                case MultiANewArrayInsnNode ma -> reachType(Type.getType(ma.desc), new Reason(from, "multianewarray"));
                case LdcInsnNode ldc -> constant(from, ldc.cst, "ldc");
                case InvokeDynamicInsnNode indy -> invokeDynamic(from, indy);
                default -> {
                }
            }
        }
        for (TryCatchBlockNode tcb : p.method().tryCatchBlocks) {
            if (tcb.type != null) {
                reachClass(tcb.type, new Reason(from, "catch"));
            }
        }
    }

    private void invokeStatic(String from, String owner, String name, String desc, String edge) {
        Reason reason = new Reason(from, edge);
        reachClass(owner, reason);
        reachDescriptor(desc, reason);
        noteReflection(from, owner, name);
        for (Hierarchy.Found f : hierarchy.resolve(owner, name, desc)) {
            if (f.owner().program()) {
                reachMethod(f.owner(), f.method(), reason);
                initialize(f.owner().name, reason);
            }
        }
    }

    private void invokeSpecial(String from, String owner, String name, String desc, String edge) {
        Reason reason = new Reason(from, edge);
        reachClass(owner, reason);
        reachDescriptor(desc, reason);
        for (Hierarchy.Found f : hierarchy.resolve(owner, name, desc)) {
            if (f.owner().program()) {
                reachMethod(f.owner(), f.method(), reason);
            }
        }
    }

    private void invokeVirtual(String from, String owner, String name, String desc, String edge) {
        if (owner.startsWith("[")) {
            return; // clone() and Object's methods on an array
        }
        Reason reason = new Reason(from, edge);
        reachClass(owner, reason);
        reachDescriptor(desc, reason);
        noteReflection(from, owner, name);
        boolean programDeclaration = false;
        for (Hierarchy.Found f : hierarchy.resolve(owner, name, desc)) {
            if (f.owner().program()) {
                reachMethod(f.owner(), f.method(), reason);
                programDeclaration |= (f.method().access & Opcodes.ACC_PRIVATE) == 0;
            }
        }
        // A call that resolves into the JDK needs no call site: overrides of JDK methods are kept
        // for every instantiated class anyway.
        if (programDeclaration) {
            String sig = name + desc;
            if (virtualCalls.computeIfAbsent(owner, o -> new HashMap<>()).putIfAbsent(sig, reason) == null) {
                for (String cls : List.copyOf(instantiatedSubtypes.getOrDefault(owner, Set.of()))) {
                    dispatch(cls, sig, reason);
                }
            }
        }
    }

    private void field(String from, int opcode, String owner, String name, String desc) {
        String edge = switch (opcode) {
            case Opcodes.GETSTATIC -> "getstatic";
            case Opcodes.PUTSTATIC -> "putstatic";
            case Opcodes.GETFIELD -> "getfield";
            default -> "putfield";
        };
        Reason reason = new Reason(from, edge);
        reachClass(owner, reason);
        reachDescriptor(desc, reason);
        if (opcode == Opcodes.GETSTATIC || opcode == Opcodes.PUTSTATIC) {
            String declaring = fieldOwner(owner, name, desc);
            initialize(declaring == null ? owner : declaring, reason);
        }
    }

    /** Field resolution, JVMS §5.4.3.2: the class, its superinterfaces, then its superclass. */
    private String fieldOwner(String owner, String name, String desc) {
        Hierarchy.Type t = hierarchy.type(owner);
        if (t == null || t.node == null) {
            return null;
        }
        for (FieldNode f : t.node.fields) {
            if (f.name.equals(name) && f.desc.equals(desc)) {
                return owner;
            }
        }
        for (String i : t.interfaces) {
            String found = fieldOwner(i, name, desc);
            if (found != null) {
                return found;
            }
        }
        return t.superName == null ? null : fieldOwner(t.superName, name, desc);
    }

    private void handle(String from, Handle h, String edge) {
        switch (h.getTag()) {
            case Opcodes.H_GETFIELD, Opcodes.H_PUTFIELD -> {
                reachClass(h.getOwner(), new Reason(from, edge));
                reachDescriptor(h.getDesc(), new Reason(from, edge));
            }
            case Opcodes.H_GETSTATIC, Opcodes.H_PUTSTATIC -> field(from, Opcodes.GETSTATIC, h.getOwner(), h.getName(), h.getDesc());
            case Opcodes.H_INVOKESTATIC -> invokeStatic(from, h.getOwner(), h.getName(), h.getDesc(), edge);
            case Opcodes.H_INVOKESPECIAL -> invokeSpecial(from, h.getOwner(), h.getName(), h.getDesc(), edge);
            case Opcodes.H_NEWINVOKESPECIAL -> {
                instantiate(h.getOwner(), new Reason(from, edge));
                invokeSpecial(from, h.getOwner(), h.getName(), h.getDesc(), edge);
            }
            default -> invokeVirtual(from, h.getOwner(), h.getName(), h.getDesc(), edge);
        }
    }

    private void invokeDynamic(String from, InvokeDynamicInsnNode indy) {
        Reason reason = new Reason(from, "invokedynamic");
        reachDescriptor(indy.desc, reason);
        handle(from, indy.bsm, "invokedynamic");
        String edge = "invokedynamic";
        if (indy.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory")) {
            // The JVM spins a class implementing the functional interface (and any marker interfaces of
            // altMetafactory) that calls the implementation method: that method is reached with the call site.
            edge = "lambda";
            List<String> interfaces = new ArrayList<>();
            interfaces.add(Type.getReturnType(indy.desc).getInternalName());
            if (indy.bsm.getName().equals("altMetafactory") && indy.bsmArgs.length > 3
                    && indy.bsmArgs[3] instanceof Integer flags && (flags & 2) != 0) { // FLAG_MARKERS
                int count = (Integer) indy.bsmArgs[4];
                for (int i = 0; i < count; i++) {
                    interfaces.add(((Type) indy.bsmArgs[5 + i]).getInternalName());
                }
            }
            instantiateLambda(interfaces, new Reason(from, "lambda"));
        }
        for (Object arg : indy.bsmArgs) {
            constant(from, arg, edge);
        }
    }

    private void constant(String from, Object cst, String edge) {
        switch (cst) {
            case Type t when t.getSort() == Type.METHOD -> reachDescriptor(t.getDescriptor(), new Reason(from, edge));
            case Type t -> reachType(t, new Reason(from, edge.equals("ldc") ? "class literal" : edge));
            case Handle h -> handle(from, h, edge.equals("ldc") ? "method handle" : edge);
            case ConstantDynamic condy -> {
                reachDescriptor(condy.getDescriptor(), new Reason(from, "constant dynamic"));
                handle(from, condy.getBootstrapMethod(), "constant dynamic");
                Object[] args = new Object[condy.getBootstrapMethodArgumentCount()];
                for (int i = 0; i < args.length; i++) {
                    args[i] = condy.getBootstrapMethodArgument(i);
                }
                // ClassDesc.of("a.B") through ConstantBootstraps.invoke: an enum label of a pattern switch.
                if (args.length == 2 && args[0] instanceof Handle h && h.getOwner().equals("java/lang/constant/ClassDesc")
                        && h.getName().equals("of") && args[1] instanceof String binaryName) {
                    reachClass(binaryName.replace('.', '/'), new Reason(from, "class descriptor"));
                }
                for (Object arg : args) {
                    constant(from, arg, "constant dynamic");
                }
            }
            default -> {
            }
        }
    }

    private void noteReflection(String from, String owner, String name) {
        boolean reflective = switch (owner) {
            case "java/lang/Class" -> name.equals("forName") || name.startsWith("getDeclared") || name.equals("getMethod")
                    || name.equals("getConstructor") || name.equals("getField") || name.equals("newInstance");
            case "java/lang/invoke/MethodHandles$Lookup" -> name.startsWith("find") || name.equals("ensureInitialized");
            case "java/util/ServiceLoader" -> name.equals("load") || name.equals("loadInstalled");
            case "java/lang/reflect/Proxy" -> name.equals("newProxyInstance");
            default -> false;
        };
        if (reflective) {
            reflection.computeIfAbsent(dotted(owner) + "." + name, k -> new TreeSet<>()).add(from);
        }
    }

    // ---- annotations --------------------------------------------------------------------------

    private void annotations(String from, List<? extends AnnotationNode> list) {
        for (AnnotationNode a : orEmpty(list)) {
            annotation(from, a);
        }
    }

    private void typeAnnotations(String from, List<TypeAnnotationNode> list) {
        annotations(from, list);
    }

    private void annotation(String from, AnnotationNode a) {
        reachType(Type.getType(a.desc), new Reason(from, "annotation"));
        if (a.values != null) {
            for (int i = 1; i < a.values.size(); i += 2) {
                annotationValue(from, a.values.get(i));
            }
        }
    }

    private void annotationValue(String from, Object value) {
        switch (value) {
            case Type t -> reachType(t, new Reason(from, "annotation value"));
            case String[] enumConstant -> reachType(Type.getType(enumConstant[0]), new Reason(from, "annotation value"));
            case AnnotationNode nested -> annotation(from, nested);
            case List<?> list -> list.forEach(v -> annotationValue(from, v));
            default -> {
            }
        }
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    static String dotted(String internalName) {
        return internalName.replace('/', '.');
    }
}
