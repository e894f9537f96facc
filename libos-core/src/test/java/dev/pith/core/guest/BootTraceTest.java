package dev.pith.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BootTraceTest {

    @Test
    void printsOneLinePerPhaseAsTheBenchScriptReadsIt() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BootTrace trace = new BootTrace(true, new PrintStream(out, true, StandardCharsets.UTF_8));
        trace.phase("nic pci", System.nanoTime() - 1_234_500_000L);
        String line = out.toString(StandardCharsets.UTF_8).strip();
        // bench/scripts/guest-boot.py: r"pith: boot (\S+(?: \S+)?) ([0-9.]+) ms" and r"downcall handles: (\d+)"
        assertTrue(line.matches("pith: boot nic pci 12[3-9]\\d\\.\\d ms \\(downcall handles: \\d+\\)"), line);
        assertEquals(1, line.lines().count());
    }

    @Test
    void onlyLogDebugTurnsItOnAndOffPrintsNothing() {
        assertTrue(BootTrace.of(Map.of("log", "debug")).enabled());
        assertFalse(BootTrace.of(Map.of()).enabled());
        assertFalse(BootTrace.of(Map.of("log", "info")).enabled());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new BootTrace(false, new PrintStream(out, true, StandardCharsets.UTF_8)).phase("mounts", System.nanoTime());
        assertEquals(0, out.size());
    }
}
