package dev.pith.image.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated boot class compiles for every kind of part, and refuses a plan that changed since linking. */
class BootClassTest {

    private static final String COMPOSITIONS = Compositions.class.getName();

    @Test
    void compilesForEveryKindOfPartAndDiskNamesThatLookAlike(@TempDir Path out) {
        JavaFile source = BootClass.generate(Compositions.everything().plan(), COMPOSITIONS, "everything");
        compile(source, out);
        String text = source.toString();
        assertTrue(text.contains("\"a1\"") && text.contains("\"a-1\""), text);
    }

    @Test
    void withAotTrainingMainRunsTheTrainingWhenAsked(@TempDir Path out) throws Exception {
        JavaFile source = BootClass.generate(Compositions.everything().plan(), COMPOSITIONS, "everything", true);
        compile(source, out);
        String text = source.toString();
        assertTrue(text.contains("if (AotTraining.requested())") && text.contains("AotTraining.run(Compositions.everything(), PithBoot.class)"),
                text);
        // The linker starts the training with this property; the boot class asks AotTraining for it.
        Object property = Class.forName("dev.pith.internal.AotTraining").getField("PROPERTY").get(null);
        assertEquals(dev.pith.image.runtime.AotCache.TRAINING_PROPERTY, property);
        assertTrue(!BootClass.generate(Compositions.everything().plan(), COMPOSITIONS, "everything").toString()
                .contains("AotTraining"), "no training entry unless asked");
    }

    @Test
    void refusesAPlanThatDiffersFromTheLinkedOne(@TempDir Path out) throws Exception {
        JavaFile source = BootClass.generate(Compositions.changing().plan(), COMPOSITIONS, "changing");
        compile(source, out);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader())) {
            Method boot = loader.loadClass(source.packageName() + "." + source.typeSpec().name()).getDeclaredMethod("boot");
            boot.setAccessible(true);
            // The check comes before the platform boots, so this never touches the host.
            InvocationTargetException thrown = assertThrows(InvocationTargetException.class, () -> boot.invoke(null));
            IllegalStateException e = assertInstanceOf(IllegalStateException.class, thrown.getCause());
            assertTrue(e.getMessage().contains("differs from the one linked") && e.getMessage().contains("8001")
                    && e.getMessage().contains("8002"), e.getMessage());
        }
    }

    private static void compile(JavaFile source, Path out) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        JavaFileObject file = new SimpleJavaFileObject(
                java.net.URI.create("string:///" + source.typeSpec().name() + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source.toString();
            }
        };
        StringWriter diagnostics = new StringWriter();
        boolean ok = javac.getTask(diagnostics, null, null,
                List.of("-d", out.toString(), "-classpath", System.getProperty("java.class.path"), "-proc:none"),
                null, List.of(file)).call();
        assertEquals("", diagnostics.toString().strip(), source.toString());
        assertTrue(ok, diagnostics + "\n" + source);
    }
}
