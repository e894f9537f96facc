package dev.pith.internal;

/**
 * Opens a device when its part starts, and closes it when the part stops; a device that brings
 * something of its own (the host gateway behind its cable end) closes that too.
 *
 * @param <D> the kind of device
 */
public interface Source<D extends AutoCloseable> {

    /** Opens the device. */
    D open() throws Exception;

    /** Closes what {@link #open()} opened; by default the device itself. */
    default void close(D device) throws Exception {
        device.close();
    }
}
