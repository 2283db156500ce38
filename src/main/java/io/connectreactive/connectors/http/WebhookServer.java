package io.connectreactive.connectors.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.IdentityHashMap;
import java.util.Map;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.shareddata.LocalMap;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook mode of {@link HttpSourceTask}: a Vert.x {@link HttpServer} whose POSTed bodies become
 * records, each request kept open until Kafka acknowledged its record, then answered 200, so a
 * caller that got a 200 never loses its body.
 *
 * <p><b>Threads.</b> The server is created and listens from the task's context, so its requests and
 * the acknowledgements ({@link #acked}, from the task's {@code commitRecord}) all run there: no
 * locks. Nothing blocks; the key store was read asynchronously before.
 *
 * <p><b>Answers.</b> 200 once in Kafka; 202 when the record did not go to its topic but is done
 * (dropped by a transform, or written to the dead-letter queue under {@code errors.tolerance=all});
 * 429 with {@code Retry-After: 1} while {@code http.max.pending} requests await Kafka; 401 without
 * the configured credentials; 413 for a body over {@code http.max.body.bytes}; 400 for a body that
 * must be JSON and is not; 404 for another path, 405 for another method; 503 once the task stops
 * (requests still waiting then are answered 503 too: their records may or may not be in Kafka).
 *
 * <p>One port, one server, one task: Vert.x would share a port bound twice in one instance between
 * both servers, so a port already taken by another connector of this worker is refused.
 */
final class WebhookServer {

    private static final Logger log = LoggerFactory.getLogger(WebhookServer.class);
    private static final String PORTS = "connect-reactive.http-source.ports";

    private final Vertx vertx;
    private final HttpSourceConfig config;
    private final String connector;
    private final RecordQueue queue;
    private final SourceValues values;
    private final byte[] expectedAuthorization;
    /** Requests whose record awaits Kafka, by record identity (the runtime hands back the very record emitted). */
    private final Map<SourceRecord, HttpServerRequest> waiting = new IdentityHashMap<>();
    /** Requests accepted whose body is still arriving. */
    private int receiving;
    private HttpServer server;
    private String portKey;
    private boolean stopping;

    WebhookServer(Vertx vertx, HttpSourceConfig config, String connector, RecordQueue queue) {
        this.vertx = vertx;
        this.config = config;
        this.connector = connector;
        this.queue = queue;
        this.values = new SourceValues(config);
        String auth = config.security.authorization();
        this.expectedAuthorization = auth == null ? null : auth.getBytes(StandardCharsets.UTF_8);
    }

    /** Listens; call on the task's context. Fails if the port is taken (by another connector of this worker too). */
    Future<Void> start(HttpServerOptions options) {
        if (config.listenPort > 0) {
            LocalMap<String, String> ports = vertx.sharedData().getLocalMap(PORTS);
            String key = config.listenHost + ":" + config.listenPort;
            String owner = ports.putIfAbsent(key, connector);
            if (owner != null && !owner.equals(connector)) {
                return Future.failedFuture(new ConnectException("HTTP source " + connector + ": port " + key
                        + " is already the webhook of connector " + owner));
            }
            portKey = key;
        }
        server = vertx.createHttpServer(options.setHost(config.listenHost).setPort(config.listenPort));
        server.requestHandler(this::handle);
        return server.listen().<Void>map(s -> {
            log.info("HTTP source {}: webhook listening on {}://{}:{}{} for topic {}", connector, options.isSsl() ? "https" : "http",
                    config.listenHost, s.actualPort(), config.listenPath, config.topic);
            return null;
        }).recover(err -> {
            releasePort();
            return Future.failedFuture(new ConnectException("HTTP source " + connector + ": could not listen on "
                    + config.listenHost + ":" + config.listenPort + ": " + err.getMessage(), err));
        });
    }

    int port() {
        return server.actualPort();
    }

    /** Requests awaiting Kafka (or their body). */
    int pending() {
        return waiting.size() + receiving;
    }

    private void handle(HttpServerRequest req) {
        if (stopping) {
            answer(req, 503, "stopping");
            return;
        }
        if (!config.listenPath.equals(req.path())) {
            answer(req, 404, "not found");
            return;
        }
        if (req.method() != HttpMethod.POST) {
            req.response().putHeader("Allow", "POST");
            answer(req, 405, "POST only");
            return;
        }
        if (!authorized(req.getHeader("Authorization"))) {
            req.response().putHeader("WWW-Authenticate", config.security.auth() == HttpSettings.Auth.BASIC
                    ? "Basic realm=\"connect-reactive\"" : "Bearer");
            answer(req, 401, "unauthorized");
            return;
        }
        if (pending() >= config.maxPending) {
            req.response().putHeader("Retry-After", "1");
            answer(req, 429, "too many requests awaiting Kafka");
            return;
        }
        String length = req.getHeader("Content-Length");
        if (length != null && tooLong(length)) {
            req.response().putHeader("Connection", "close");
            answer(req, 413, "body over " + config.maxBodyBytes + " bytes");
            return;
        }
        receiving++;
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        req.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > config.maxBodyBytes) {
                refused[0] = true;
                receiving--;
                req.response().putHeader("Connection", "close");
                answer(req, 413, "body over " + config.maxBodyBytes + " bytes");
                return;
            }
            body.appendBuffer(chunk);
        });
        req.exceptionHandler(err -> {
            if (!refused[0]) {
                refused[0] = true;
                receiving--;
            }
        });
        req.endHandler(v -> {
            if (refused[0]) {
                return;
            }
            receiving--;
            received(req, body);
        });
    }

    private boolean tooLong(String length) {
        try {
            return Long.parseLong(length.trim()) > config.maxBodyBytes;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private boolean authorized(String header) {
        if (expectedAuthorization == null) {
            return true;
        }
        return header != null && MessageDigest.isEqual(expectedAuthorization, header.getBytes(StandardCharsets.UTF_8));
    }

    private void received(HttpServerRequest req, Buffer body) {
        if (stopping) {
            answer(req, 503, "stopping");
            return;
        }
        SourceRecord record;
        try {
            Object parsed = values.needsJson() ? SourceValues.parse(body) : null;
            String key = config.keyHeader == null ? null : req.getHeader(config.keyHeader);
            record = values.record(body, parsed, key, null, null);
        } catch (DecodeException e) {
            answer(req, 400, "the body is not JSON: " + e.getMessage());
            return;
        }
        waiting.put(record, req);
        queue.offer(record);
    }

    /** Kafka acknowledged the record ({@code metadata}), or it is done without reaching its topic (null). */
    void acked(SourceRecord record, RecordMetadata metadata) {
        HttpServerRequest req = waiting.remove(record);
        if (req != null) {
            answer(req, metadata != null ? 200 : 202, metadata != null ? "" : "accepted, not written to the topic");
        }
    }

    private static void answer(HttpServerRequest req, int status, String body) {
        if (req.response().ended() || req.response().closed()) {
            return; // the caller went away: its record (if any) may or may not be in Kafka
        }
        req.response().setStatusCode(status).end(body);
    }

    /** Refuses new requests and answers those still waiting with 503, then closes the server. */
    Future<Void> stop() {
        stopping = true;
        int left = waiting.size();
        waiting.values().forEach(r -> answer(r, 503, "stopping"));
        waiting.clear();
        if (left > 0) {
            log.info("HTTP source {}: stopping with {} requests not yet acknowledged by Kafka; answered 503", connector, left);
        }
        releasePort();
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void releasePort() {
        if (portKey != null) {
            vertx.sharedData().<String, String>getLocalMap(PORTS).remove(portKey, connector);
            portKey = null;
        }
    }
}
