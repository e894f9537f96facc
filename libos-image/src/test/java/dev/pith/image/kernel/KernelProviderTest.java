package dev.pith.image.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.image.ImageException;
import dev.pith.image.TestTools;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelProviderTest {
    @TempDir
    Path tmp;

    @Test
    void aNamedFileIsUsedAsItIs() throws Exception {
        Path k = Files.writeString(tmp.resolve("bzImage"), "kernel");
        assertEquals(k.toAbsolutePath(), KernelProvider.file(k).kernel().vmlinuz());
        ImageException e = assertThrows(ImageException.class, () -> KernelProvider.file(tmp.resolve("nope")).kernel());
        assertTrue(e.getMessage().contains("nope") && e.fix().contains("-Dpith.kernel"), e.getMessage());
    }

    @Test
    void thePropertyOverridesDebiansKernel() {
        String old = System.getProperty(KernelProvider.KERNEL_PROPERTY);
        try {
            System.setProperty(KernelProvider.KERNEL_PROPERTY, "/boot/mine");
            assertEquals(KernelProvider.file(Path.of("/boot/mine")), KernelProvider.fromEnvironment());
        } finally {
            if (old == null) {
                System.clearProperty(KernelProvider.KERNEL_PROPERTY);
            } else {
                System.setProperty(KernelProvider.KERNEL_PROPERTY, old);
            }
        }
    }

    @Test
    void pithsKernelComesFromTheLocalRepositoryAtTheLinkersVersion() throws Exception {
        PithKernel missing = new PithKernel(tmp, "9.9.9");
        assertTrue(!missing.isInstalled());
        ImageException e = assertThrows(ImageException.class, missing::kernel);
        assertTrue(e.getMessage().contains("libos-kernel-9.9.9-bzImage.bin") && e.fix().contains("-Dpith.kernel=debian"),
                e.getMessage() + " / " + e.fix());

        Path dir = Files.createDirectories(tmp.resolve("dev/pith/libos-kernel/9.9.9"));
        Path bzImage = Files.writeString(dir.resolve("libos-kernel-9.9.9-bzImage.bin"), "kernel");
        Files.writeString(dir.resolve("libos-kernel-9.9.9-config.config"), "CONFIG_PCI=y\n");
        Files.writeString(dir.resolve("libos-kernel-9.9.9-manifest.properties"), "kernel.release=6.1.192-pith\n");
        Kernel kernel = missing.kernel();
        assertEquals(bzImage, kernel.vmlinuz());
        assertEquals("6.1.192-pith", kernel.release().orElseThrow());
        assertEquals(dir.resolve("libos-kernel-9.9.9-config.config"), kernel.config().orElseThrow());
        // The linker's own version, filtered in by Maven, not a placeholder.
        assertTrue(PithKernel.installed().version().matches("\\d+\\.\\d+\\.\\d+.*"), PithKernel.installed().version());
    }

    @Test
    void thePropertyChoosesPithsOrDebiansKernelByName() {
        String old = System.getProperty(KernelProvider.KERNEL_PROPERTY);
        try {
            System.setProperty(KernelProvider.KERNEL_PROPERTY, "debian");
            assertInstanceOf(DebianKernel.class, KernelProvider.fromEnvironment());
            System.setProperty(KernelProvider.KERNEL_PROPERTY, "pith");
            assertInstanceOf(PithKernel.class, KernelProvider.fromEnvironment());
        } finally {
            if (old == null) {
                System.clearProperty(KernelProvider.KERNEL_PROPERTY);
            } else {
                System.setProperty(KernelProvider.KERNEL_PROPERTY, old);
            }
        }
    }

    @Test
    void releasesCompareNumberByNumber() {
        assertTrue(DebianKernel.compareVersions("6.1.0-56-cloud-amd64", "6.1.0-9-cloud-amd64") > 0);
        assertTrue(DebianKernel.compareVersions("6.10.0-1-cloud-amd64", "6.9.0-3-cloud-amd64") > 0);
        assertEquals(0, DebianKernel.compareVersions("6.1.0-56-cloud-amd64", "6.1.0-56-cloud-amd64"));
    }

    @Test
    void aPackageThatCannotBeFetchedNamesTheFix() {
        DebianKernel k = ((DebianKernel) KernelProvider.debian("0.0.0-0-no-such-kernel")).withCacheDirectory(tmp);
        ImageException e = assertThrows(ImageException.class, k::kernel);
        assertTrue(e.getMessage().contains("apt-get"), e.getMessage());
        assertTrue(e.fix().contains("-Dpith.kernel"), e.fix());
    }

    @Test
    void cachedKernelIsUsedWithoutApt() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("6.1.0-1-cloud-amd64"));
        Files.writeString(dir.resolve("vmlinuz"), "cached");
        Kernel k = new DebianKernel(null, "6.1.0-1-cloud-amd64", tmp).kernel();
        assertEquals(dir.resolve("vmlinuz"), k.vmlinuz());
    }

    @Test
    void tarReaderTakesOnlyThePickedMembers() throws Exception {
        TestTools.requireTool("tar", "tar");
        Path src = Files.createDirectories(tmp.resolve("src/boot"));
        String longName = "x".repeat(120);
        Files.writeString(src.resolve("vmlinuz-1"), "the kernel");
        Files.writeString(src.resolve(longName), "long name");
        Files.write(src.resolve("big"), new byte[100_000]);
        Path tar = tmp.resolve("t.tar");
        TestTools.run(tmp.resolve("src"), null, "tar", "--format=gnu", "-cf", tar.toString(), "./boot").check();
        Map<String, Path> picked = new HashMap<>();
        try (InputStream in = Files.newInputStream(tar)) {
            boolean all = TarReader.extract(in, name -> {
                if (name.equals("boot/vmlinuz-1") || name.equals("boot/" + longName)) {
                    Path out = tmp.resolve("out-" + picked.size());
                    picked.put(name, out);
                    return out;
                }
                return null;
            }, 2);
            assertTrue(all);
        }
        assertEquals("the kernel", Files.readString(picked.get("boot/vmlinuz-1")));
        assertEquals("long name", Files.readString(picked.get("boot/" + longName)));
    }

    /** Fetches Debian's cloud kernel (network to Debian's archive; cached in ~/.cache/pith afterwards). */
    @Test
    @Tag("guest")
    void debianCloudKernelIsABzImage() throws Exception {
        TestTools.requireTool("apt-get", "apt");
        TestTools.requireTool("dpkg-deb", "dpkg");
        Kernel k = KernelProvider.debianCloud().kernel();
        assertTrue(k.release().orElseThrow().endsWith("-cloud-amd64"), k.toString());
        byte[] header = new byte[0x206];
        try (InputStream in = Files.newInputStream(k.vmlinuz())) {
            assertEquals(header.length, in.readNBytes(header, 0, header.length));
        }
        // Linux x86 boot protocol: "HdrS" at 0x202.
        assertArrayEquals("HdrS".getBytes(StandardCharsets.US_ASCII), java.util.Arrays.copyOfRange(header, 0x202, 0x206));
        String config = Files.readString(k.config().orElseThrow());
        for (String option : new String[] {"CONFIG_RD_LZ4=y", "CONFIG_DEVTMPFS=y", "CONFIG_SERIAL_8250_CONSOLE=y"}) {
            assertTrue(config.contains(option + "\n"), option);
        }
        assertInstanceOf(DebianKernel.class, KernelProvider.debianCloud());
    }
}
