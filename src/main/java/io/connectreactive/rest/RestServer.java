package io.connectreactive.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.herder.ConnectorValidator;
import io.connectreactive.herder.Herder;
import io.connectreactive.plugin.PluginRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BasicAuthHandler;
import io.vertx.ext.web.handler.BodyHandler;
import org.apache.kafka.common.utils.AppInfoParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API on {@code listeners}: a vertx-web router with Kafka Connect's paths, on every HTTP and
 * HTTPS listener. Unknown paths and methods answer Kafka Connect's error body with 404 / 405; a body
 * over {@code rest.max.body.bytes} (10 MiB by default) is refused (413). With {@code admin.listeners}
 * set, the {@code /admin} endpoints are served only there (none when it is empty); with Kafka
 * Connect's basic authentication extension configured, every listener asks for credentials. The web
 * dashboard ({@code /ui/}) is served with the API.
 */
public final class RestServer {

    private static final Logger LOG = LoggerFactory.getLogger(RestServer.class);

    private final Vertx vertx;
    private final List<WorkerConfig.Listener> listeners;
    private final List<WorkerConfig.Listener> adminListeners;
    private final long maxBody;
    private final HttpServerOptions httpsOptions;
    private final BasicAuth auth;
    private final Herder herder;
    private final PluginRegistry plugins;
    private final ConnectorValidator validator;
    private final UiRoutes ui;
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private final Map<WorkerConfig.Listener, Integer> ports = new ConcurrentHashMap<>();

    /**
     * Reads the TLS stores and the basic-authentication credentials (blocking: construct it off the
     * event loop).
     *
     * @param listeners the main listeners (the first one's port already chosen when it was 0)
     * @throws org.apache.kafka.common.config.ConfigException naming the key of a bad TLS or auth setting
     */
    public RestServer(Vertx vertx, WorkerConfig config, List<WorkerConfig.Listener> listeners, Herder herder,
                      PluginRegistry plugins, ConnectorValidator validator) {
        this.vertx = vertx;
        this.listeners = List.copyOf(listeners);
        this.adminListeners = config.adminListeners();
        this.maxBody = config.getLong(WorkerConfig.REST_MAX_BODY_BYTES);
        boolean https = listeners.stream().anyMatch(WorkerConfig.Listener::https)
                || adminListeners != null && adminListeners.stream().anyMatch(WorkerConfig.Listener::https);
        this.httpsOptions = https ? RestTls.httpsOptions(config) : null;
        this.auth = config.basicAuth() ? BasicAuth.load(config) : null;
        this.herder = herder;
        this.plugins = plugins;
        this.validator = validator;
        this.ui = new UiRoutes(vertx, herder);
    }

    /** Binds every listener; completes with the first listener's port. */
    public Future<Integer> start() {
        Router router = router(true, adminListeners == null);
        Router adminRouter = adminListeners == null || adminListeners.isEmpty() ? null : router(false, true);
        return vertx.executeBlocking(() -> {
                    warmUp();
                    return null;
                }, false)
                .compose(v -> {
                    List<Future<Integer>> binds = new ArrayList<>();
                    listeners.forEach(l -> binds.add(listen(l, router, "REST API")));
                    if (adminRouter != null) {
                        adminListeners.forEach(l -> binds.add(listen(l, adminRouter, "REST admin API")));
                    }
                    return Future.all(binds);
                })
                .map(all -> ports.get(listeners.get(0)));
    }

    /** The port bound for {@code listener} (one of the main or admin listeners), null if not bound. */
    public Integer port(WorkerConfig.Listener listener) {
        return ports.get(listener);
    }

    private Router router(boolean api, boolean admin) {
        Router router = Router.router(vertx);
        if (auth != null && !auth.open()) {
            router.route().handler(BasicAuthHandler.create(auth, "connect-reactive"));
        }
        router.route().handler(RestServer::requireJsonBody);
        router.route().handler(BodyHandler.create(false).setBodyLimit(maxBody));
        if (api) {
            router.get("/").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json").end(new JsonObject()
                    .put("version", AppInfoParser.getVersion())
                    .put("commit", AppInfoParser.getCommitId())
                    .put("kafka_cluster_id", herder.kafkaClusterId())
                    .encode()));
            router.route("/connectors*").handler(new LeaderForwarding(vertx, herder)::handle);
            new ConnectorRoutes(herder).mount(router);
            new PluginRoutes(vertx, plugins, validator).mount(router);
            new HealthRoutes(herder).mount(router);
            new MetricsRoutes(vertx).mount(router);
            ui.mount(router);
        }
        if (admin) {
            new LoggerRoutes(vertx).mount(router);
        }
        router.errorHandler(401, ctx -> ErrorMapper.send(ctx, 401, BasicAuth.UNAUTHORIZED));
        router.errorHandler(404, ctx -> ErrorMapper.send(ctx, 404, "HTTP 404 Not Found"));
        router.errorHandler(405, ctx -> ErrorMapper.send(ctx, 405, "HTTP 405 Method Not Allowed"));
        router.errorHandler(413, ctx -> ErrorMapper.send(ctx, 413, "Request body larger than " + maxBody + " bytes"));
        router.errorHandler(400, ctx -> ErrorMapper.send(ctx, 400, "Bad request"));
        router.errorHandler(500, ctx -> ErrorMapper.respond(ctx, ctx.failure() == null ? new RuntimeException("Internal error") : ctx.failure()));
        return router;
    }

    private Future<Integer> listen(WorkerConfig.Listener listener, Router router, String what) {
        HttpServerOptions options = listener.https() ? new HttpServerOptions(httpsOptions) : new HttpServerOptions();
        // Kafka Connect's Jetty speaks HTTP/1.1 only: answer an h2c upgrade request (Java's HttpClient
        // sends one) with HTTP/1.1 as it does, instead of switching protocols.
        options.setHttp2ClearTextEnabled(false);
        return vertx.createHttpServer(options)
                .requestHandler(router)
                .invalidRequestHandler(RestServer::invalidRequest)
                .listen(listener.port(), listener.host())
                .map(s -> {
                    servers.add(s);
                    ports.put(listener, s.actualPort());
                    LOG.info("{} listening on {}://{}:{}", what, listener.scheme(), listener.host(), s.actualPort());
                    return s.actualPort();
                });
    }

    /**
     * A request the HTTP decoder refused (a malformed request line or header, a line or headers too
     * long): Kafka Connect's error body with the status Vert.x would answer, then the connection closes.
     */
    private static void invalidRequest(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        int status = cause instanceof TooLongHttpLineException ? 414
                : cause instanceof TooLongHttpHeaderException ? 431 : 400;
        String message = status == 414 ? "HTTP 414 URI Too Long" : status == 431 ? "HTTP 431 Request Header Fields Too Large"
                : "HTTP 400 Bad Request";
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .putHeader("Connection", "close")
                .end(new JsonObject().put("error_code", status).put("message", message).encode());
    }

    /**
     * Loads and initialises the JSON codec and Netty's buffer allocator on a worker thread, so that the
     * first request does not pay for it on the event loop (class loading took over 200 ms there on a
     * cold JVM; the allocator's first chunk initialises its JFR events, over 500 ms on a loaded machine).
     */
    private static void warmUp() {
        ByteBufAllocator.DEFAULT.directBuffer(16 * 1024).release();
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
    private static void requireJsonBody(RoutingContext ctx) {
        HttpMethod method = ctx.request().method();
        String type = ctx.request().getHeader("Content-Type");
        boolean hasBody = method == HttpMethod.POST || method == HttpMethod.PUT
                || method == HttpMethod.PATCH;
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

    /** Closes the listeners. */
    public Future<Void> stop() {
        ui.stop();
        List<Future<Void>> closes = new ArrayList<>();
        servers.forEach(server -> closes.add(server.close()));
        servers.clear();
        return Future.join(closes).mapEmpty();
    }
}
