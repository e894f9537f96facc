package dev.pith.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SysctlTest {

    /** pid_max has more than one digit on every Linux (at least 301): a piecewise read would return the first. */
    @Test
    void readsAMultiDigitNumberWhole() throws IOException {
        Path pidMax = Path.of("/proc/sys/kernel/pid_max");
        String value = Sysctl.read(pidMax);
        assertTrue(Integer.parseInt(value) > 300, value);
        assertEquals(value.substring(0, 1), Files.readString(pidMax).strip(),
                "why Sysctl exists: Files.readString gets the first byte, then end of file");
    }
}
