package dev.pith.cli;

import dev.pith.image.qemu.Accelerator;
import dev.pith.image.qemu.PortForward;
import dev.pith.image.run.BootableImage;
import dev.pith.image.run.RunResult;
import dev.pith.image.run.Runner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code pith run [-p 8080]... app.jar|dir|name}: builds when given a jar, then boots the image under QEMU. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Boot an image under QEMU; exit with the guest's status.", "",
                "The serial console goes to standard output, host ports are forwarded to the guest, and QEMU runs"
                        + " on KVM where a probe boot shows it works, else on TCG. Ctrl-C stops it.", "",
                "TARGET is an application jar (built first, as pith build does), an image directory, or the name"
                        + " of an image in ~/.pith/images."})
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    Pith pith;

    @Mixin
    BuildOptions build;

    @Option(names = {"-p", "--port"}, paramLabel = "[HOST:]GUEST", converter = PortConverter.class,
            description = "Forward 127.0.0.1:HOST to the guest's TCP port GUEST (HOST defaults to GUEST). Repeatable.")
    List<PortForward> ports = new ArrayList<>();

    @Option(names = {"-m", "--memory"}, paramLabel = "MB",
            description = "Guest memory in MiB (default: the plan's, raised to what the image needs to unpack).")
    int memoryMib;

    @Option(names = "--cpus", paramLabel = "N", description = "Virtual CPUs (default: the plan's).")
    int cpus;

    @Option(names = "--disk", description = "Boot the raw disk <name>.img through the BIOS instead of the kernel directly.")
    boolean disk;

    @Option(names = "--accel", paramLabel = "auto|kvm|tcg", converter = AcceleratorConverter.class,
            description = "KVM or TCG (default: auto, or PITH_QEMU_ACCEL).")
    Accelerator accelerator;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Stop the guest after SECONDS (default: never).")
    long timeoutSeconds;

    @Option(names = "--dry-run", description = "Print the QEMU command line instead of running it.")
    boolean dryRun;

    @Parameters(index = "0", paramLabel = "TARGET", description = "app.jar, an image directory, or an image name.")
    String target;

    @Override
    public Integer call() throws Exception {
        Runner.Builder b = Runner.builder()
                .image(BootableImage.read(resolve()))
                .ports(ports)
                .memoryMib(memoryMib)
                .cpus(cpus)
                .disk(disk)
                .console(pith.out)
                .log(pith::log);
        if (accelerator != null) {
            b.accelerator(accelerator);
        }
        if (timeoutSeconds > 0) {
            b.timeout(Duration.ofSeconds(timeoutSeconds));
        }
        Runner runner = b.build();
        if (dryRun) {
            pith.out.println(String.join(" ", runner.command().stream().map(RunCommand::quote).toList()));
            return 0;
        }
        RunResult result = runner.run(); // logs how it ended
        return result.exitStatus();
    }

    /** The image directory TARGET names, building it first when TARGET is a jar. */
    private Path resolve() throws Exception {
        Path asPath = Path.of(target);
        if (Files.isRegularFile(asPath) || target.endsWith(".jar")) {
            return build.link(pith, asPath, pith::log);
        }
        if (Files.isDirectory(asPath)) {
            return asPath;
        }
        Path named = pith.images().resolve(target);
        if (!target.contains("/") && Files.isDirectory(named)) {
            return named;
        }
        throw new CliException("no image '" + target + "': not a jar, not an image directory, and not in " + pith.images(),
                "build it first (pith build app.jar), or pick one that pith images lists");
    }

    private static String quote(String word) {
        return word.matches("[A-Za-z0-9_./:=,@+-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /** Parses {@code 8080} and {@code 18080:8080} as {@link Runner#parsePort} does. */
    static final class PortConverter implements picocli.CommandLine.ITypeConverter<PortForward> {
        @Override
        public PortForward convert(String value) {
            try {
                return Runner.parsePort(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Parses auto, kvm or tcg in any case. */
    static final class AcceleratorConverter implements picocli.CommandLine.ITypeConverter<Accelerator> {
        @Override
        public Accelerator convert(String value) {
            try {
                return Accelerator.valueOf(value.strip().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not one of auto, kvm, tcg");
            }
        }
    }
}
