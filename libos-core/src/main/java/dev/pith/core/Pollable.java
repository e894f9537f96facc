package dev.pith.core;

/**
 * A source of work the event loop polls on each turn: a network interface draining its device's
 * receive queue, a block driver reaping completions. It does a bounded amount of work (a batch)
 * and returns how much, so the loop knows whether to go idle.
 *
 * <p>A pollable whose device can signal readiness from another thread (a TAP reader, an
 * interrupt) should call {@link EventLoop#wakeup()} then, so the idle loop does not sleep through
 * it; one that cannot must ask the loop for a short {@linkplain EventLoop.Builder#maxPark park}.
 */
@FunctionalInterface
public interface Pollable {

    /** Does at most one batch of ready work on the loop thread; returns the amount done, 0 if none was ready. */
    int poll();
}
