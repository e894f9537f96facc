package dev.pith.net.internal.http;

import dev.pith.net.http.HttpHandler;
import dev.pith.net.http.Response;
import dev.pith.net.http.Routes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The {@link Routes} of a server: patterns of literal and {@code {name}} segments, each with a
 * handler per method. Filled by the application's callback before the server starts, read-only
 * after. Matching splits the raw path at '/', percent-decodes each segment, and compares it with
 * every pattern of as many segments; the cost is linear in the routes, which suits the tens of
 * routes a unikernel serves.
 */
public final class Router implements Routes {

    /** Methods RFC 9110 §9 and RFC 5789 define that this server answers without 501. */
    private static final Set<String> STANDARD_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH");

    /** The answer to a request: a handler to run, or a response the router gives itself. */
    public sealed interface Match {
        /** A route matched: run {@code handler}. */
        record Found(HttpHandler handler, Map<String, String> pathParameters) implements Match {}

        /** No handler: answer {@code response} (400, 404, 405, 501, or 204 to OPTIONS). */
        record Fixed(Response response) implements Match {}
    }

    /** One pattern: its segments (null for a parameter) and its handler per method. */
    private record Pattern(String[] literals, Map<String, MethodRoute> methods) {}

    /** A handler and the parameter names of the pattern it was routed with (one per null literal). */
    private record MethodRoute(HttpHandler handler, String[] parameterNames) {}

    private final List<Pattern> patterns = new ArrayList<>();
    /** Patterns by shape: the pattern with every parameter written as "{}". */
    private final Map<String, Pattern> byShape = new HashMap<>();
    /** Every method some route uses, in order. */
    private final Set<String> methods = new LinkedHashSet<>();
    private boolean frozen;

    @Override
    public Routes route(String method, String pattern, HttpHandler handler) {
        Objects.requireNonNull(method, "method == null");
        Objects.requireNonNull(pattern, "pattern == null");
        Objects.requireNonNull(handler, "handler == null");
        if (frozen) {
            throw new IllegalStateException("routes are fixed once the server has started");
        }
        if (!RequestDecoder.isToken(method)) {
            throw new IllegalArgumentException("method is not a token (RFC 9110 §9.1): '" + method + "'");
        }
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("pattern must start with '/': '" + pattern + "'");
        }
        String[] segments = pattern.substring(1).split("/", -1);
        String[] literals = new String[segments.length];
        List<String> names = new ArrayList<>();
        StringBuilder shape = new StringBuilder();
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            shape.append('/');
            if (s.length() >= 2 && s.startsWith("{") && s.endsWith("}")) {
                String name = s.substring(1, s.length() - 1);
                if (name.isEmpty() || name.indexOf('{') >= 0 || name.indexOf('}') >= 0) {
                    throw new IllegalArgumentException("malformed parameter '" + s + "' in pattern '" + pattern + "'");
                }
                if (names.contains(name)) {
                    throw new IllegalArgumentException("parameter {" + name + "} appears twice in pattern '" + pattern + "'");
                }
                names.add(name);
                shape.append("{}");
            } else if (s.indexOf('{') >= 0 || s.indexOf('}') >= 0 || s.indexOf('?') >= 0 || s.indexOf('#') >= 0) {
                throw new IllegalArgumentException("segment '" + s + "' of pattern '" + pattern
                        + "' must be a literal (no braces, '?' or '#') or a whole {name}");
            } else {
                literals[i] = s;
                shape.append(s);
            }
        }
        Pattern p = byShape.computeIfAbsent(shape.toString(), k -> {
            Pattern created = new Pattern(literals, new LinkedHashMap<>());
            patterns.add(created);
            return created;
        });
        if (p.methods().containsKey(method)) {
            throw new IllegalArgumentException(method + " " + pattern + " is routed already");
        }
        p.methods().put(method, new MethodRoute(handler, names.toArray(String[]::new)));
        methods.add(method);
        return this;
    }

    /** Ends routing: later {@link #route} calls throw. */
    public void freeze() {
        frozen = true;
    }

    /** Finds what answers {@code method} on the raw (percent-encoded) {@code path}. */
    public Match match(String method, String path) {
        if (!STANDARD_METHODS.contains(method) && !methods.contains(method)) {
            return fixed(501, "method " + method + " is not implemented");
        }
        if (path.equals("*")) { // OPTIONS * (the decoder allows * with OPTIONS only)
            return options(allowAll());
        }
        String[] raw = path.substring(1).split("/", -1);
        String[] segments = new String[raw.length];
        for (int i = 0; i < raw.length; i++) {
            segments[i] = Percent.decode(raw[i], 0, raw[i].length(), false, true);
            if (segments[i] == null) {
                return fixed(400, "malformed percent-encoding in the path");
            }
        }
        Pattern best = null;
        for (Pattern p : patterns) {
            if (matches(p, segments) && (best == null || moreSpecific(p, best))) {
                best = p;
            }
        }
        if (best == null) {
            return fixed(404, "no resource at this path");
        }
        MethodRoute route = best.methods().get(method);
        if (route == null && method.equals("HEAD")) {
            route = best.methods().get("GET");
        }
        if (route == null) {
            String allow = allow(best.methods().keySet());
            if (method.equals("OPTIONS")) {
                return options(allow);
            }
            Response notAllowed = text(405, "method " + method + " is not allowed here").withHeader("Allow", allow);
            return new Match.Fixed(notAllowed);
        }
        Map<String, String> parameters = Map.of();
        if (route.parameterNames().length > 0) {
            parameters = new HashMap<>();
            for (int i = 0, k = 0; i < segments.length; i++) {
                if (best.literals()[i] == null) {
                    parameters.put(route.parameterNames()[k++], segments[i]);
                }
            }
        }
        return new Match.Found(route.handler(), parameters);
    }

    private static boolean matches(Pattern p, String[] segments) {
        String[] literals = p.literals();
        if (literals.length != segments.length) {
            return false;
        }
        for (int i = 0; i < literals.length; i++) {
            if (literals[i] == null ? segments[i].isEmpty() : !literals[i].equals(segments[i])) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code a} has a literal at the first segment where it and {@code b} differ in kind. */
    private static boolean moreSpecific(Pattern a, Pattern b) {
        for (int i = 0; i < a.literals().length; i++) {
            boolean literalA = a.literals()[i] != null;
            boolean literalB = b.literals()[i] != null;
            if (literalA != literalB) {
                return literalA;
            }
        }
        return false;
    }

    /** The Allow value for a pattern: its methods, HEAD with GET, and OPTIONS, which the server answers. */
    private static String allow(Set<String> routed) {
        Set<String> allowed = new LinkedHashSet<>(routed);
        if (allowed.contains("GET")) {
            allowed.add("HEAD");
        }
        allowed.add("OPTIONS");
        return String.join(", ", allowed);
    }

    private String allowAll() {
        return allow(methods);
    }

    private static Match options(String allow) {
        return new Match.Fixed(Response.status(204).withHeader("Allow", allow));
    }

    private static Match fixed(int status, String detail) {
        return new Match.Fixed(text(status, detail));
    }

    /** A plain-text response the server makes itself: the reason phrase and a detail line. */
    static Response text(int status, String detail) {
        String body = status + " " + ResponseEncoder.reasonPhrase(status) + ": " + detail + "\n";
        return Response.bytes(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }
}
