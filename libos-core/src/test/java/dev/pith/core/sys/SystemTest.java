package dev.pith.core.sys;

import static dev.pith.core.sys.Linux.MS_NODEV;
import static dev.pith.core.sys.Linux.MS_NOEXEC;
import static dev.pith.core.sys.Linux.MS_NOSUID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mount, umount, finit_module, reboot (with an invalid command only), sync and getpid. */
class SystemTest {
    @TempDir
    Path dir;

    @Test
    void tmpfsMountsAndUnmountsWhenRoot() throws Throwable {
        assumeTrue(TestLibc.isRoot(), "mount needs CAP_SYS_ADMIN");
        Path target = Files.createDirectory(dir.resolve("tmpfs"));

        Linux.mount("pith-test", target.toString(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,mode=0700");
        boolean mounted = true;
        try {
            assertTrue(mountinfo().contains(" " + target + " "), "mountinfo lists " + target);
            Files.writeString(target.resolve("inside"), "x");

            Linux.umount(target.toString());
            mounted = false;

            assertFalse(mountinfo().contains(" " + target + " "));
            assertFalse(Files.exists(target.resolve("inside")), "the file lived in the tmpfs");
        } finally {
            if (mounted) {
                Linux.umount(target.toString());
            }
        }
    }

    @Test
    void mountOnMissingTargetNamesTheTarget() throws Throwable {
        assumeTrue(TestLibc.isRoot(), "without CAP_SYS_ADMIN mount fails with EPERM before looking at the target");
        String target = dir.resolve("missing").toString();

        SyscallException e = assertThrows(SyscallException.class,
                () -> Linux.mount("pith-test", target, "tmpfs", 0, null));

        assertEquals("mount", e.call());
        assertEquals(Errno.ENOENT, e.errnoValue());
        assertEquals("mount(\"pith-test\", \"" + target + "\", \"tmpfs\", 0x0) failed: "
                + "ENOENT (No such file or directory)", e.getMessage());
    }

    @Test
    void umountOfPlainDirectoryFails() {
        SyscallException e = assertThrows(SyscallException.class, () -> Linux.umount(dir.toString()));

        assertEquals("umount", e.call());
        // EINVAL: "target is not a mount point"; EPERM without CAP_SYS_ADMIN (man 2 umount).
        assertTrue(Set.of(Errno.EINVAL, Errno.EPERM).contains(e.errnoValue()), e.getMessage());
        assertTrue(e.getMessage().startsWith("umount(\"" + dir + "\") failed: "), e.getMessage());
    }

    /**
     * fs/module/main.c: finit_module checks may_init_module (CAP_SYS_MODULE, modules_disabled) first, then reads the
     * descriptor: EBADF for -1. A kernel built without CONFIG_MODULES has no such call: ENOSYS.
     */
    @Test
    void finitModuleOfInvalidDescriptorFails() throws Throwable {
        Errno expected;
        if (!Files.exists(Path.of("/proc/modules"))) {
            expected = Errno.ENOSYS;
        } else if (!TestLibc.isRoot() || "1".equals(readTrimmed(Path.of("/proc/sys/kernel/modules_disabled")))) {
            expected = Errno.EPERM;
        } else {
            expected = Errno.EBADF;
        }

        SyscallException e = assertThrows(SyscallException.class, () -> Linux.finit_module(-1, "", 0));

        assertEquals("finit_module", e.call());
        assertEquals(expected, e.errnoValue(), e.getMessage());
        assertTrue(e.getMessage().startsWith("finit_module(fd -1) failed: "), e.getMessage());
    }

    /**
     * A command the kernel does not know. kernel/reboot.c, SYSCALL_DEFINE4(reboot): EPERM without CAP_SYS_BOOT,
     * then the magic numbers (glibc passes valid ones), then reboot_pid_ns (kernel/pid_namespace.c: "default: return
     * -EINVAL" for an unknown command in a child PID namespace), then a switch whose default is -EINVAL. Nothing
     * happens before the error. Beware 0x1234567: it is LINUX_REBOOT_CMD_RESTART.
     */
    @Test
    void rebootWithUnknownCommandFailsWithoutRebooting() {
        int unknown = 0x0badc0de;
        // Every command in include/uapi/linux/reboot.h, CAD_OFF (0) included: none may ever be sent from a test.
        Set<Integer> commands = Set.of(0x01234567, 0xcdef0123, 0x89abcdef, 0x00000000, 0x4321fedc, 0xa1b2c3d4,
                0xd000fce2, 0x45584543);
        assertFalse(commands.contains(unknown));

        SyscallException e = assertThrows(SyscallException.class, () -> Linux.reboot(unknown));

        assertEquals("reboot", e.call());
        assertTrue(Set.of(Errno.EINVAL, Errno.EPERM).contains(e.errnoValue()), e.getMessage());
        assertTrue(e.getMessage().startsWith("reboot(0xbadc0de) failed: "), e.getMessage());
    }

    @Test
    void syncReturns() {
        Linux.sync();
    }

    @Test
    void getpidIsTheJvmsPid() {
        assertEquals(ProcessHandle.current().pid(), Linux.getpid());
    }

    private static String mountinfo() throws Exception {
        return Files.readString(Path.of("/proc/self/mountinfo"));
    }

    private static String readTrimmed(Path path) throws Exception {
        return Files.exists(path) ? Files.readString(path).trim() : "";
    }
}
