/**
 * The guest's Java runtime: {@link dev.pith.image.runtime.RuntimeImage} runs jdeps and jlink;
 * {@link dev.pith.image.runtime.ElfFile} reads the dynamic section of ELF files and
 * {@link dev.pith.image.runtime.NativeDependencies} turns the runtime's {@code DT_NEEDED} names into
 * the host files ({@link dev.pith.image.runtime.HostFile}) the image must hold.
 */
package dev.pith.image.runtime;
