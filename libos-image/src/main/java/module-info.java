/**
 * Pith's build-time image pieces: a cpio "newc" writer with the compressions Linux unpacks
 * (none, gzip, LZ4 legacy), a jlinked runtime with the glibc files its ELF dependencies name,
 * the initramfs and kernel command line that start the JVM as PID 1, a kernel provider
 * (Debian's cloud kernel by default) and a QEMU runner for guest tests.
 *
 * <p>The image linker builds on these; nothing here runs inside the guest.
 */
module dev.pith.image {
    requires org.lz4.java; // automatic module (Automatic-Module-Name of at.yawk.lz4:lz4-java)
    requires transitive org.objectweb.asm;      // dev.pith.image.prune's API takes Type and ClassNode
    requires transitive org.objectweb.asm.tree;
    requires dev.pith.dsl;            // the composition model the linker evaluates
    requires com.palantir.javapoet;   // automatic module: writes the boot class
    requires java.compiler;           // compiles it

    exports dev.pith.image;
    exports dev.pith.image.initramfs;
    exports dev.pith.image.runtime;
    exports dev.pith.image.kernel;
    exports dev.pith.image.qemu;
    exports dev.pith.image.disk;
    exports dev.pith.image.prune;
    exports dev.pith.image.link;
    exports dev.pith.image.run;

    uses java.util.spi.ToolProvider; // jlink and jdeps, in-process
}
