package dev.pith.net.http;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a streamed response body; see {@link Response#stream(String, BodyWriter)}.
 *
 * <p>It runs on a virtual thread once the response's turn to be sent has come. {@code out} is
 * bounded: a write blocks while the client is slow to read, so memory does not grow with the body.
 * {@code flush()} sends what was written so far as a chunk. Closing {@code out}, or returning,
 * ends the body. Throwing after the first byte has gone out cannot be reported as a status any
 * more: the connection is reset so the client sees an incomplete body. Writes fail with an
 * {@link IOException} once the client has gone.
 */
@FunctionalInterface
public interface BodyWriter {

    /** Writes the whole body to {@code out}. */
    void writeTo(OutputStream out) throws IOException;
}
