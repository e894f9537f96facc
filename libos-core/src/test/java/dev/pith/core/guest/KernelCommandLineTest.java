package dev.pith.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KernelCommandLineTest {

    /** The command line DESIGN.md §3 boots with, as /proc/cmdline shows it (with its newline). */
    private static final String BOOT = "console=ttyS0 quiet LD_LIBRARY_PATH=/jre/lib:/jre/lib/server"
            + " rdinit=/jre/bin/java hugepages=4 pith.ip=10.0.2.15/24 pith.gw=10.0.2.2 pith.log=debug pith.pcap"
            + " -- -XX:+UseSerialGC -cp /app/app.jar Main\n";

    @Test
    void pithWordsBecomeSettingsWithoutThePrefix() {
        KernelCommandLine line = KernelCommandLine.parse(BOOT);
        assertEquals(Map.of("ip", "10.0.2.15/24", "gw", "10.0.2.2", "log", "debug", "pcap", "true"), line.pithSettings());
    }

    @Test
    void wordsAfterTheDoubleDashAreInitsArguments() {
        KernelCommandLine line = KernelCommandLine.parse(BOOT);
        assertEquals(List.of("-XX:+UseSerialGC", "-cp", "/app/app.jar", "Main"), line.initArguments());
        assertEquals("console=ttyS0", line.words().getFirst());
        assertEquals("pith.pcap", line.words().getLast());
        assertEquals(Optional.of("4"), line.value("hugepages"));
        assertEquals(Optional.of(""), line.value("quiet"));
        assertEquals(Optional.empty(), line.value("Main"), "init's words are not kernel parameters");
        assertEquals(Optional.empty(), line.value("console=ttyS"));
    }

    @Test
    void laterWordsWinAndOddWordsAreIgnored() {
        KernelCommandLine line = KernelCommandLine.parse("pith.ip=1.1.1.1 pith. pith.=x pith.ip=2.2.2.2 pith.a=b=c");
        assertEquals(Map.of("ip", "2.2.2.2", "a", "b=c"), line.pithSettings());
        assertEquals(Optional.of("2.2.2.2"), line.value("pith.ip"));
    }

    @Test
    void quotesGroupWordsAndDisappear() {
        KernelCommandLine line = KernelCommandLine.parse("a \"pith.motd=hello world\" pith.name=\"x y\"  b");
        assertEquals(List.of("a", "pith.motd=hello world", "pith.name=x y", "b"), line.words());
        assertEquals(Map.of("motd", "hello world", "name", "x y"), line.pithSettings());
    }

    @Test
    void emptyAndBlankLines() {
        assertEquals(List.of(), KernelCommandLine.parse("").words());
        assertEquals(List.of(), KernelCommandLine.parse("  \n").words());
        assertEquals(Map.of(), KernelCommandLine.parse("ro root=/dev/vda").pithSettings());
    }
}
