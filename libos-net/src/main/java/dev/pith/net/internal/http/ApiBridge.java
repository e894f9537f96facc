package dev.pith.net.internal.http;

import dev.pith.net.Endpoint;
import dev.pith.net.http.BodyWriter;
import dev.pith.net.http.Request;
import dev.pith.net.http.Response;
import java.util.List;
import java.util.Map;

/**
 * What the server needs from the API classes beyond their public methods: to build a
 * {@link Request} without copying, and to reach a {@link Response}'s body without copying. The
 * API package implements it (it alone sees those classes' package-private parts) and passes it in
 * when a server starts, as OkHttp's {@code Internal} does, without a static.
 */
public interface ApiBridge {

    /**
     * Builds a request; takes ownership of {@code body}.
     *
     * @param trailers trailer names and values, alternating
     */
    Request request(RequestHead head, byte[] body, List<String> trailers, Endpoint remote,
            Map<String, String> pathParameters);

    /** Returns the response's own body array (not a copy: never change it), or null for a streamed body. */
    byte[] body(Response response);

    /** Returns the writer of a streamed body, or null for a fixed one. */
    BodyWriter writer(Response response);
}
