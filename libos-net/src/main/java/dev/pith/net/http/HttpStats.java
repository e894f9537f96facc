package dev.pith.net.http;

/**
 * Counters of an {@link HttpServer} since it started.
 *
 * @param connectionsOpen connections open now
 * @param connectionsAccepted connections taken since the start
 * @param connectionsRejected connections closed at once because {@link HttpSettings#maxConnections()} were open
 * @param requests requests fully received (and routed)
 * @param informational 1xx responses sent (100 Continue)
 * @param successful 2xx responses sent
 * @param redirection 3xx responses sent
 * @param clientErrors 4xx responses sent, the server's own included
 * @param serverErrors 5xx responses sent
 * @param badRequests requests refused while being read: malformed, or beyond a limit
 * @param timeouts connections ended by the header, body or idle timeout
 * @param handlerFailures handlers or body writers that threw (or returned null)
 */
public record HttpStats(int connectionsOpen, long connectionsAccepted, long connectionsRejected, long requests,
        long informational, long successful, long redirection, long clientErrors, long serverErrors, long badRequests,
        long timeouts, long handlerFailures) {

    /** Returns all responses sent, interim ones included. */
    public long responses() {
        return informational + successful + redirection + clientErrors + serverErrors;
    }
}
