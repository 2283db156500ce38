package io.connectreactive.rest;

import io.connectreactive.metrics.ConnectMetrics;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/**
 * {@code GET /metrics}: every meter of the worker in Prometheus' text format (0.0.4), for a Prometheus
 * scrape. The rendering runs on Vert.x's worker pool (its cost grows with the meters), the answer on
 * the request's event loop. Mounted by {@link RestServer}.
 */
final class MetricsRoutes {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Vertx vertx;

    MetricsRoutes(Vertx vertx) {
        this.vertx = vertx;
    }

    void mount(Router router) {
        router.get("/metrics").handler(ctx -> {
            ConnectMetrics metrics = ConnectMetrics.of(vertx);
            if (metrics == null) {
                ErrorMapper.send(ctx, 404, "No metrics on this worker");
                return;
            }
            vertx.executeBlocking(metrics::scrape, false).onComplete(ar -> {
                if (ar.failed()) {
                    ctx.fail(ar.cause());
                } else {
                    ctx.response().putHeader("Content-Type", CONTENT_TYPE).end(ar.result());
                }
            });
        });
    }
}
