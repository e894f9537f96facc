package dev.pith.image.initramfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KernelCommandLineTest {
    @Test
    void javaLineStartsTheJvmAsInitWithItsLibraryPath() {
        KernelCommandLine line = KernelCommandLine.forJava(List.of("-XX:+UseSerialGC"), "com.example.Main", List.of("8080"));
        assertEquals("console=ttyS0 panic=-1 quiet rootfstype=ramfs rdinit=/jre/bin/java"
                + " LD_LIBRARY_PATH=/jre/lib:/jre/lib/server -- -XX:+UseSerialGC -cp /app/app.jar com.example.Main 8080",
                line.toString());
    }

    @Test
    void kernelParametersCanBeReplacedOrAdded() {
        KernelCommandLine line = KernelCommandLine.forJava(List.of(), "Main", List.of()).plusKernelParameters("hugepages=8");
        assertTrue(line.toString().startsWith("console=ttyS0 panic=-1 quiet rootfstype=ramfs hugepages=8 rdinit="), line.toString());
    }

    @Test
    void wordsTheKernelWouldSplitOrStripAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> KernelCommandLine.forJava(List.of("-Dname=a b"), "Main", List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> KernelCommandLine.forJava(List.of("-Dname=\"x\""), "Main", List.of()));
        assertThrows(IllegalArgumentException.class, () -> new KernelCommandLine(List.of("console=ttyS0"), "/init",
                Map.of("my.var", "1"), List.of()), "Linux drops k=v words whose name holds a dot");
        assertThrows(IllegalArgumentException.class, () -> new KernelCommandLine(List.of("rdinit=/x"), "/init",
                Map.of(), List.of()));
    }

    @Test
    void linuxLimitsAreCheckedAtBuildTime() {
        List<String> args = new ArrayList<>(Collections.nCopies(28, "-Xint"));
        KernelCommandLine.forJava(args, "Main", List.of()); // 1 + 28 + "-cp" + jar + Main = 32: the limit
        args.add("-Xint");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelCommandLine.forJava(args, "Main", List.of()));
        assertTrue(e.getMessage().contains("@argfile"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> KernelCommandLine.forJava(List.of("-Dx=" + "y".repeat(2100)), "Main", List.of()));
    }
}
