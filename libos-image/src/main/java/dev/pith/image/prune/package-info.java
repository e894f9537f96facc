/**
 * Pruning for the image linker (DESIGN.md §5.1–2): what of an application's class path its boot
 * class can reach, down to methods, and a jar of only that.
 *
 * <p>{@link dev.pith.image.prune.ClassPath} reads the jars and directories (and the JDK's classes,
 * for their hierarchy); {@link dev.pith.image.prune.Reachability} runs rapid type analysis from
 * {@link dev.pith.image.prune.Root}s and {@link dev.pith.image.prune.KeepRules}; {@link
 * dev.pith.image.prune.PrunedJar} writes the kept classes without their unreachable methods;
 * {@link dev.pith.image.prune.Report} counts what went and says why anything stayed;
 * {@link dev.pith.image.prune.Soundness} checks a run's class-load log against the pruned jar.
 */
package dev.pith.image.prune;
