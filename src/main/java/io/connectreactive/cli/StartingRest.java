package io.connectreactive.cli;

import java.util.ArrayList;
import java.util.List;

import io.connectreactive.config.WorkerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.common.utils.AppInfoParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the REST listeners answer while the worker starts (its embedded broker starting beside it):
 * {@code GET /} Kafka Connect's root body, whose {@code kafka_cluster_id} is already known (it is
 * written in the embedded broker's log directory); {@code GET /health} 503 {@code starting}, as the
 * real API answers before its herder has started; anything else 503 in Kafka Connect's error body,
 * with {@code Retry-After}. Nothing here touches the broker, the herder or a store, so no request
 * waits for them or fails for want of them.
 *
 * <p>{@link ConnectWorker} binds it on the plain-HTTP main listeners once Vert.x runs, and closes it
 * once the real API is bound on the same ports: Vert.x shares a port among the servers of one
 * instance, so no connection is refused in between. Listeners that need TLS or basic
 * authentication are bound by the real API only. Handlers run on an event loop and never block.
 */
final class StartingRest {

    private static final Logger LOG = LoggerFactory.getLogger(StartingRest.class);
    /** {@code GET /health}'s message before the herder has started, as the real API words it. */
    static final String STARTING = "Worker is still starting up.";
    static final String NOT_YET = "Worker is still starting up; try again in a moment.";

    private final String root;
    private final List<HttpServer> servers = new ArrayList<>();

    private StartingRest(String kafkaClusterId) {
        this.root = new JsonObject()
                .put("version", AppInfoParser.getVersion())
                .put("commit", AppInfoParser.getCommitId())
                .put("kafka_cluster_id", kafkaClusterId)
                .encode();
    }

    /**
     * Binds the listeners this can serve: the plain-HTTP ones with a known port, none when basic
     * authentication is configured (the real API asks for credentials on every path). Completes with
     * null when it serves none.
     *
     * @param listeners the main listeners, the first one's port already chosen
     */
    static Future<StartingRest> bind(Vertx vertx, WorkerConfig config, List<WorkerConfig.Listener> listeners,
                                     String kafkaClusterId) {
        List<WorkerConfig.Listener> plain = config.basicAuth() ? List.of()
                : listeners.stream().filter(l -> !l.https() && l.port() != 0).toList();
        if (plain.isEmpty()) {
            return Future.succeededFuture();
        }
        StartingRest rest = new StartingRest(kafkaClusterId);
        List<Future<HttpServer>> binds = new ArrayList<>();
        for (WorkerConfig.Listener l : plain) {
            binds.add(vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false))
                    .requestHandler(rest::answer)
                    .listen(l.port(), l.host())
                    .onSuccess(rest::add));
        }
        return Future.all(binds).map(all -> {
            LOG.info("REST API answering on {} while the worker starts (503 but for GET / and /health)",
                    plain.stream().map(l -> l.scheme() + "://" + l.host() + ":" + l.port()).toList());
            return rest;
        }).recover(err -> rest.close().transform(v -> Future.failedFuture(err)));
    }

    private synchronized void add(HttpServer server) {
        servers.add(server);
    }

    private void answer(HttpServerRequest request) {
        String path = request.path();
        boolean get = request.method() == HttpMethod.GET;
        if (get && "/".equals(path)) {
            send(request, 200, root);
        } else if (get && "/health".equals(path)) {
            send(request, 503, new JsonObject().put("status", "starting").put("message", STARTING).encode());
        } else {
            request.response().putHeader("Retry-After", "1");
            send(request, 503, new JsonObject().put("error_code", 503).put("message", NOT_YET).encode());
        }
    }

    private static void send(HttpServerRequest request, int status, String body) {
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }

    /** Unbinds its listeners (the real API, bound on the same ports, keeps them open). */
    synchronized Future<Void> close() {
        List<Future<Void>> closes = new ArrayList<>();
        servers.forEach(s -> closes.add(s.close()));
        servers.clear();
        return Future.join(closes).mapEmpty();
    }
}
