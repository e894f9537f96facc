package dev.pith.core.device;

/** Receives the outcome of one block request, on the event loop thread. */
@FunctionalInterface
public interface BlockCompletion {

    /** Called exactly once, on the event loop, never from within the call that submitted the request. */
    void complete(BlockStatus status);
}
