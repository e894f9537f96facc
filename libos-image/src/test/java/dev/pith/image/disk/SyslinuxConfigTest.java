package dev.pith.image.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.initramfs.KernelCommandLine;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SyslinuxConfigTest {
    private static final String LINE = "console=ttyS0 panic=-1 quiet rootfstype=ramfs rdinit=/jre/bin/java -- -cp /app/app.jar Main 42";

    @Test
    void rendersOneEntryThatBootsAtOnceOnTheSerialConsole() {
        assertEquals("""
                SERIAL 0 115200
                DEFAULT pith
                PROMPT 0
                TIMEOUT 0
                NOESCAPE 1
                LABEL pith
                  LINUX /vmlinuz
                  APPEND initrd=/initrd console=ttyS0 panic=-1 quiet rootfstype=ramfs rdinit=/jre/bin/java -- -cp /app/app.jar Main 42
                """, new SyslinuxConfig(LINE, true).render());
    }

    @Test
    void initrdComesFirstSoThatNothingFollowsInitsArguments() {
        SyslinuxConfig c = new SyslinuxConfig(LINE, true);
        assertEquals("BOOT_IMAGE=/vmlinuz initrd=/initrd " + LINE, c.kernelCommandLineAsBooted());
        assertTrue(c.kernelCommandLineAsBooted().endsWith("Main 42"));
        assertEquals("BOOT_IMAGE=/vmlinuz " + LINE, new SyslinuxConfig(LINE, false).kernelCommandLineAsBooted());
        assertTrue(new SyslinuxConfig(LINE, false).render().contains("  APPEND console=ttyS0 "));
    }

    @Test
    void takesTheLongestLineLinuxKeepsAndNotOneByteMore() {
        String prefix = "BOOT_IMAGE=/vmlinuz initrd=/initrd ";
        String longest = "x".repeat(2047 - prefix.length());
        assertEquals(2047, new SyslinuxConfig(longest, true).kernelCommandLineAsBooted().length());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SyslinuxConfig(longest + "y", true));
        assertTrue(e.getMessage().contains("2048") && e.getMessage().contains("2047") && e.getMessage().contains("by 1 bytes"),
                e.getMessage());
    }

    @Test
    void refusesControlCharactersAndNonAscii() {
        assertThrows(IllegalArgumentException.class, () -> new SyslinuxConfig("console=ttyS0\nDEFAULT other", true));
        assertThrows(IllegalArgumentException.class, () -> new SyslinuxConfig("console=ttyS0\tquiet", true));
        assertThrows(IllegalArgumentException.class, () -> new SyslinuxConfig("name=caf\u00e9", true));
        assertThrows(IllegalArgumentException.class, () -> new SyslinuxConfig("  ", true));
    }

    @Test
    void countsBootImageAmongInitsEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < 29; i++) {
            env.put("V" + i, "x");
        }
        SyslinuxConfig.of(new KernelCommandLine(List.of("console=ttyS0"), "/init", env, List.of()), true); // 2 + 1 + 29 = 32
        env.put("V29", "x"); // fine for KernelCommandLine (2 + 30), one too many behind syslinux
        KernelCommandLine full = new KernelCommandLine(List.of("console=ttyS0"), "/init", env, List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SyslinuxConfig.of(full, true));
        assertTrue(e.getMessage().contains("BOOT_IMAGE"), e.getMessage());
    }
}
