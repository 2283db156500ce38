package io.connectreactive.rest;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.herder.Herder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import org.apache.kafka.common.utils.AppInfoParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API on {@code listeners}: a vertx-web router with Kafka Connect's paths. Unknown paths
 * and methods answer Kafka Connect's error body with 404 / 405; a body over 10 MiB is refused (413).
 */
public final class RestServer {

    private static final Logger LOG = LoggerFactory.getLogger(RestServer.class);
    private static final long MAX_BODY = 10L * 1024 * 1024;

    private final Vertx vertx;
    private final WorkerConfig.Listener listener;
    private final Herder herder;
    private HttpServer server;

    public RestServer(Vertx vertx, WorkerConfig.Listener listener, Herder herder) {
        this.vertx = vertx;
        this.listener = listener;
        this.herder = herder;
    }

    /** Binds the listener; completes with the bound port. */
    public Future<Integer> start() {
        Router router = Router.router(vertx);
        router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY));
        router.get("/").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json").end(new JsonObject()
                .put("version", AppInfoParser.getVersion())
                .put("commit", AppInfoParser.getCommitId())
                .put("kafka_cluster_id", herder.kafkaClusterId())
                .encode()));
        new ConnectorRoutes(herder).mount(router);
        router.errorHandler(404, ctx -> ErrorMapper.send(ctx, 404, "HTTP 404 Not Found"));
        router.errorHandler(405, ctx -> ErrorMapper.send(ctx, 405, "HTTP 405 Method Not Allowed"));
        router.errorHandler(413, ctx -> ErrorMapper.send(ctx, 413, "Request body larger than " + MAX_BODY + " bytes"));
        router.errorHandler(400, ctx -> ErrorMapper.send(ctx, 400, "Bad request"));
        router.errorHandler(500, ctx -> ErrorMapper.respond(ctx, ctx.failure() == null ? new RuntimeException("Internal error") : ctx.failure()));
        return vertx.createHttpServer()
                .requestHandler(router)
                .listen(listener.port(), listener.host())
                .map(s -> {
                    server = s;
                    LOG.info("REST API listening on http://{}:{}", listener.host(), s.actualPort());
                    return s.actualPort();
                });
    }

    public Future<Void> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
