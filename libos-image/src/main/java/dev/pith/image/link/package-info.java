/**
 * The image linker: evaluate the composition, generate the boot class, prune, link the runtime,
 * write the initramfs and the disk. {@link dev.pith.image.link.ImageLinker} is the entry point.
 */
package dev.pith.image.link;
