package dev.pith.image.disk;

import dev.pith.image.ImageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * A Debian program the disk build runs ({@code mkfs.fat}, {@code syslinux}, {@code mcopy},
 * {@code qemu-img}), with the package that provides it, so that a failure names both.
 *
 * @param program the program, found on the PATH
 * @param debianPackage the Debian package that installs it
 */
record HostTool(String program, String debianPackage) {
    static final HostTool MKFS_FAT = new HostTool("mkfs.fat", "dosfstools");
    static final HostTool SYSLINUX = new HostTool("syslinux", "syslinux");
    static final HostTool MCOPY = new HostTool("mcopy", "mtools");
    static final HostTool QEMU_IMG = new HostTool("qemu-img", "qemu-utils");

    /** How long one run may take: qemu-img on a multi-GiB image is the slowest. */
    static final long TIMEOUT_SECONDS = 600;

    /**
     * Runs the program with {@code arguments} and {@code environment} added to this JVM's, standard
     * input from nothing; returns its standard output.
     *
     * @param step what the run is for, as the error message's subject ("format the FAT partition")
     * @param fix what to do when the program ran and failed
     * @throws ImageException if the program is missing, fails, or runs past {@link #TIMEOUT_SECONDS}
     */
    String run(String step, List<String> arguments, Map<String, String> environment, String fix) throws IOException {
        List<String> command = new ArrayList<>(arguments.size() + 1);
        command.add(program);
        command.addAll(arguments);
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(environment);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ImageException("cannot " + step + ": " + program + " is not installed (" + e.getMessage() + ")",
                    "apt-get install " + debianPackage + " (a disk image needs: apt-get install dosfstools syslinux syslinux-common"
                            + " mtools; qcow2 also qemu-utils)", e);
        }
        FutureTask<String> stdout = new FutureTask<>(() -> readAll(p.getInputStream()));
        FutureTask<String> stderr = new FutureTask<>(() -> readAll(p.getErrorStream()));
        Thread.ofVirtual().start(stdout);
        Thread.ofVirtual().start(stderr);
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new ImageException("cannot " + step + ": " + String.join(" ", command) + " ran for more than "
                        + TIMEOUT_SECONDS + " s and was killed", fix);
            }
            String out = stdout.get();
            String err = stderr.get();
            if (p.exitValue() != 0) {
                throw new ImageException("cannot " + step + ": " + program + " exited with status " + p.exitValue() + "\n  command: "
                        + String.join(" ", command) + describe("stderr", err) + describe("stdout", out), fix);
            }
            return out;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + program, e);
        } catch (ExecutionException e) {
            throw new IOException("cannot read the output of " + program, e.getCause());
        }
    }

    private static String describe(String stream, String text) {
        String t = text.strip();
        return t.isEmpty() ? "" : "\n  " + stream + ": " + t.replace("\n", "\n    ");
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
