package dev.pith.cli;

import dev.pith.image.run.BootableImage;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code pith build app.jar}: links the application into an image directory. */
@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Link an application jar into a bootable image.", "",
                "Writes the kernel, an initramfs with a minimal Java runtime and the application, the kernel command"
                        + " line and a raw disk to ~/.pith/images/<name>/ (or -o DIR).", "",
                "APP.jar is a runnable fat jar, or a jar plus --class-path.", "Its composition is the class whose",
                "  public static Unikernel unikernel()",
                "returns the unikernel: the jar's Main-Class unless --composition names another."})
final class BuildCommand implements Callable<Integer> {
    @ParentCommand
    Pith pith;

    @Mixin
    BuildOptions build;

    @Parameters(index = "0", paramLabel = "APP.jar", description = "The application's jar.")
    Path jar;

    @Override
    public Integer call() throws Exception {
        Path dir = build.link(pith, jar, pith.out::println);
        BootableImage image = BootableImage.read(dir);
        String target = dir.equals(pith.images().resolve(dir.getFileName())) ? dir.getFileName().toString() : dir.toString();
        String ports = image.tcpPorts().stream().map(p -> "-p " + p + " ").collect(Collectors.joining());
        pith.out.println("run it: pith run " + ports + target);
        return 0;
    }
}
