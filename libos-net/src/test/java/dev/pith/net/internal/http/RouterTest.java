package dev.pith.net.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pith.net.http.HttpHandler;
import dev.pith.net.http.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {

    final HttpHandler list = request -> Response.text("list");
    final HttpHandler item = request -> Response.text("item");
    final HttpHandler fresh = request -> Response.text("new");
    final HttpHandler create = request -> Response.text("create");
    final Router router = new Router();

    RouterTest() {
        router.get("/items", list).post("/items", create).get("/items/{id}", item).get("/items/new", fresh)
                .route("PATCH", "/items/{key}/parts/{part}", item).get("/", list);
        router.freeze();
    }

    Router.Match.Found found(String method, String path) {
        return (Router.Match.Found) router.match(method, path);
    }

    Response fixed(String method, String path) {
        return ((Router.Match.Fixed) router.match(method, path)).response();
    }

    @Test
    void literalsAndParameters() {
        assertSame(list, found("GET", "/items").handler());
        assertSame(list, found("GET", "/").handler());
        assertSame(item, found("GET", "/items/42").handler());
        assertEquals(Map.of("id", "42"), found("GET", "/items/42").pathParameters());
        assertEquals(Map.of("key", "a b", "part", "x/y"), found("PATCH", "/items/a%20b/parts/x%2Fy").pathParameters());
    }

    @Test
    void theMostLiteralPatternWins() {
        assertSame(fresh, found("GET", "/items/new").handler());
    }

    @Test
    void headUsesGet() {
        assertSame(item, found("HEAD", "/items/1").handler());
    }

    @Test
    void whatTheRouterAnswersItself() {
        assertEquals(404, fixed("GET", "/items/1/2").status());
        assertEquals(404, fixed("GET", "/items/").status(), "a parameter matches a non-empty segment only");
        assertEquals(404, fixed("GET", "/nothing").status());
        Response notAllowed = fixed("DELETE", "/items");
        assertEquals(405, notAllowed.status());
        assertEquals("GET, POST, HEAD, OPTIONS", notAllowed.header("Allow"));
        assertEquals(204, fixed("OPTIONS", "/items").status());
        assertEquals("GET, POST, PATCH, HEAD, OPTIONS", fixed("OPTIONS", "*").header("Allow"));
        assertEquals(501, fixed("BREW", "/items").status());
        assertEquals(404, fixed("PATCH", "/other").status(), "a routed method is known");
        assertEquals(400, fixed("GET", "/items/%zz").status());
    }

    @Test
    void badRoutesAreRefused() {
        Router r = new Router();
        r.get("/a/{x}", list);
        assertThrows(IllegalArgumentException.class, () -> r.get("/a/{y}", list), "same method and shape");
        assertThrows(IllegalArgumentException.class, () -> r.get("a", list));
        assertThrows(IllegalArgumentException.class, () -> r.get("/a{x}", list));
        assertThrows(IllegalArgumentException.class, () -> r.get("/{x}/{x}", list));
        assertThrows(IllegalArgumentException.class, () -> r.get("/{}", list));
        assertThrows(IllegalArgumentException.class, () -> r.route("GE T", "/", list));
        r.post("/a/{y}", list); // another method on the same shape is fine
        r.freeze();
        assertThrows(IllegalStateException.class, () -> r.get("/b", list));
    }
}
