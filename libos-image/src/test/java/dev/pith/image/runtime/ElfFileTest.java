package dev.pith.image.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.TestTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ELF reader against binutils' readelf, on the JDK's and the host's real files. */
class ElfFileTest {
    private static final Pattern NEEDED = Pattern.compile("\\(NEEDED\\)\\s+Shared library: \\[(.+)]");
    private static final Pattern SONAME = Pattern.compile("\\(SONAME\\)\\s+Library soname: \\[(.+)]");
    private static final Pattern RUNPATH = Pattern.compile("\\(RUNPATH\\)\\s+Library runpath: \\[(.+)]");
    private static final Pattern RPATH = Pattern.compile("\\(RPATH\\)\\s+Library rpath: \\[(.+)]");
    private static final Pattern INTERP = Pattern.compile("\\[Requesting program interpreter: (.+)]");

    @TempDir
    Path tmp;

    private static List<Path> samples() throws IOException {
        Path javaHome = Path.of(System.getProperty("java.home"));
        List<Path> files = new ArrayList<>(List.of(javaHome.resolve("bin/java"), javaHome.resolve("lib/server/libjvm.so")));
        try (Stream<Path> libs = Files.list(javaHome.resolve("lib"))) {
            libs.filter(p -> p.toString().endsWith(".so")).sorted().forEach(files::add);
        }
        for (String host : List.of("/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2", "/bin/ls")) {
            if (Files.exists(Path.of(host))) {
                files.add(Path.of(host));
            }
        }
        return files;
    }

    @Test
    void dynamicSectionMatchesReadelf() throws Exception {
        TestTools.requireTool("readelf", "binutils");
        List<Path> files = samples();
        assertTrue(files.size() > 10, "samples: " + files);
        for (Path f : files) {
            String dynamic = TestTools.run(tmp, null, "readelf", "-d", "-W", f.toString()).check().stdout();
            String program = TestTools.run(tmp, null, "readelf", "-l", "-W", f.toString()).check().stdout();
            ElfFile elf = ElfFile.read(f);
            assertEquals(all(NEEDED, dynamic), elf.needed(), f + " DT_NEEDED");
            assertEquals(first(SONAME, dynamic), elf.soname(), f + " DT_SONAME");
            assertEquals(first(RUNPATH, dynamic).map(s -> List.of(s.split(":"))).orElse(List.of()), elf.runpath(), f + " DT_RUNPATH");
            assertEquals(first(RPATH, dynamic).map(s -> List.of(s.split(":"))).orElse(List.of()), elf.rpath(), f + " DT_RPATH");
            assertEquals(first(INTERP, program), elf.interpreter(), f + " PT_INTERP");
            assertEquals(ElfFile.EM_X86_64, elf.machine());
        }
    }

    @Test
    void launcherNeedsLibjliAndLibcThroughTheLoader() throws IOException {
        ElfFile java = ElfFile.read(Path.of(System.getProperty("java.home"), "bin", "java"));
        assertTrue(java.needed().containsAll(List.of("libjli.so", "libc.so.6")), java.toString());
        assertEquals(Optional.of("/lib64/ld-linux-x86-64.so.2"), java.interpreter());
    }

    @Test
    void nonElfInputIsRejected() throws IOException {
        Path text = Files.writeString(tmp.resolve("x.so"), "not an ELF file at all, but long enough for a header... ".repeat(3));
        assertFalse(ElfFile.isElf(text));
        IOException e = assertThrows(IOException.class, () -> ElfFile.read(text));
        assertTrue(e.getMessage().contains("not an ELF file"), e.getMessage());
        Path truncated = tmp.resolve("t.so");
        byte[] head = Files.readAllBytes(Path.of(System.getProperty("java.home"), "bin", "java"));
        Files.write(truncated, java.util.Arrays.copyOf(head, 200));
        assertThrows(IOException.class, () -> ElfFile.read(truncated));
    }

    private static List<String> all(Pattern p, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static Optional<String> first(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
