package dev.pith.image.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.ImageException;
import dev.pith.image.TestRuntimes;
import dev.pith.image.TestTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeImageTest {
    @TempDir
    Path tmp;

    @Test
    void javaBaseRuntimeNeedsGlibcAndTheLoader() throws Exception {
        RuntimeImage jre = TestRuntimes.javaBase();
        assertEquals(List.of("java.base"), jre.modules());
        assertTrue(Files.isRegularFile(jre.home().resolve("lib/server/classes.jsa")), "CDS archive");
        assertFalse(Files.exists(jre.home().resolve("lib/server/classes_nocoops.jsa")));
        assertFalse(ElfFile.read(jre.home().resolve("lib/server/libjvm.so")).needed().isEmpty());

        List<HostFile> files = jre.nativeDependencies();
        Map<String, HostFile> byName = files.stream()
                .collect(Collectors.toMap(f -> Path.of(f.guestPath()).getFileName().toString(), f -> f));
        System.out.println("host files for java.base: " + files.stream().map(HostFile::guestPath).toList());
        assertEquals("/lib64/ld-linux-x86-64.so.2", byName.get("ld-linux-x86-64.so.2").guestPath());
        for (String lib : List.of("libc.so.6", "libm.so.6")) {
            assertTrue(byName.containsKey(lib), lib + " in " + files);
            assertTrue(byName.get(lib).guestPath().matches("/(usr/)?lib/x86_64-linux-gnu/" + lib.replace(".", "\\.")));
        }
        // Whatever libjvm.so names (libdl, libpthread, librt on JDK 25 builds) is there; nothing of the JDK's own.
        Set<String> jvmNeeds = Set.copyOf(ElfFile.read(jre.home().resolve("lib/server/libjvm.so")).needed());
        for (String lib : jvmNeeds) {
            assertTrue(byName.containsKey(lib), lib + " (needed by libjvm.so) in " + files);
        }
        assertFalse(byName.containsKey("libjli.so") || byName.containsKey("libjvm.so"), "runtime libraries stay in /jre");
        for (HostFile f : files) {
            assertTrue(Files.isRegularFile(f.source()) && !Files.isSymbolicLink(f.source()), f.toString());
        }
    }

    @Test
    void jdepsFindsTheModulesAJarNeeds() throws Exception {
        Path src = Files.writeString(tmp.resolve("UsesLogging.java"), """
                public class UsesLogging {
                    public static void main(String[] args) throws Exception {
                        java.util.logging.Logger.getLogger("x").info("hi");
                        System.out.println(java.net.http.HttpClient.Version.HTTP_2);
                    }
                }
                """);
        Path jar = TestTools.compileJar(tmp, "UsesLogging", src);
        // --print-module-deps prints the smallest set that requires everything: java.sql alone would imply java.logging.
        assertEquals(Set.of("java.base", "java.logging", "java.net.http"), RuntimeImage.requiredModules(List.of(jar)));
    }

    @Test
    void badInputsNameTheFix() throws Exception {
        ImageException missing = assertThrows(ImageException.class, () -> RuntimeImage.requiredModules(List.of(tmp.resolve("no.jar"))));
        assertTrue(missing.getMessage().contains("no.jar"), missing.getMessage());
        ImageException notRuntime = assertThrows(ImageException.class, () -> RuntimeImage.at(tmp));
        assertTrue(notRuntime.fix().contains("jlink"), notRuntime.fix());
        Files.writeString(tmp.resolve("precious.txt"), "keep me");
        ImageException occupied = assertThrows(ImageException.class, () -> RuntimeImage.builder().build(tmp));
        assertTrue(occupied.getMessage().contains("not an earlier runtime image"), occupied.getMessage());
        assertTrue(Files.exists(tmp.resolve("precious.txt")));
        ImageException badModule = assertThrows(ImageException.class,
                () -> RuntimeImage.builder().addModules("java.no.such.module").cdsArchive(false).build(tmp.resolve("jre")));
        assertTrue(badModule.getMessage().contains("java.no.such.module"), badModule.getMessage());
    }

    @Test
    void unresolvableLibrariesAreListedWithWhoNeedsThem() throws Exception {
        RuntimeImage jre = TestRuntimes.javaBase();
        ImageException e = assertThrows(ImageException.class,
                () -> NativeDependencies.searching(List.of(Path.of("/nonexistent-lib-dir"))).resolve(jre.home()));
        assertTrue(e.getMessage().contains("libc.so.6 (needed by"), e.getMessage());
        List<HostFile> withExtra = NativeDependencies.host().include("libgcc_s.so.1").resolve(jre.home());
        assertTrue(withExtra.stream().anyMatch(f -> f.guestPath().endsWith("/libgcc_s.so.1")), withExtra.toString());
    }
}
