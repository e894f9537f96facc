/**
 * The runtime every unikernel is built on: the single-threaded {@link dev.pith.core.EventLoop}
 * with its {@link dev.pith.core.Timer}s, injected {@link dev.pith.core.Clock} and
 * {@link dev.pith.core.RandomSource}, and the {@link dev.pith.core.Supervisor} that starts and
 * stops a unikernel's {@link dev.pith.core.Component}s.
 *
 * <p>Nothing here is global: a unikernel is the objects its boot code constructs, so any number of
 * them can run in one JVM, each on its own loop — which is how tests wire two stacks together.
 */
package dev.pith.core;
