package dev.pith.maven;

import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * Links the project into a bootable image: evaluates the composition, generates the boot class,
 * links a minimal runtime and writes the initramfs, the kernel, the kernel command line and a raw
 * disk into {@code target/pith}.
 */
@Mojo(name = "image", defaultPhase = LifecyclePhase.PACKAGE, requiresDependencyResolution = ResolutionScope.RUNTIME,
        threadSafe = true)
public class ImageMojo extends AbstractPithMojo {

    /** Skips the image (the unit tests don't need it): {@code -Dpith.skip=true}. */
    @Parameter(property = "pith.skip", defaultValue = "false")
    private boolean skip;

    @Override
    public void execute() throws MojoExecutionException {
        if (skip) {
            getLog().info("pith.skip is set: no image");
            return;
        }
        link();
    }
}
