package dev.pith.image.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Decides whether KVM works here: boots the kernel under KVM with an early serial console and
 * waits for its "Linux version" banner. On a host where nested KVM hangs after the real-mode stub,
 * nothing appears and the probe settles on TCG after its timeout; the answer is kept for the JVM's
 * life. Unsure (no kernel to probe with, /dev/kvm not usable, QEMU not startable) means TCG.
 */
final class KvmProbe {
    private static volatile Accelerator cached;

    private KvmProbe() {
    }

    static Accelerator resolve(String qemu, Path kernel, Duration timeout) {
        Accelerator known = cached;
        if (known != null) {
            return known;
        }
        synchronized (KvmProbe.class) {
            if (cached == null) {
                cached = probe(qemu, kernel, timeout);
            }
            return cached;
        }
    }

    private static Accelerator probe(String qemu, Path kernel, Duration timeout) {
        Path kvm = Path.of("/dev/kvm");
        if (kernel == null || !Files.isReadable(kvm) || !Files.isWritable(kvm)) {
            return Accelerator.TCG;
        }
        Process p = null;
        try {
            p = new ProcessBuilder(qemu, "-machine", "pc", "-accel", "kvm", "-cpu", "host", "-m", "128", "-smp", "1",
                    "-nodefaults", "-no-user-config", "-no-reboot", "-display", "none", "-serial", "stdio",
                    "-kernel", kernel.toString(),
                    "-append", "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            p.getOutputStream().close();
            Process proc = p;
            AtomicBoolean seen = new AtomicBoolean();
            Thread reader = Thread.ofVirtual().start(() -> {
                StringBuilder text = new StringBuilder();
                byte[] buf = new byte[4096];
                try (InputStream in = proc.getInputStream()) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        text.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                        if (text.indexOf("Linux version") >= 0) {
                            seen.set(true);
                            return;
                        }
                    }
                } catch (IOException e) {
                    // QEMU went away: no banner
                }
            });
            reader.join(timeout);
            return seen.get() ? Accelerator.KVM : Accelerator.TCG;
        } catch (IOException e) {
            return Accelerator.TCG;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Accelerator.TCG;
        } finally {
            if (p != null) {
                p.destroyForcibly();
                try {
                    p.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
