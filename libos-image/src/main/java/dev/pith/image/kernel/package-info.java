/**
 * Where the guest's kernel comes from: {@link dev.pith.image.kernel.KernelProvider#debianCloud()}
 * (Debian's cloud kernel, fetched with apt and cached) or a file the user names.
 */
package dev.pith.image.kernel;
