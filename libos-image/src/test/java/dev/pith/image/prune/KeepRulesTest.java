package dev.pith.image.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.ImageException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeepRulesTest {
    @TempDir
    Path dir;

    @Test
    void parsesEveryFormWithCommentsAndBlankLines() {
        KeepRules rules = KeepRules.parse("keep.txt", """
                # reflection targets
                class com.example.Foo
                class com.example.Foo$Inner { * }   # all members

                method com.example.Foo bar(I)V
                method com.example.Foo <init>()V
                method com.example.Foo baz
                field com.example.Foo count
                package com.example.plugins
                """);

        assertEquals(List.of(
                new KeepRules.ClassRule("com.example.Foo", false, "keep.txt:2"),
                new KeepRules.ClassRule("com.example.Foo$Inner", true, "keep.txt:3"),
                new KeepRules.MethodRule("com.example.Foo", "bar", "(I)V", "keep.txt:5"),
                new KeepRules.MethodRule("com.example.Foo", "<init>", "()V", "keep.txt:6"),
                new KeepRules.MethodRule("com.example.Foo", "baz", null, "keep.txt:7"),
                new KeepRules.FieldRule("com.example.Foo", "count", "keep.txt:8"),
                new KeepRules.PackageRule("com.example.plugins", "keep.txt:9")), rules.rules());
    }

    @Test
    void malformedLinesNameTheFileAndLine() {
        for (String bad : List.of("clas com.example.Foo", "class com.example.Foo {", "method com.example.Foo bar(I)",
                "method com.example.Foo bar(Ljava/lang/String)V", "field com.example.Foo", "package com..example",
                "class com/example/Foo")) {
            ImageException e = assertThrows(ImageException.class, () -> KeepRules.parse("app.jar!/META-INF/pith/keep.txt", "# ok\n\n" + bad));
            assertTrue(e.getMessage().startsWith("app.jar!/META-INF/pith/keep.txt:3: malformed keep rule '" + bad.strip() + "'"),
                    e.getMessage());
            assertTrue(e.fix().contains("class a.B { * }"), e.fix());
        }
    }

    @Test
    void malformedKeepFileOnTheClassPathFailsTheAnalysis() throws Exception {
        Crafted program = Crafted.compile(dir, Map.of(ClassPath.KEEP_FILE, "class t.k.Main\nkeep everything\n"),
                "package t.k; public class Main { public static void main(String[] a) { } }");

        ImageException e = assertThrows(ImageException.class, () -> program.prune("t.k.Main"));
        assertTrue(e.getMessage().contains("classes/META-INF/pith/keep.txt:2: malformed keep rule 'keep everything'"), e.getMessage());
    }

    @Test
    void rulesThatNameNothingAreWarnings() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir, Map.of(),
                        "package t.k; public class Main { public static void main(String[] a) { } static int helper() { return 1; } }")
                .prune("t.k.Main", b -> b.keep(KeepRules.parse("linker", """
                        class t.k.Missing
                        method t.k.Main nothing
                        field t.k.Main none
                        package t.empty
                        method t.k.Main helper()I
                        """)));

        assertEquals(List.of(
                "linker:1: keep rule names a class the class path lacks: t.k.Missing",
                "linker:2: keep rule names no method of t.k.Main: nothing",
                "linker:3: keep rule names no field of t.k.Main: none",
                "linker:4: keep rule names a package without classes: t.empty"), p.reach.warnings());
        p.assertMethodsKept("t.k.Main", "helper");
    }

    @Test
    void packageRuleKeepsEveryClassOfThePackageButNotSubpackages() throws Exception {
        Crafted.Pruned p = Crafted.compile(dir,
                        "package t.p; public class Main { public static void main(String[] a) { } }",
                        "package t.p.plugins; public class A { void a() { } }",
                        "package t.p.plugins; public abstract class B { abstract void b(); static void s() { } }",
                        "package t.p.plugins.sub; public class C { }")
                .prune("t.p.Main", b -> b.keep(KeepRules.parse("linker", "package t.p.plugins")));

        p.assertKept("t.p.plugins.A", "t.p.plugins.B");
        p.assertMethodsKept("t.p.plugins.A", "<init>", "a");
        p.assertMethodsKept("t.p.plugins.B", "b", "s");
        p.assertRemoved("t.p.plugins.sub.C");
    }

    @Test
    void keepAnnotationIsMatchedBySimpleName() {
        assertTrue(KeepRules.isKeepAnnotation("Lcom/example/Keep;"));
        assertTrue(KeepRules.isKeepAnnotation("Landroidx/annotation/Keep;"));
        assertTrue(KeepRules.isKeepAnnotation("Lcom/example/Outer$Keep;"));
        assertTrue(!KeepRules.isKeepAnnotation("Lcom/example/Keeper;") && !KeepRules.isKeepAnnotation("Lcom/example/DontKeep;"));
    }
}
