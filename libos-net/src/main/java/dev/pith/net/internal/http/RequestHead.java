package dev.pith.net.internal.http;

import dev.pith.net.http.HttpVersion;
import java.util.List;

/**
 * A request's line and header section, validated and interpreted by {@link RequestDecoder}.
 *
 * @param method the method token, case as sent
 * @param target the request-target as sent
 * @param path the raw path of the target ({@code *} for the asterisk form)
 * @param query the raw query without its '?', or null
 * @param version the protocol version
 * @param fields the header field names and values, alternating, in order
 * @param contentLength the body's length by {@code Content-Length} (0 without one); -1 when chunked
 * @param keepAlive whether the connection may serve another request after this one (RFC 9112 §9.3)
 * @param expectContinue whether the client waits for 100 Continue before sending the body (RFC 9110 §10.1.1)
 */
public record RequestHead(String method, String target, String path, String query, HttpVersion version,
        List<String> fields, long contentLength, boolean keepAlive, boolean expectContinue) {

    /** Returns whether the body is chunked. */
    public boolean chunked() {
        return contentLength < 0;
    }

    /** Returns whether a body follows the head. */
    public boolean hasBody() {
        return contentLength != 0;
    }

    /** Returns the first value of field {@code name} (any case), or null. */
    public String field(String name) {
        for (int i = 0; i < fields.size(); i += 2) {
            if (fields.get(i).equalsIgnoreCase(name)) {
                return fields.get(i + 1);
            }
        }
        return null;
    }
}
