package dev.pith.maven;

import dev.pith.image.ImageException;
import dev.pith.image.link.ImageLinker;
import dev.pith.image.link.ImageManifest;
import dev.pith.image.link.LinkedImage;
import dev.pith.image.run.ImageSummary;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.maven.artifact.DependencyResolutionRequiredException;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/** What both goals share: the project, its composition, where the image goes, and how to link it. */
abstract class AbstractPithMojo extends AbstractMojo {

    /** The project whose run-time class path is linked. */
    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    protected MavenProject project;

    /** The class holding {@code static Unikernel unikernel()}: the composition the image is built from. */
    @Parameter(property = "pith.composition", required = true)
    protected String composition;

    /** Where the image is written: {@code boot/}, {@code <name>.img}, {@code image.properties}. */
    @Parameter(property = "pith.outputDirectory", defaultValue = "${project.build.directory}/pith")
    protected File outputDirectory;

    /** Whether to write the BIOS-bootable raw disk {@code <name>.img} besides the direct-boot files. */
    @Parameter(property = "pith.diskImage", defaultValue = "true")
    protected boolean diskImage;

    /**
     * Whether to train an AOT cache for the guest's JVM by running the image's jar hosted, once, on
     * the build host (its TCP ports forwarded from ephemeral localhost ports): about 1.5 s off a
     * TCG boot, 2 MB more initrd.
     */
    @Parameter(property = "pith.aot", defaultValue = "true")
    protected boolean aotCache;

    /** More JVM options for the guest's JVM. */
    @Parameter
    protected List<String> jvmOptions = new ArrayList<>();

    /** The project's run-time class path: target/classes, then the runtime-scope dependency jars. */
    protected List<Path> classPath() throws MojoExecutionException {
        try {
            return project.getRuntimeClasspathElements().stream().map(Path::of).filter(Files::exists).toList();
        } catch (DependencyResolutionRequiredException e) {
            throw new MojoExecutionException("the run-time class path of " + project.getId() + " is not resolved", e);
        }
    }

    /** Links the image into {@link #outputDirectory} and logs what it made. */
    protected LinkedImage link() throws MojoExecutionException {
        Path classes = Path.of(project.getBuild().getOutputDirectory());
        if (!Files.isDirectory(classes)) {
            throw new MojoExecutionException(classes + " does not exist: compile first (./mvnw package pith:run)");
        }
        Path out = outputDirectory.toPath();
        try {
            LinkedImage image = ImageLinker.builder()
                    .classPath(classPath())
                    .composition(composition)
                    .output(out)
                    .disk(diskImage)
                    .aotCache(aotCache)
                    .jvmOptions(jvmOptions.toArray(String[]::new))
                    .build()
                    .link();
            for (String line : ImageSummary.lines(image, out.toAbsolutePath())) {
                getLog().info(line);
            }
            return image;
        } catch (ImageException e) {
            throw new MojoExecutionException(e.getMessage(), e);
        } catch (IOException e) {
            throw new MojoExecutionException("linking " + composition + " into " + out + " failed: " + e, e);
        }
    }

    /**
     * Whether the image in {@link #outputDirectory} is at least as new as every file of the class
     * path (so the {@code image} goal of this build, or of an earlier one, made it from these classes).
     */
    protected boolean imageUpToDate() throws MojoExecutionException {
        Path manifest = outputDirectory.toPath().resolve(ImageManifest.FILE_NAME);
        if (!Files.isRegularFile(manifest)) {
            return false;
        }
        try {
            FileTime built = Files.getLastModifiedTime(manifest);
            for (Path entry : classPath()) {
                try (Stream<Path> files = Files.isDirectory(entry) ? Files.walk(entry) : Stream.of(entry)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        if (Files.isRegularFile(f) && Files.getLastModifiedTime(f).compareTo(built) > 0) {
                            getLog().debug(f + " is newer than the image");
                            return false;
                        }
                    }
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
