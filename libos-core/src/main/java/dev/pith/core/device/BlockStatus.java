package dev.pith.core.device;

/** How a block request ended. */
public enum BlockStatus {
    /** Done: data read, written or flushed to stable storage. */
    OK,
    /** The device reported an error for this request. */
    IO_ERROR,
    /** A write or flush was sent to a read-only device. */
    READ_ONLY,
    /** The request reaches past the device's last sector. */
    OUT_OF_RANGE,
    /** The device does not support the operation (a flush on a device without a cache, say). */
    UNSUPPORTED,
    /** Too many requests are in flight; retry after a completion. */
    BUSY,
    /** The device was closed before the request completed. */
    CLOSED
}
