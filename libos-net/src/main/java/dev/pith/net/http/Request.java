package dev.pith.net.http;

import dev.pith.net.Endpoint;
import dev.pith.net.internal.http.Percent;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An HTTP request as the server received it: immutable, its body read whole (up to
 * {@link HttpSettings#maxBodySize()}).
 *
 * <p>Which parts are decoded: {@link #target()}, {@link #path()} and {@link #query()} are raw,
 * exactly as sent (percent-encoded); {@link #pathParameter(String)} and
 * {@link #queryParameter(String)} are percent-decoded as UTF-8 (and in the query, {@code +} reads
 * as a space, as HTML forms send it). Header values are read as ISO-8859-1 (RFC 9110 §5.5).
 *
 * <pre>{@code
 * // GET /items/caf%C3%A9?sort=price+asc HTTP/1.1, routed by "/items/{name}"
 * request.path();                  // "/items/caf%C3%A9"
 * request.pathParameter("name");   // "café"
 * request.queryParameter("sort");  // "price asc"
 * }</pre>
 */
public final class Request {

    private final String method;
    private final String target;
    private final String path;
    /** The raw query without its '?', or null when the target has none. */
    private final String query;
    private final HttpVersion version;
    private final Headers headers;
    private final Headers trailers;
    /** Owned by this request: never handed out, only copies of it. */
    private final byte[] body;
    private final Endpoint remote;
    private final Map<String, String> pathParameters;

    Request(String method, String target, String path, String query, HttpVersion version, Headers headers, byte[] body,
            Headers trailers, Endpoint remote, Map<String, String> pathParameters) {
        this.method = method;
        this.target = target;
        this.path = path;
        this.query = query;
        this.version = version;
        this.headers = headers;
        this.body = body;
        this.trailers = trailers;
        this.remote = remote;
        this.pathParameters = Map.copyOf(pathParameters);
    }

    /** Returns the method, case-sensitive as RFC 9110 §9.1 says: {@code GET}, {@code POST}, ... */
    public String method() {
        return method;
    }

    /** Returns the request-target as sent: {@code /items/1?x=2}, {@code http://host/items}, or {@code *}. */
    public String target() {
        return target;
    }

    /** Returns the raw (percent-encoded) path of the target, without the query; {@code *} for OPTIONS *. */
    public String path() {
        return path;
    }

    /** Returns the raw query, without its {@code ?}; null if the target has none. */
    public String query() {
        return query;
    }

    /** Returns the first decoded value of query parameter {@code name}, or null; {@code ?a} gives "" for a. */
    public String queryParameter(String name) {
        List<String> values = queryParameterValues(name, true);
        return values.isEmpty() ? null : values.getFirst();
    }

    /** Returns every decoded value of query parameter {@code name}, in order. */
    public List<String> queryParameterValues(String name) {
        return queryParameterValues(name, false);
    }

    private List<String> queryParameterValues(String name, boolean firstOnly) {
        if (query == null) {
            return List.of();
        }
        List<String> values = new ArrayList<>(1);
        int start = 0;
        while (start <= query.length()) {
            int end = query.indexOf('&', start);
            if (end < 0) {
                end = query.length();
            }
            int equals = query.indexOf('=', start);
            int nameEnd = equals >= 0 && equals < end ? equals : end;
            if (nameEnd > start && name.equals(Percent.decode(query, start, nameEnd, true, false))) {
                values.add(nameEnd == end ? "" : Percent.decode(query, nameEnd + 1, end, true, false));
                if (firstOnly) {
                    break;
                }
            }
            start = end + 1;
        }
        return List.copyOf(values);
    }

    /**
     * Returns the decoded value of the route's {@code {name}} segment, or null if the route has no
     * such parameter.
     */
    public String pathParameter(String name) {
        return pathParameters.get(name);
    }

    /** Returns every path parameter of the route, decoded. */
    public Map<String, String> pathParameters() {
        return pathParameters;
    }

    /** Returns the first value of header {@code name} (any case), or null. */
    public String header(String name) {
        return headers.value(name);
    }

    /** Returns every value of header {@code name} (any case), in order. */
    public List<String> headers(String name) {
        return headers.values(name);
    }

    /** Returns all the header fields, in order. */
    public Headers headers() {
        return headers;
    }

    /** Returns the trailer fields of a chunked body (RFC 9112 §7.1.2); empty otherwise. Not merged into the headers. */
    public Headers trailers() {
        return trailers;
    }

    /** Returns a copy of the body; empty if there is none. */
    public byte[] body() {
        return body.clone();
    }

    /** Returns the body's length in bytes. */
    public int bodyLength() {
        return body.length;
    }

    /**
     * Returns the body as text, in the charset named by the {@code Content-Type}'s {@code charset}
     * parameter, or UTF-8 when there is none or it is unknown.
     */
    public String bodyAsString() {
        return new String(body, charset(header("Content-Type")));
    }

    static Charset charset(String contentType) {
        if (contentType != null) {
            for (String parameter : contentType.split(";")) {
                String p = parameter.strip();
                if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                    String name = p.substring(8).strip();
                    if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
                        name = name.substring(1, name.length() - 1);
                    }
                    try {
                        return Charset.forName(name);
                    } catch (IllegalCharsetNameException | UnsupportedCharsetException unknown) {
                        return StandardCharsets.UTF_8;
                    }
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    /** Returns the client's address and port. */
    public Endpoint remote() {
        return remote;
    }

    /** Returns the protocol version the client spoke. */
    public HttpVersion version() {
        return version;
    }

    /** Returns the request line, {@code GET /items/1 HTTP/1.1}. */
    @Override
    public String toString() {
        return method + " " + target + " " + version;
    }
}
