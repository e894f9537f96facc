/**
 * The few Linux system calls Pith's platforms need (open, read, write, mmap, ioctl, poll, mount, reboot,
 * finit_module, clock_gettime and their kin), called through glibc with the Foreign Function and Memory API.
 * {@link dev.pith.core.sys.Linux} holds the calls and their constants with x86_64 values; each call links its
 * downcall handle on first use, so starting a JVM that needs three calls links three. A failed call throws
 * {@link dev.pith.core.sys.SyscallException}, which names the call, its telling argument and the errno, as
 * {@code open("/nope", O_RDONLY) failed: ENOENT (No such file or directory)}. Callers must run with
 * {@code --enable-native-access=dev.pith.core} (or {@code ALL-UNNAMED} on the class path): without it the JDK warns
 * on the first call and a later release will refuse it (JEP 472).
 */
package dev.pith.core.sys;
