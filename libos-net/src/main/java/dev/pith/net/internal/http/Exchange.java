package dev.pith.net.internal.http;

import dev.pith.net.http.Response;
import java.util.List;

/**
 * One request and its response on a connection, from the request's head until the last byte of
 * the response is in TCP's send buffer. Loop thread only, except where a field says otherwise.
 */
final class Exchange {

    /** Where the handler is. */
    enum Handling {
        /** Not started: the request is incomplete, or waits for earlier handlers (RFC 9112 §9.3.2). */
        NOT_STARTED,
        /** A blocking handler runs on a virtual thread. */
        RUNNING,
        /** {@link #response} is set. */
        DONE
    }

    /** Where the response is. */
    enum Phase {
        /** Nothing sent: waits for the response and for the exchanges before it. */
        AWAITING_RESPONSE,
        /** The head is sent; a body writer hands over chunks. */
        STREAMING,
        /** Every byte is in TCP's send buffer (or in the connection's output buffer, ahead of anything else). */
        FINISHED
    }

    /** The request's head; null when the request line itself was bad. */
    final RequestHead head;
    /** The request is HEAD: the response goes without its body (RFC 9110 §9.3.2). */
    final boolean isHead;
    /** The request body; dropped once the handler has it. */
    byte[] body;
    /** Trailer names and values, alternating. */
    List<String> trailers;
    /** The whole request has arrived. */
    boolean requestComplete;
    Handling handling = Handling.NOT_STARTED;
    Response response;
    Phase phase = Phase.AWAITING_RESPONSE;
    /** The client waits for 100 Continue; sent when this exchange reaches the front, unless the body came anyway. */
    boolean continueOwed;
    /** The connection closes after this response, which says {@code Connection: close}. */
    boolean closeAfter;
    /** The body writer's stream while {@link Phase#STREAMING}. */
    BodyStream stream;
    /** The streamed body goes in chunks (HTTP/1.1) rather than raw until the close (HTTP/1.0). */
    boolean chunkedBody;
    /** The connection's output buffer holds a chunk from {@link #stream} (the last one, if {@link #lastChunkOut}). */
    boolean chunkOut;
    boolean lastChunkOut;

    Exchange(RequestHead head) {
        this.head = head;
        this.isHead = head != null && head.method().equals("HEAD");
    }

    /** Whether the method is safe (RFC 9110 §9.2.1), so that it may run beside other safe ones. */
    boolean isSafe() {
        return head != null && switch (head.method()) {
            case "GET", "HEAD", "OPTIONS", "TRACE" -> true;
            default -> false;
        };
    }

    /** The request arrived whole. */
    void complete(byte[] body, List<String> trailers) {
        this.body = body;
        this.trailers = trailers;
        this.requestComplete = true;
    }

    /** Answers with {@code response} without a handler: the request is over as far as reading goes. */
    void respondInstead(Response response) {
        this.requestComplete = true;
        this.continueOwed = false;
        this.body = null;
        respond(response);
    }

    void respond(Response response) {
        this.response = response;
        this.handling = Handling.DONE;
    }

    /** The connection is gone: a body writer gets an IOException on its next write. */
    void abandon() {
        if (stream != null) {
            stream.fail();
        }
    }
}
