package io.connectreactive.rest;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.herder.ConnectorValidator;
import io.connectreactive.herder.Herder;
import io.connectreactive.plugin.PluginRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
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
    private final PluginRegistry plugins;
    private final ConnectorValidator validator;
    private HttpServer server;

    public RestServer(Vertx vertx, WorkerConfig.Listener listener, Herder herder, PluginRegistry plugins,
                      ConnectorValidator validator) {
        this.vertx = vertx;
        this.listener = listener;
        this.herder = herder;
        this.plugins = plugins;
        this.validator = validator;
    }

    /** Binds the listener; completes with the bound port. */
    public Future<Integer> start() {
        Router router = Router.router(vertx);
        router.route().handler(RestServer::requireJsonBody);
        router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY));
        router.get("/").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json").end(new JsonObject()
                .put("version", AppInfoParser.getVersion())
                .put("commit", AppInfoParser.getCommitId())
                .put("kafka_cluster_id", herder.kafkaClusterId())
                .encode()));
        new ConnectorRoutes(herder).mount(router);
        new PluginRoutes(vertx, plugins, validator).mount(router);
        new HealthRoutes(herder).mount(router);
        new LoggerRoutes().mount(router);
        new MetricsRoutes(vertx).mount(router);
        router.errorHandler(404, ctx -> ErrorMapper.send(ctx, 404, "HTTP 404 Not Found"));
        router.errorHandler(405, ctx -> ErrorMapper.send(ctx, 405, "HTTP 405 Method Not Allowed"));
        router.errorHandler(413, ctx -> ErrorMapper.send(ctx, 413, "Request body larger than " + MAX_BODY + " bytes"));
        router.errorHandler(400, ctx -> ErrorMapper.send(ctx, 400, "Bad request"));
        router.errorHandler(500, ctx -> ErrorMapper.respond(ctx, ctx.failure() == null ? new RuntimeException("Internal error") : ctx.failure()));
        // Kafka Connect's Jetty speaks HTTP/1.1 only: answer an h2c upgrade request (Java's HttpClient
        // sends one) with HTTP/1.1 as it does, instead of switching protocols.
        HttpServerOptions options = new HttpServerOptions().setHttp2ClearTextEnabled(false);
        return vertx.executeBlocking(() -> {
                    warmUpJson();
                    return null;
                }, false)
                .compose(v -> vertx.createHttpServer(options)
                        .requestHandler(router)
                        .listen(listener.port(), listener.host()))
                .map(s -> {
                    server = s;
                    LOG.info("REST API listening on http://{}:{}", listener.host(), s.actualPort());
                    return s.actualPort();
                });
    }

    /**
     * Loads and initialises the JSON codec on a worker thread, so that the first request does not pay
     * for it on the event loop (class loading took over 200 ms there on a cold JVM).
     */
    private static void warmUpJson() {
        Object parsed = io.vertx.core.json.Json.decodeValue(
                "{\"name\":\"warm-up\",\"config\":{\"tasks.max\":\"1\",\"n\":1,\"b\":true},\"list\":[1,\"a\",null]}");
        io.vertx.core.json.Json.encode(parsed);
        new JsonObject().put("error_code", 400).put("message", "warm-up").encode();
    }

    /**
     * Kafka Connect's resources consume JSON only: a POST, PUT or PATCH whose {@code Content-Type} names
     * another media type (curl's {@code -d} sends a form type) is answered 415 before its body is read.
     * A request without the header is taken as JSON, as Kafka Connect takes it.
     */
    private static void requireJsonBody(io.vertx.ext.web.RoutingContext ctx) {
        io.vertx.core.http.HttpMethod method = ctx.request().method();
        String type = ctx.request().getHeader("Content-Type");
        boolean hasBody = method == io.vertx.core.http.HttpMethod.POST || method == io.vertx.core.http.HttpMethod.PUT
                || method == io.vertx.core.http.HttpMethod.PATCH;
        if (hasBody && type != null && !isJson(type)) {
            ErrorMapper.send(ctx, 415, "HTTP 415 Unsupported Media Type");
            return;
        }
        ctx.next();
    }

    static boolean isJson(String contentType) {
        int semicolon = contentType.indexOf(';');
        String mediaType = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return mediaType.equalsIgnoreCase("application/json");
    }

    /** Closes the listener. */
    public Future<Void> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
