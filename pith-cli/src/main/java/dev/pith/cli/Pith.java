package dev.pith.cli;

import dev.pith.image.ImageException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code pith}: builds a Java application into a bootable unikernel image and runs it under QEMU,
 * in the spirit of {@code ops run -p 8080 app}. A front end over {@link dev.pith.image.link.ImageLinker}
 * and {@link dev.pith.image.run.Runner}, as the Maven plugin is.
 *
 * <pre>
 * pith build app.jar                  # ~/.pith/images/&lt;name&gt;/
 * pith run -p 8080 app.jar            # builds, boots, forwards 127.0.0.1:8080 to the guest's 8080
 * pith run -p 18080:8080 echo         # an image built before, by name
 * pith images
 * </pre>
 */
@Command(name = "pith", mixinStandardHelpOptions = true, versionProvider = Pith.Version.class,
        subcommands = {BuildCommand.class, RunCommand.class, ImagesCommand.class, CommandLine.HelpCommand.class},
        description = {"Build a Java application into a bootable Pith unikernel image, and run it under QEMU."},
        footer = {"", "The application states its OS parts in a composition, a class with",
                "  public static Unikernel unikernel()",
                "that returns Unikernel.builder(\"app\")...build(). By default it is the jar's",
                "Main-Class; --composition names another. Images go to ~/.pith/images/<name>/",
                "(PITH_HOME moves ~/.pith).",
                "", "Examples:",
                "  pith run -p 8080 app.jar      build app.jar, boot it, forward port 8080",
                "  pith run -p 18080:8080 echo   run the image 'echo' built before",
                "  pith images                   list the built images"})
public final class Pith implements Runnable {
    /** The variable that moves {@code ~/.pith}. */
    static final String HOME_ENV = "PITH_HOME";

    final Path home;
    final PrintStream out;
    final PrintStream err;

    @Spec
    CommandSpec spec;

    Pith(Path home, PrintStream out, PrintStream err) {
        this.home = home;
        this.out = out;
        this.err = err;
    }

    /** Runs {@code pith} and exits with its status (for {@code run}: the guest's). */
    public static void main(String[] args) {
        String env = System.getenv(HOME_ENV);
        Path home = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".pith");
        System.exit(execute(home, System.out, System.err, args));
    }

    /** Runs {@code pith args} with {@code home} as {@code ~/.pith}; returns the exit status. */
    static int execute(Path home, PrintStream out, PrintStream err, String... args) {
        CommandLine cli = new CommandLine(new Pith(home, out, err));
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setParameterExceptionHandler((e, arguments) -> {
            err.println("pith: " + e.getMessage());
            CommandLine failed = e.getCommandLine();
            err.println("Try 'pith " + (failed.getParent() == null ? "" : failed.getCommandName() + " ") + "--help'.");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ImageException || e instanceof CliException || e instanceof IllegalArgumentException) {
                err.println("pith: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    /** The images directory, {@code ~/.pith/images}. */
    Path images() {
        return home.resolve("images");
    }

    /** Messages of pith itself: on standard error, so that standard output is the guest's console. */
    void log(String line) {
        err.println("pith: " + line);
    }

    @Override
    public void run() {
        spec.commandLine().usage(out);
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Pith.class.getPackage().getImplementationVersion();
            return new String[] {"pith " + (v == null ? "(development build)" : v) + ", Java " + Runtime.version()};
        }
    }
}
