package io.connectreactive.rest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

import io.connectreactive.herder.Herder;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The web dashboard: {@code /ui/} (one page, its stylesheet and two ES modules, all from
 * {@code src/main/resources/ui}, read once at construction) and its live feed {@code /ui/events}
 * ({@link DashboardFeed}). Everything else the page does goes through the REST API, on the same
 * listeners, behind the same basic authentication and TLS. Mounted by {@link RestServer}.
 */
final class UiRoutes {

    private static final String[][] ASSETS = {
            {"index.html", "text/html; charset=utf-8"},
            {"dashboard.css", "text/css; charset=utf-8"},
            {"dashboard.js", "text/javascript; charset=utf-8"},
            {"create.js", "text/javascript; charset=utf-8"},
            {"favicon.svg", "image/svg+xml"},
    };
    /** Only the page's own files; no inline script or style, no other origin. */
    private static final String CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    private final Map<String, Asset> assets = new HashMap<>();
    private final DashboardFeed feed;

    private record Asset(Buffer body, String contentType) {
    }

    /** Reads the assets from the class path (blocking: construct it off the event loop). */
    UiRoutes(Vertx vertx, Herder herder) {
        for (String[] a : ASSETS) {
            assets.put(a[0], new Asset(read("ui/" + a[0]), a[1]));
        }
        this.feed = new DashboardFeed(vertx, herder);
    }

    private static Buffer read(String resource) {
        try (InputStream in = UiRoutes.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Missing dashboard asset " + resource + " on the class path");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void mount(Router router) {
        // the route matches /ui and /ui/; /ui is sent to /ui/ with a relative Location, so that the
        // page's relative links also work behind a reverse proxy that adds a path prefix
        router.get("/ui").handler(ctx -> {
            if (ctx.request().path().endsWith("/")) {
                send(ctx, "index.html");
            } else {
                ctx.response().setStatusCode(302).putHeader("Location", "ui/").end();
            }
        });
        router.get("/ui/events").handler(feed::subscribe);
        router.get("/ui/:file").handler(ctx -> send(ctx, ctx.pathParam("file")));
    }

    /** Ends the live feed's streams and stops its sampling. */
    void stop() {
        feed.stop();
    }

    private void send(RoutingContext ctx, String file) {
        Asset asset = assets.get(file);
        if (asset == null) {
            ctx.next();
            return;
        }
        ctx.response()
                .putHeader("Content-Type", asset.contentType())
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Content-Security-Policy", CSP)
                .end(asset.body());
    }
}
