package dev.pith.cli;

import dev.pith.image.ImageException;
import dev.pith.image.link.Composition;
import dev.pith.image.link.ImageLinker;
import dev.pith.image.link.LinkedImage;
import dev.pith.image.run.ImageSummary;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.zip.ZipException;
import picocli.CommandLine.Option;

/** How {@code pith build} and {@code pith run app.jar} link an application jar: the options both take. */
final class BuildOptions {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    @Option(names = "--composition", paramLabel = "CLASS",
            description = "The class whose static unikernel() method is the composition (default: the jar's Main-Class).")
    String composition;

    @Option(names = {"--class-path", "-cp"}, paramLabel = "JARS", split = ":",
            description = "More jars or class directories the application needs, ':'-separated (not needed for a fat jar).")
    List<Path> classPath = new ArrayList<>();

    @Option(names = "--name", paramLabel = "NAME",
            description = "The image's directory name under ~/.pith/images (default: the unikernel's name).")
    String name;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Where the image goes (default: the images directory, ~/.pith/images/NAME).")
    Path output;

    @Option(names = "--no-disk", description = "Skip the raw disk image <name>.img (the direct-boot files suffice for pith run).")
    boolean noDisk;

    @Option(names = "--no-aot", description = "Skip the AOT cache, whose training runs the image's jar once on this host.")
    boolean noAot;

    /** What to link: the class path, and the composition class on it. */
    record App(List<Path> classPath, String composition, boolean compositionFromMainClass) { }

    /** Reads the jar: checks it, finds the composition (--composition, else Main-Class) and the class path. */
    App app(Path jar) {
        if (!Files.exists(jar)) {
            throw new CliException(jar + " does not exist", "name the application's jar (a runnable fat jar, or a jar plus --class-path)");
        }
        if (!Files.isRegularFile(jar)) {
            throw new CliException(jar + " is not a file", "name the application's jar; to run an image directory use pith run DIR");
        }
        List<Path> path = new ArrayList<>();
        path.add(jar);
        String mainClass;
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            Attributes main = manifest == null ? new Attributes() : manifest.getMainAttributes();
            mainClass = main.getValue(Attributes.Name.MAIN_CLASS);
            String manifestPath = main.getValue(Attributes.Name.CLASS_PATH);
            if (manifestPath != null) { // a thin jar's dependencies, relative to it (maven-jar-plugin's addClasspath)
                for (String entry : manifestPath.strip().split("\\s+")) {
                    Path p = Path.of(jar.toAbsolutePath().getParent().toUri().resolve(URI.create(entry)));
                    if (Files.exists(p)) {
                        path.add(p);
                    }
                }
            }
        } catch (ZipException e) {
            throw new CliException(jar + " is not a jar (" + e.getMessage() + ")", "name the application's jar");
        } catch (IOException e) {
            throw new CliException("cannot read " + jar + ": " + e.getMessage(), "check the file");
        }
        for (Path p : classPath) {
            if (!Files.exists(p)) {
                throw new CliException("--class-path entry " + p + " does not exist", "fix the path, or drop it");
            }
            path.add(p);
        }
        if (composition != null) {
            return new App(path, composition, false);
        }
        if (mainClass == null || mainClass.isBlank()) {
            throw new CliException(jar + " has no Main-Class in its manifest, so the composition is unknown",
                    "name the class that holds 'public static Unikernel unikernel()': --composition com.example.App");
        }
        return new App(path, mainClass.strip(), true);
    }

    /** Evaluates the composition (fast, no link) and returns the unikernel's name. */
    String unikernelName(App app) {
        try {
            return Composition.evaluate(app.classPath(), app.composition(), "unikernel").name();
        } catch (ImageException e) {
            if (app.compositionFromMainClass()) {
                String what = e.getMessage().substring(0, e.getMessage().indexOf("\n  Fix: "));
                throw new CliException(what + " (the composition defaults to the jar's Main-Class)",
                        e.fix() + ", or name the class that has it: --composition CLASS");
            }
            throw e;
        }
    }

    /** Links {@code jar} into its image directory and prints what was made; returns the directory. */
    Path link(Pith pith, Path jar, Consumer<String> report) throws IOException {
        App app = app(jar);
        String unikernel = unikernelName(app);
        String dirName = name != null ? name : unikernel;
        if (!NAME.matcher(dirName).matches()) {
            throw new CliException("'" + dirName + "' is not a usable image name", "use letters, digits, '.', '_' and '-': --name my-app");
        }
        Path dir = output != null ? output : pith.images().resolve(dirName);
        pith.log("linking " + app.composition() + " (" + unikernel + ") into " + dir);
        LinkedImage image = ImageLinker.builder()
                .classPath(app.classPath())
                .composition(app.composition())
                .output(dir)
                .disk(!noDisk)
                .aotCache(!noAot)
                .build()
                .link();
        ImageSummary.lines(image, dir).forEach(report);
        return dir;
    }
}
