package dev.pith.net.tcp;

/**
 * Serves one connection with plain blocking code on its own virtual thread, the way a
 * {@code java.net.ServerSocket} loop would; the streams are carried to and from the event loop.
 * When {@link #handle} returns or throws, the connection is closed.
 */
@FunctionalInterface
public interface BlockingTcpHandler {

    /** Serves {@code connection} until done. */
    void handle(BlockingTcpConnection connection) throws Exception;
}
