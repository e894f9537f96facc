package dev.pith.core;

/**
 * A part of a running unikernel with a start and a stop: a device, the network stack, a
 * listener, a store. A {@link Supervisor} starts components in dependency order on the event
 * loop thread and stops them in reverse.
 */
public interface Component {

    /** Returns the name used in messages, such as "tcp" or "disk data". */
    String name();

    /** Starts the component on the loop thread; throwing stops the whole unikernel with this failure. */
    void start() throws Exception;

    /** Stops the component on the loop thread, releasing what it holds; must not throw. */
    void stop();
}
