package dev.pith.maven;

import dev.pith.image.ImageException;
import dev.pith.image.qemu.Accelerator;
import dev.pith.image.qemu.PortForward;
import dev.pith.image.run.BootableImage;
import dev.pith.image.run.RunResult;
import dev.pith.image.run.Runner;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * Boots the project's image under QEMU and blocks until the guest ends: the serial console on the
 * terminal, host ports forwarded, KVM where it works. Uses the image in {@code target/pith} when it
 * is newer than the classes, else links it first. Fails the build with the guest's exit status when
 * it is not 0; Ctrl-C stops QEMU cleanly.
 */
@Mojo(name = "run", requiresDependencyResolution = ResolutionScope.RUNTIME, threadSafe = true)
public class RunMojo extends AbstractPithMojo {

    /** Port forwards, {@code GUEST} or {@code HOST:GUEST}: {@code -Dpith.ports=8080,18080:8080}. Host side 127.0.0.1. */
    @Parameter(property = "pith.ports")
    private List<String> ports = new ArrayList<>();

    /** Guest memory in MiB (default: the plan's, raised to what the image needs to unpack its initramfs). */
    @Parameter(property = "pith.memory", defaultValue = "0")
    private int memory;

    /** Virtual CPUs (default: the plan's). */
    @Parameter(property = "pith.cpus", defaultValue = "0")
    private int cpus;

    /** Boots the raw disk through the BIOS instead of the direct-boot triple. */
    @Parameter(property = "pith.disk", defaultValue = "false")
    private boolean disk;

    /** {@code auto} (KVM if a probe boot works, else TCG), {@code kvm} or {@code tcg}. */
    @Parameter(property = "pith.qemu.accel", defaultValue = "auto")
    private String accelerator;

    /** Stops the guest after this many seconds (default 0: runs until it ends or Ctrl-C). */
    @Parameter(property = "pith.timeout", defaultValue = "0")
    private int timeoutSeconds;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        Path dir = outputDirectory.toPath();
        if (imageUpToDate()) {
            getLog().info("image in " + dir + " is up to date");
        } else {
            link();
        }
        RunResult result;
        try {
            Runner.Builder b = Runner.builder()
                    .image(BootableImage.read(dir))
                    .ports(forwards())
                    .memoryMib(memory)
                    .cpus(cpus)
                    .disk(disk)
                    .accelerator(accelerator())
                    .log(line -> getLog().info(line));
            if (timeoutSeconds > 0) {
                b.timeout(Duration.ofSeconds(timeoutSeconds));
            }
            result = b.build().run();
        } catch (ImageException | IllegalArgumentException e) {
            throw new MojoExecutionException(e.getMessage(), e);
        } catch (IOException e) {
            throw new MojoExecutionException("running the image in " + dir + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MojoExecutionException("interrupted while the guest ran", e);
        }
        if (result.stopped()) {
            return; // Ctrl-C: the user's way to end a server, not a failure
        }
        if (result.exitStatus() != 0) {
            throw new MojoFailureException("the guest ended with status " + result.exitStatus() + ": " + result.summary());
        }
    }

    private List<PortForward> forwards() {
        List<PortForward> out = new ArrayList<>();
        for (String spec : ports) {
            for (String one : spec.split(",")) {
                if (!one.isBlank()) {
                    out.add(Runner.parsePort(one));
                }
            }
        }
        return out;
    }

    private Accelerator accelerator() {
        try {
            return Accelerator.valueOf(accelerator.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pith.qemu.accel=" + accelerator + " is not one of auto, kvm, tcg");
        }
    }
}
