package dev.pith.image.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.ImageException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.ClassNode;

class ClassPathTest {
    @TempDir
    Path dir;

    /** A class file {@code name} (internal) whose superclass names its origin: readable back. */
    static byte[] classFile(String name, String superName) {
        ClassWriter w = new ClassWriter(0);
        w.visit(Opcodes.V25, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, name, null, superName, null);
        w.visitEnd();
        return w.toByteArray();
    }

    static Path jar(Path file, boolean multiRelease, Map<String, byte[]> entries) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (multiRelease) {
            m.getMainAttributes().put(Attributes.Name.MULTI_RELEASE, "true");
        }
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, m)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                jar.putNextEntry(new JarEntry(e.getKey()));
                jar.write(e.getValue());
                jar.closeEntry();
            }
        }
        return file;
    }

    @Test
    void jarsAndDirectoriesInOrderFirstOneWins() throws IOException {
        Path first = jar(dir.resolve("first.jar"), false, Map.of(
                "a/A.class", classFile("a/A", "java/lang/Object"),
                "a/Dup.class", classFile("a/Dup", "java/lang/Object"),
                "res.txt", "first".getBytes(StandardCharsets.UTF_8)));
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes.resolve("a"));
        Files.write(classes.resolve("a/B.class"), classFile("a/B", "a/A"));
        Files.write(classes.resolve("a/Dup.class"), classFile("a/Dup", "java/lang/Thread"));
        Files.writeString(classes.resolve("res.txt"), "second");

        try (ClassPath cp = ClassPath.of(List.of(first, classes))) {
            assertEquals(List.of("a/A", "a/B", "a/Dup"), List.copyOf(cp.classNames()));
            assertEquals("java/lang/Object", cp.classNode("a/Dup").superName);
            assertEquals(List.of("a/Dup (classes)"), cp.shadowed());
            assertEquals("first.jar", cp.entryOf("a/A").orElseThrow().name());
            assertEquals("classes", cp.entryOf("a/B").orElseThrow().name());
            List<ClassPath.Resource> res = cp.resources("res.txt");
            assertEquals(2, res.size());
            assertEquals("first", new String(cp.read(res.get(0)), StandardCharsets.UTF_8));
            assertEquals("second", new String(cp.read(res.get(1)), StandardCharsets.UTF_8));
            assertNull(cp.classNode("a/Missing"));
        }
    }

    @Test
    void multiReleaseJarIsReadAsThisJdkSeesIt() throws IOException {
        Path jar = jar(dir.resolve("mr.jar"), true, Map.of(
                "m/C.class", classFile("m/C", "java/lang/Object"),
                "META-INF/versions/11/m/C.class", classFile("m/C", "java/lang/Thread"),
                "META-INF/versions/9/module-info.class", new byte[] {1},
                "META-INF/versions/11/only.txt", "v11".getBytes(StandardCharsets.UTF_8)));

        try (ClassPath cp = ClassPath.of(List.of(jar))) {
            assertEquals("java/lang/Thread", cp.classNode("m/C").superName);
            assertEquals(List.of("m/C"), List.copyOf(cp.classNames()));
            assertEquals(1, cp.resources("only.txt").size());
        }
    }

    @Test
    void jdkClassesComeFromTheRunTimeImage() throws IOException {
        try (ClassPath cp = ClassPath.of(List.of())) {
            ClassNode string = cp.jdkClassNode("java/lang/String");
            assertNotNull(string);
            assertTrue(string.interfaces.contains("java/lang/CharSequence"));
            assertNotNull(cp.jdkClassNode("java/net/http/HttpClient"));    // a module other than java.base
            assertNull(cp.jdkClassNode("java/lang/NoSuchClass"));
            assertNull(cp.jdkClassNode("com/example/Foo"));
            assertTrue(string.methods.stream().allMatch(m -> m.instructions.size() == 0), "JDK classes are read without code");
        }
    }

    @Test
    void missingEntryIsAnImageException() {
        ImageException e = assertThrows(ImageException.class, () -> ClassPath.of(List.of(dir.resolve("nope.jar"))));
        assertTrue(e.getMessage().contains("nope.jar does not exist"), e.getMessage());
    }
}
