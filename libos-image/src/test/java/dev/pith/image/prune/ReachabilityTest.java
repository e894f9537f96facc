package dev.pith.image.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InnerClassNode;

/**
 * Each test compiles a small program, prunes it from its main, checks what stayed and what went, and
 * runs original and pruned jar side by side ({@link Crafted.Pruned#runBoth}).
 */
class ReachabilityTest {
    @TempDir
    Path dir;

    @Test
    void lambdasAndMethodReferences() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, """
                package t.lambda;
                import java.util.function.*;
                public class Main {
                    interface Op { int apply(int x); default Op twice() { return x -> apply(apply(x)); } }
                    interface Unused { void nothing(); }
                    static int triple(int x) { return 3 * x; }
                    static int neverReferenced(int x) { return x; }
                    static final class Counter {
                        int n;
                        void inc() { n++; }
                        int get() { return n; }
                        void unused() { }
                    }
                    public static void main(String[] args) {
                        Op plusOne = x -> x + 1;           // its method is called only through Op
                        Op triple = Main::triple;
                        Counter c = new Counter();
                        Runnable r = c::inc;               // called by the JDK's interface
                        r.run();
                        r.run();
                        Supplier<Counter> s = Counter::new;
                        IntUnaryOperator f = Main::triple;
                        System.out.println(plusOne.apply(1) + " " + triple.apply(2) + " " + plusOne.twice().apply(5)
                                + " " + c.get() + " " + s.get().get() + " " + f.applyAsInt(3));
                    }
                }
                """).prune("t.lambda.Main");

        assertEquals("2 6 7 2 0 9\n", p.runBoth().stdout());
        p.assertKept("t.lambda.Main", "t.lambda.Main$Op", "t.lambda.Main$Counter");
        p.assertMethodsKept("t.lambda.Main", "main", "triple", "lambda$main$0");
        p.assertMethodsKept("t.lambda.Main$Op", "apply", "twice", "lambda$twice$0");
        p.assertMethodsKept("t.lambda.Main$Counter", "<init>", "inc", "get");
        p.assertMethodsRemoved("t.lambda.Main", "neverReferenced");
        p.assertMethodsRemoved("t.lambda.Main$Counter", "unused");
        p.assertRemoved("t.lambda.Main$Unused");
    }

    @Test
    void defaultMethodsAndUnreachableImplementations() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, """
                package t.iface;
                public class Main {
                    interface Shape {
                        double area();
                        String name();
                        default String describe() { return name() + " " + area(); }
                        default String unusedDefault() { return "x"; }
                    }
                    static final class Square implements Shape {
                        public double area() { return 4; }
                        public String name() { return "square"; }
                        String helper() { return "never called"; }
                    }
                    static final class Circle implements Shape {   // never created, never named
                        public double area() { return 3.14; }
                        public String name() { return "circle"; }
                    }
                    static class Base { String hello() { return "base"; } String unused() { return "u"; } }
                    static class Derived extends Base { @Override String hello() { return "derived"; } }
                    static class NeverMade extends Base { @Override String hello() { return "never"; } }
                    public static void main(String[] args) {
                        Shape s = new Square();
                        Base b = args.length > 99 ? new Base() : new Derived();
                        System.out.println(s.describe() + " " + b.hello());
                    }
                }
                """).prune("t.iface.Main");

        assertEquals("square 4.0 derived\n", p.runBoth().stdout());
        p.assertKept("t.iface.Main$Shape", "t.iface.Main$Square", "t.iface.Main$Base", "t.iface.Main$Derived");
        p.assertRemoved("t.iface.Main$Circle", "t.iface.Main$NeverMade");
        p.assertMethodsKept("t.iface.Main$Shape", "area", "name", "describe");
        p.assertMethodsRemoved("t.iface.Main$Shape", "unusedDefault");
        p.assertMethodsKept("t.iface.Main$Square", "area", "name");
        p.assertMethodsRemoved("t.iface.Main$Square", "helper");
        p.assertMethodsKept("t.iface.Main$Base", "hello");
        p.assertMethodsRemoved("t.iface.Main$Base", "unused");
    }

    @Test
    void recordsKeepComponentsAndObjectMethods() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, """
                package t.records;
                public class Main {
                    record Point(int x, int y) {
                        Point { if (x < 0) throw new IllegalArgumentException("x < 0"); }
                        int unusedHelper() { return x * y; }
                        static Point origin() { return new Point(0, 0); }
                    }
                    record Unused(String s) { }
                    public static void main(String[] args) {
                        Point p = new Point(1, 2);
                        System.out.println(p + " " + p.equals(new Point(1, 2)) + " " + (p.hashCode() == new Point(1, 2).hashCode()));
                    }
                }
                """).prune("t.records.Main");

        assertEquals("Point[x=1, y=2] true true\n", p.runBoth().stdout());
        p.assertMethodsKept("t.records.Main$Point", "<init>", "x", "y", "toString", "equals", "hashCode");
        p.assertMethodsRemoved("t.records.Main$Point", "unusedHelper", "origin");
        assertEquals(2, p.written("t.records.Main$Point").recordComponents.size());
        p.assertRemoved("t.records.Main$Unused");
    }

    @Test
    void enumsSwitchesAndPatternSwitchOnSealedTypes() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, """
                package t.enums;
                import java.util.EnumSet;
                public class Main {
                    enum Color {
                        RED, GREEN, BLUE;
                        Color next() { return values()[(ordinal() + 1) % values().length]; }
                        String unused() { return "u"; }
                    }
                    enum Planet { MERCURY, VENUS }
                    enum NeverUsed { A, B }
                    sealed interface Shape permits Circle, Square, Triangle { }
                    record Circle(double r) implements Shape { }
                    record Square(double side) implements Shape { }
                    record Triangle(double b, double h) implements Shape { }   // named by the switch only
                    static String label(Color c) {
                        return switch (c) { case RED -> "r"; case GREEN -> "g"; case BLUE -> "b"; };
                    }
                    static double area(Shape s) {
                        return switch (s) {
                            case Circle c -> 3 * c.r() * c.r();
                            case Square q -> q.side() * q.side();
                            case Triangle t -> t.b() * t.h() / 2;
                        };
                    }
                    static String kind(Object o) {
                        return switch (o) {
                            case Color c when c == Color.RED -> "red!";
                            case Color.GREEN -> "green!";
                            case Shape s -> "shape!";
                            default -> "other!";
                        };
                    }
                    public static void main(String[] args) {
                        StringBuilder sb = new StringBuilder();
                        for (Color c : Color.values()) sb.append(label(c)).append(c.next());
                        sb.append(' ').append(Color.valueOf("BLUE").ordinal());
                        sb.append(' ').append(EnumSet.allOf(Planet.class));
                        sb.append(' ').append(area(new Circle(1))).append(' ').append(area(new Square(2)));
                        sb.append(' ').append(kind(Color.RED)).append(kind(Color.GREEN)).append(kind(new Square(1))).append(kind("x"));
                        System.out.println(sb);
                    }
                }
                """).prune("t.enums.Main");

        assertEquals("rGREENgBLUEbRED 2 [MERCURY, VENUS] 3.0 4.0 red!green!shape!other!\n", p.runBoth().stdout());
        p.assertKept("t.enums.Main$Color", "t.enums.Main$Planet", "t.enums.Main$Triangle");
        p.assertMethodsKept("t.enums.Main$Color", "values", "valueOf", "<clinit>", "next");
        p.assertMethodsRemoved("t.enums.Main$Color", "unused");
        p.assertMethodsKept("t.enums.Main$Planet", "values", "valueOf", "<clinit>");
        assertFalse(p.reach.isInstantiated("t.enums.Main$Triangle"));
        p.assertRemoved("t.enums.Main$NeverUsed");
    }

    @Test
    void staticInitialisersRunOnlyForInitialisedClasses() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, """
                package t.init;
                import java.util.List;
                public class Main {
                    static class Config { static final List<String> NAMES = build(); static List<String> build() { return List.of("a", "b"); } }
                    static class Holder { static int value; static { value = Helper.compute(); } }
                    static class Helper { static int compute() { return 42; } static int notCalled() { return 0; } }
                    static class OnlyLiteral { static { System.out.println("never printed"); } static void m() { } }
                    static class OnlyCast { static { System.out.println("never printed"); } }
                    static class Parent { static String log = ""; static { log += "P"; } }
                    static class Child extends Parent { static { log += "C"; } static void touch() { } }
                    public static void main(String[] args) {
                        Object o = args.length > 5 ? new Object() : null;
                        OnlyCast oc = (OnlyCast) o;
                        Child.touch();
                        System.out.println(Config.NAMES + " " + Holder.value + " " + OnlyLiteral.class.getSimpleName() + " " + Parent.log + " " + oc);
                    }
                }
                """).prune("t.init.Main");

        assertEquals("[a, b] 42 OnlyLiteral PC null\n", p.runBoth().stdout());
        p.assertMethodsKept("t.init.Main$Config", "<clinit>", "build");
        p.assertMethodsKept("t.init.Main$Holder", "<clinit>");
        p.assertMethodsKept("t.init.Main$Helper", "compute");
        p.assertMethodsRemoved("t.init.Main$Helper", "notCalled");
        p.assertMethodsKept("t.init.Main$Parent", "<clinit>");
        p.assertMethodsRemoved("t.init.Main$OnlyLiteral", "<clinit>", "m", "<init>");
        p.assertMethodsRemoved("t.init.Main$OnlyCast", "<clinit>", "<init>");
        assertEquals(List.of("t.init.Main$OnlyCast", "t.init.Main$OnlyLiteral"), p.jar.uninitializedClasses());
    }

    @Test
    void runtimeAnnotationsOnKeptElementsStay() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, """
                package t.annot;
                import java.lang.annotation.*;
                import java.util.Arrays;
                public class Main {
                    @Retention(RetentionPolicy.RUNTIME) @interface Route { String value(); Level level() default Level.LOW; }
                    enum Level { LOW, HIGH }
                    @Retention(RetentionPolicy.CLASS) @interface BuildOnly { }
                    @Retention(RetentionPolicy.RUNTIME) @interface OnRemovedMethod { }
                    @Route("/hello") @BuildOnly
                    static class Handler {
                        @OnRemovedMethod void unused() { }
                        String handle() { return "hi"; }
                    }
                    public static void main(String[] args) throws Exception {
                        Annotation[] all = Handler.class.getAnnotations();   // Route is named nowhere in code
                        System.out.println(all.length + " " + all[0].annotationType().getSimpleName() + " " + new Handler().handle());
                        System.out.println(all[0]);
                    }
                }
                """).prune("t.annot.Main");

        assertEquals("1 Route hi\n@t.annot.Main.Route(level=LOW, value=\"/hello\")\n", p.runBoth().stdout());
        p.assertKept("t.annot.Main$Route", "t.annot.Main$Level");
        p.assertMethodsKept("t.annot.Main$Route", "value", "level");
        p.assertRemoved("t.annot.Main$BuildOnly", "t.annot.Main$OnRemovedMethod");
        p.assertMethodsRemoved("t.annot.Main$Handler", "unused");
        assertTrue(p.reach.whyKept("t.annot.Main$Route").text().contains("--annotation--> t.annot.Main$Route"),
                p.reach.whyKept("t.annot.Main$Route").text());
    }

    private static final String SERVICE_MAIN = """
            package t.service;
            public class Main {
                public static void main(String[] args) {
                    for (Greeter g : java.util.ServiceLoader.load(Greeter.class)) System.out.println(g.greet());
                }
            }
            """;

    @Test
    void serviceProvidersAreKeptWhenTheServiceTypeIs() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, Map.of(
                        "META-INF/services/t.service.Greeter", "# greeters\nt.service.English\nt.service.French  # salut\n",
                        "META-INF/services/t.service.Unused", "t.service.UnusedImpl\n"),
                SERVICE_MAIN,
                "package t.service; public interface Greeter { String greet(); }",
                "package t.service; public class English implements Greeter { public String greet() { return \"hello\"; } }",
                "package t.service; public class French implements Greeter { public String greet() { return \"bonjour\"; } }",
                "package t.service; public interface Unused { }",
                "package t.service; public class UnusedImpl implements Unused { }").prune("t.service.Main");

        assertEquals("hello\nbonjour\n", p.runBoth().stdout());
        p.assertKept("t.service.English", "t.service.French");
        p.assertMethodsKept("t.service.English", "<init>", "greet");
        p.assertRemoved("t.service.Unused", "t.service.UnusedImpl");
        assertEquals("t.service.English\nt.service.French\n",
                new String(p.entries.get("META-INF/services/t.service.Greeter"), StandardCharsets.UTF_8));
        assertFalse(p.entries.containsKey("META-INF/services/t.service.Unused"));
        assertTrue(p.reach.whyKept("t.service.French").text().contains("--service provider"),
                p.reach.whyKept("t.service.French").text());
    }

    private static final String[] REFLECTION = {"""
            package t.reflect;
            public class Main {
                public static void main(String[] args) throws Exception {
                    for (String name : args.length > 0 ? args : new String[] {"t.reflect.Plugin"}) {
                        System.out.println(Class.forName(name).getDeclaredConstructor().newInstance());
                    }
                }
            }
            """,
            "package t.reflect; public class Plugin { public String toString() { return \"plugin loaded\"; } }"};

    @Test
    void reflectionWithoutAKeepRuleLosesTheClass() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, REFLECTION).prune("t.reflect.Main");

        p.assertRemoved("t.reflect.Plugin");
        Crafted.Run run = p.run();
        assertNotEquals(0, run.exitCode());
        assertTrue(run.stderr().contains("ClassNotFoundException: t.reflect.Plugin"), run.stderr());
        assertTrue(p.reach.reflectiveCalls().get("java.lang.Class.forName").contains("t.reflect.Main.main(String[])"));
    }

    @Test
    void reflectionWithAKeepRuleFromTheBuild() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, REFLECTION)
                .prune("t.reflect.Main", b -> b.keep(KeepRules.parse("linker", "class t.reflect.Plugin")));

        assertEquals("plugin loaded\n", p.runBoth().stdout());
        p.assertMethodsKept("t.reflect.Plugin", "<init>", "toString");
        assertTrue(p.reach.whyKept("t.reflect.Plugin").text().contains("[keep rule linker:1: class t.reflect.Plugin]"),
                p.reach.whyKept("t.reflect.Plugin").text());
    }

    @Test
    void reflectionWithAKeepFileOnTheClassPath() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, Map.of(ClassPath.KEEP_FILE, "# plugins\nclass t.reflect.Plugin { * }\n"), REFLECTION)
                .prune("t.reflect.Main");

        assertEquals("plugin loaded\n", p.runBoth().stdout());
        p.assertKept("t.reflect.Plugin");
        assertFalse(p.entries.containsKey(ClassPath.KEEP_FILE), "keep files are for the build");
    }

    @Test
    void keepAnnotationOfAnyPackage() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, REFLECTION[0],
                "package t.reflect; @t.other.Keep public class Plugin { public String toString() { return \"plugin loaded\"; } void extra() { } }",
                "package t.reflect; public class Partial { @t.other.Keep public static void hook() { } public static void gone() { } }",
                """
                package t.other;
                @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.CLASS)
                public @interface Keep { }
                """).prune("t.reflect.Main");

        assertEquals("plugin loaded\n", p.runBoth().stdout());
        p.assertMethodsKept("t.reflect.Plugin", "<init>", "toString", "extra");   // @Keep on a class keeps all members
        p.assertMethodsKept("t.reflect.Partial", "hook");
        p.assertMethodsRemoved("t.reflect.Partial", "gone");
    }

    @Test
    void unreachableMethodsGoAndWhatOnlyTheyNamedGoesWithThem() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, """
                package t.methods;
                import java.util.ArrayList;
                import java.util.List;
                public class Main {
                    private final List<String> items = new ArrayList<>();
                    Main add(String s) { items.add(s); return this; }
                    int size() { return items.size(); }
                    String report() { return new Formatter().format(items); }          // never called
                    void export(Exporter e) throws ExportFailed { e.write(items); }    // never called
                    public String toString() { return "Main" + items; }               // the JDK may call it
                    public static void main(String[] args) {
                        Main m = new Main().add("a").add("b");
                        System.out.println(m.size() + " " + m);
                    }
                }
                """,
                "package t.methods; class Formatter { String format(java.util.List<String> l) { return String.join(\",\", l); } }",
                "package t.methods; interface Exporter { void write(java.util.List<String> l); }",
                "package t.methods; class ExportFailed extends Exception { }").prune("t.methods.Main");

        assertEquals("2 Main[a, b]\n", p.runBoth().stdout());
        p.assertMethodsKept("t.methods.Main", "<init>", "add", "size", "toString", "main");
        p.assertMethodsRemoved("t.methods.Main", "report", "export");
        p.assertRemoved("t.methods.Formatter", "t.methods.Exporter", "t.methods.ExportFailed");
    }

    @Test
    void nestmatesAndInnerClassAttributesStayConsistent() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, """
                package t.nest;
                public class Main {
                    private int secret = 41;
                    class Inner { int peek() { return secret + 1; } }           // private access across the nest
                    static class Unused { }
                    static Object unusedFactory() { return new Object() { }; }   // anonymous class in a removed method
                    public static void main(String[] args) {
                        Object anon = new Object() { public String toString() { return "anon"; } };
                        Main.Inner in = new Main().new Inner();
                        System.out.println(in.peek() + " " + anon + " " + anon.getClass().isAnonymousClass() + " "
                                + Inner.class.getSimpleName() + " " + anon.getClass().getEnclosingMethod().getName());
                    }
                }
                """).prune("t.nest.Main");

        assertEquals("42 anon true Inner main\n", p.runBoth().stdout());
        p.assertKept("t.nest.Main$Inner", "t.nest.Main$2");              // javac numbers anonymous classes in source order
        p.assertRemoved("t.nest.Main$Unused", "t.nest.Main$1");
        ClassNode main = p.written("t.nest.Main");
        assertEquals(Set.of("t/nest/Main$Inner", "t/nest/Main$2"), Set.copyOf(main.nestMembers));
        assertEquals(Set.of("t/nest/Main$Inner", "t/nest/Main$2"), main.innerClasses.stream().map(ic -> ic.name)
                .filter(n -> n.startsWith("t/nest/")).collect(Collectors.toSet()));
        assertTrue(p.written("t.nest.Main$Inner").innerClasses.stream().map((InnerClassNode ic) -> ic.name)
                .noneMatch(n -> n.endsWith("$Unused") || n.endsWith("$1")));
    }

    @Test
    void sealedHierarchyLosesPermittedSubclassesNothingUses() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, """
                package t.sealed;
                public class Main {
                    sealed interface Expr permits Num, Add, Neg { }
                    record Num(int v) implements Expr { }
                    record Add(Expr l, Expr r) implements Expr { }
                    record Neg(Expr e) implements Expr { }      // named by the permits list only
                    static int eval(Expr e) {
                        if (e instanceof Num n) return n.v();
                        if (e instanceof Add a) return eval(a.l()) + eval(a.r());
                        throw new IllegalStateException();
                    }
                    public static void main(String[] args) {
                        // Not Expr.class.isSealed(): it loads every permitted subclass (see README, limits).
                        System.out.println(eval(new Add(new Num(1), new Num(2))));
                    }
                }
                """).prune("t.sealed.Main");

        assertEquals("3\n", p.runBoth().stdout());
        p.assertRemoved("t.sealed.Main$Neg");
        assertEquals(List.of("t/sealed/Main$Num", "t/sealed/Main$Add"), p.written("t.sealed.Main$Expr").permittedSubclasses);
        assertFalse(p.written("t.sealed.Main").nestMembers.contains("t/sealed/Main$Neg"));
    }

    @Test
    void interfaceImplementationsCanBePrunedToo() throws Exception {
        String source = """
                package t.strict;
                public class Main {
                    interface Codec { String encode(String s); String decode(String s); }
                    static final class Rot implements Codec {
                        public String encode(String s) { return s + "!"; }
                        public String decode(String s) { return s.substring(1); }
                    }
                    public static void main(String[] args) { Codec c = new Rot(); System.out.println(c.encode("x")); }
                }
                """;
        Crafted.Pruned conservative = Crafted.compile(dir.resolve("a"), source).prune("t.strict.Main");
        Crafted.Pruned strict = Crafted.compile(dir.resolve("b"), source)
                .prune("t.strict.Main", b -> b.keepInterfaceImplementations(false));

        conservative.assertMethodsKept("t.strict.Main$Rot", "encode", "decode");
        strict.assertMethodsKept("t.strict.Main$Rot", "encode");
        strict.assertMethodsRemoved("t.strict.Main$Rot", "decode");
        strict.assertMethodsRemoved("t.strict.Main$Codec", "decode");
        assertEquals("x!\n", strict.runBoth().stdout());
    }

    @Test
    void packagePrivateMethodsOfAnotherPackageAreNotOverridden() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir,
                "package t.pp; public class Main { public static void main(String[] a) { System.out.println(t.pp.a.A.call(new t.pp.b.B())); } }",
                "package t.pp.a; public class A { String m() { return \"A.m\"; } public static String call(A a) { return a.m(); } }",
                "package t.pp.a; public class A2 extends A { @Override String m() { return \"A2.m\"; } }",
                "package t.pp.b; public class B extends t.pp.a.A2 { String m() { return \"B.m\"; } }").prune("t.pp.Main");

        assertEquals("A2.m\n", p.runBoth().stdout());            // JVMS 5.4.5: B.m overrides neither
        p.assertMethodsKept("t.pp.a.A2", "m");
    }
}
