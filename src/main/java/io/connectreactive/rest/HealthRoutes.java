package io.connectreactive.rest;

import java.util.concurrent.TimeUnit;

import io.connectreactive.herder.Herder;
import io.connectreactive.kafka.ClusterMonitor;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /health} (KIP-1017): 200 {@code healthy} once the herder finished starting and answers
 * a request within 10 s; 503 {@code starting} before that (the REST server binds before the herder
 * has started the stored connectors); 500 {@code unhealthy} when the herder does not answer in time.
 * While the worker cannot reach its Kafka cluster it answers 503 {@code unhealthy} saying so (our
 * addition: REST keeps answering, tasks wait and retry); a liveness probe should not restart a worker
 * for that, a readiness probe may take it out of rotation. A clustered worker that has fenced itself
 * (it reaches no majority of its cluster, see {@link Herder#fenced()}) answers 503 {@code unhealthy}
 * saying so, for as long as it is fenced.
 * The body is Kafka Connect's WorkerStatus, {@code {"status": ..., "message": ...}}, in every case.
 * Runs on the REST server's event loop and never blocks it.
 */
final class HealthRoutes {

    static final long TIMEOUT_MS = 10_000;
    static final String HEALTHY = "Worker has completed startup and is ready to handle requests.";
    static final String STARTING = "Worker is still starting up.";
    static final String UNHEALTHY = "Worker was unable to handle this request and may be unable to handle other requests.";

    private final Herder herder;

    HealthRoutes(Herder herder) {
        this.herder = herder;
    }

    void mount(Router router) {
        router.get("/health").handler(this::health);
    }

    private void health(RoutingContext ctx) {
        if (!herder.started()) {
            send(ctx, 503, "starting", STARTING);
            return;
        }
        herder.connectors().timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(ar -> {
            ClusterMonitor.Outage outage = herder.kafkaOutage();
            String fenced = herder.fenced();
            if (ar.succeeded() && fenced != null) {
                send(ctx, 503, "unhealthy", "Worker is fenced: " + fenced + ". It runs no connectors or tasks until it is "
                        + "back in a cluster with a majority of them; REST keeps answering.");
            } else if (ar.succeeded() && outage != null) {
                send(ctx, 503, "unhealthy", "Worker cannot reach its Kafka cluster since " + outage.since() + ": "
                        + outage.reason() + ". Tasks wait and retry; REST keeps answering.");
            } else if (ar.succeeded()) {
                send(ctx, 200, "healthy", HEALTHY);
            } else {
                send(ctx, 500, "unhealthy", UNHEALTHY);
            }
        });
    }

    private static void send(RoutingContext ctx, int status, String state, String message) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("status", state).put("message", message).encode());
    }
}
