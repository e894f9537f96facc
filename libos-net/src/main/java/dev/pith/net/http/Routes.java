package dev.pith.net.http;

/**
 * Maps method and path to a handler; given to the {@code routes} callback of
 * {@link HttpServer#start}, and usable only inside it.
 *
 * <p>A pattern is a literal path whose segments may be {@code {name}} parameters:
 * {@code /items/{id}} matches {@code /items/42} (not {@code /items} nor {@code /items/42/x}), and
 * the decoded segment is {@link Request#pathParameter(String) request.pathParameter("id")}. A
 * parameter matches one non-empty segment; literal segments compare with the percent-decoded
 * path. Where several patterns match, the one with a literal at the first segment where they
 * differ wins ({@code /items/new} before {@code /items/{id}}).
 *
 * <p>What the server answers on its own: HEAD from the GET handler, without the body; OPTIONS with
 * 204 and {@code Allow} (also for {@code OPTIONS *}); 404 when no pattern matches the path; 405 with
 * {@code Allow} when one matches but not the method; 501 for a method no route uses and HTTP does not
 * define (RFC 9110 §9.1). A route for HEAD or OPTIONS replaces the server's answer.
 *
 * <pre>{@code
 * HttpServer.start(loop, tcp, 8080, routes -> routes
 *         .get("/items/{id}", request -> Response.json(items.get(request.pathParameter("id"))))
 *         .post("/items", HttpHandler.blocking(request -> Response.status(201)))
 *         .route("PATCH", "/items/{id}", request -> Response.status(204)), HttpSettings.defaults());
 * }</pre>
 */
public interface Routes {

    /**
     * Routes {@code method} on paths matching {@code pattern} to {@code handler}.
     *
     * @throws IllegalArgumentException if the method is not a token, the pattern is malformed (no
     *     leading slash, a brace inside a segment, a repeated parameter name), or the same method and
     *     pattern shape are routed already
     * @throws IllegalStateException if called after the server has started
     */
    Routes route(String method, String pattern, HttpHandler handler);

    /** Routes GET (and so HEAD) requests on {@code pattern}. */
    default Routes get(String pattern, HttpHandler handler) {
        return route("GET", pattern, handler);
    }

    /** Routes POST requests on {@code pattern}. */
    default Routes post(String pattern, HttpHandler handler) {
        return route("POST", pattern, handler);
    }

    /** Routes PUT requests on {@code pattern}. */
    default Routes put(String pattern, HttpHandler handler) {
        return route("PUT", pattern, handler);
    }

    /** Routes DELETE requests on {@code pattern}. */
    default Routes delete(String pattern, HttpHandler handler) {
        return route("DELETE", pattern, handler);
    }
}
