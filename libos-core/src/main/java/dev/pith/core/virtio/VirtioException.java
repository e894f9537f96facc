package dev.pith.core.virtio;

import java.io.IOException;
import java.io.Serial;

/**
 * A virtio device refused or broke the protocol: it lacks VIRTIO_F_VERSION_1, cleared
 * FEATURES_OK, did not finish a reset, or put nonsense in a used ring. The message names the
 * device, the register or ring field and the values seen. The remedy is the same for all: reset
 * the device, or give up on it.
 */
public final class VirtioException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    public VirtioException(String message) {
        super(message);
    }
}
