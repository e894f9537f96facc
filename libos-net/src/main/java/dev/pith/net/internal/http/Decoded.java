package dev.pith.net.internal.http;

import java.util.List;

/** What one call of {@link RequestDecoder#decode} produced: the outcome travels as a value, never a throw. */
public sealed interface Decoded {

    /** The decoder has taken every byte offered and needs more. */
    Decoded NEED_MORE = new NeedMore();

    /** Every byte offered was taken; nothing is complete yet. */
    record NeedMore() implements Decoded {}

    /** A request line and header section are complete; the body (if any) follows. */
    record Head(RequestHead head) implements Decoded {}

    /**
     * A whole request: its head again, its body and its trailers.
     *
     * @param body the body, owned by the receiver; empty if there is none
     * @param trailers trailer names and values, alternating; empty unless chunked with trailers
     */
    record Message(RequestHead head, byte[] body, List<String> trailers) implements Decoded {}

    /**
     * The input is not a request this server will read: answer {@code status} and close, since the
     * framing of what follows is unknown.
     */
    record Failure(int status, String reason) implements Decoded {}
}
