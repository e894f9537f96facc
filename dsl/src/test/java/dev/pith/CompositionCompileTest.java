package dev.pith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The type-checked composition, checked with the compiler itself: impossible compositions must
 * not compile, and the errors must point at the missing step.
 */
class CompositionCompileTest {

    /** Compiles one class whose main body is {@code body}; returns the error messages (empty when it compiles). */
    private static List<String> compile(String body) {
        String source = """
                import dev.pith.*;
                public class App {
                    public static void main(String[] args) throws Exception {
                        %s
                    }
                }
                """.formatted(body);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///App.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> options = List.of("-classpath", classPath, "-proc:none", "-d",
                System.getProperty("java.io.tmpdir") + "/pith-compile-test");
        boolean ok = javac.getTask(new StringWriter(), null, diagnostics, options, null, List.of(file)).call();
        List<String> errors = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                errors.add(d.getMessage(Locale.ROOT).replace('\n', ' '));
            }
        }
        assertEquals(ok, errors.isEmpty(), "compiler result and diagnostics agree: " + errors);
        return errors;
    }

    private static void assertError(List<String> errors, String... fragments) {
        assertEquals(1, errors.size(), "one error: " + errors);
        for (String fragment : fragments) {
            assertTrue(errors.getFirst().contains(fragment), "'" + fragment + "' in: " + errors.getFirst());
        }
    }

    @Test
    void aWholeCompositionCompiles() {
        assertEquals(List.of(), compile("""
                Unikernel u = Unikernel.builder("echo")
                        .memoryMib(64)
                        .disk(Disk.memory("scratch", 1 << 20))
                        .network(Network.virtio())
                        .ipv4(Ipv4.address("10.0.2.15/24").gateway("10.0.2.2"))
                        .udp(53, (socket, source, payload) -> {})
                        .tcp()
                        .listen(7, connection -> {})
                        .serve(8080, connection -> connection.input().transferTo(connection.output()))
                        .build();
                """));
    }

    @Test
    void noTcpWithoutANetwork() {
        assertError(compile("Unikernel.builder(\"x\").tcp();"), "cannot find symbol", "tcp()", "UnikernelStep");
    }

    @Test
    void noTcpWithoutAnIpConfiguration() {
        assertError(compile("Unikernel.builder(\"x\").network(Network.virtio()).tcp();"),
                "cannot find symbol", "tcp()", "NetworkStep");
    }

    @Test
    void noNetworkWithoutAnIpConfigurationCanBeBuilt() {
        assertError(compile("Unikernel.builder(\"x\").network(Network.virtio()).build();"),
                "cannot find symbol", "build()", "NetworkStep");
    }

    @Test
    void noTcpServiceWithoutTcp() {
        assertError(compile("Unikernel.builder(\"x\").network(Network.virtio()).ipv4(Ipv4.dhcp()).listen(80, c -> {});"),
                "cannot find symbol", "listen", "IpStep");
    }

    @Test
    void noUdpWithoutANetwork() {
        assertError(compile("Unikernel.builder(\"x\").udp(53, (s, src, p) -> {});"), "cannot find symbol", "udp", "UnikernelStep");
    }

    @Test
    void handlersAreTypeChecked() {
        List<String> errors = compile("""
                Unikernel.builder("x").network(Network.virtio()).ipv4(Ipv4.dhcp()).tcp().listen(80, (String s) -> {});
                """);
        assertTrue(!errors.isEmpty() && errors.getFirst().contains("incompatible"), errors.toString());
    }
}
