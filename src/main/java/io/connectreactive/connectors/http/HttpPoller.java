package io.connectreactive.connectors.http;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll mode of {@link HttpSourceTask}: GETs {@code http.url} every {@code http.poll.interval.ms}
 * with one Vert.x {@link WebClient}, conditionally ({@code If-None-Match} with the last ETag,
 * {@code If-Modified-Since} with the last Last-Modified): a 304, or a body whose SHA-256 equals the
 * last one's, emits nothing. A JSON array body is one record per element ({@code http.json.split}),
 * anything else one record.
 *
 * <p><b>Offsets.</b> Source partition {@code {"url": <url>}}; the position ({@code etag},
 * {@code last_modified}, {@code hash}) is the offset of the last record of a body, while the records
 * before it carry the previous position: the position moves only once every record of the body was
 * acknowledged, so after a restart an unchanged resource is not emitted again and a half-acknowledged
 * one is emitted again whole (at least once).
 *
 * <p><b>Errors.</b> A connection error, a timeout or a status other than 2xx and 304 (or a body
 * that must be JSON and is not) is logged once when it starts and once when polls succeed again,
 * and the next GET waits {@code http.retry.backoff.ms}, doubling up to {@code http.retry.backoff.max.ms}.
 * The task keeps running.
 *
 * <p><b>Threads.</b> Started from the task's context; the client's answers and the poll timer come
 * back on it. A GET is made only when the runtime read every record of the last one (the queue is
 * empty), so the queue holds at most one body's records.
 */
final class HttpPoller {

    private static final Logger log = LoggerFactory.getLogger(HttpPoller.class);

    static final String URL_FIELD = "url";
    static final String ETAG_FIELD = "etag";
    static final String LAST_MODIFIED_FIELD = "last_modified";
    static final String HASH_FIELD = "hash";

    private final Vertx vertx;
    private final HttpSourceConfig config;
    private final String connector;
    private final RecordQueue queue;
    private final SourceValues values;
    private final Map<String, String> partition;
    private final String authorization;
    private WebClient client;
    /** The last position emitted (not necessarily acknowledged yet): etag, last_modified, hash. */
    private Map<String, Object> position;
    private int failures;
    private long timer = -1;
    private boolean stopped;
    private boolean waitingForDrain;

    HttpPoller(Vertx vertx, HttpSourceConfig config, String connector, RecordQueue queue, Map<String, Object> stored) {
        this.vertx = vertx;
        this.config = config;
        this.connector = connector;
        this.queue = queue;
        this.values = new SourceValues(config);
        this.partition = Map.of(URL_FIELD, config.url);
        this.position = stored == null ? Map.of() : Map.copyOf(stored);
        this.authorization = config.security.authorization();
        queue.drainHandler(v -> {
            if (waitingForDrain) {
                waitingForDrain = false;
                schedule(config.pollIntervalMs);
            }
        });
    }

    /** Creates the client (trust and key stores read asynchronously) and polls at once. */
    Future<Void> start() {
        WebClientOptions options = new WebClientOptions().setConnectTimeout(config.timeoutMs)
                .setFollowRedirects(true).setUserAgent("connect-reactive-http-source/" + HttpSourceConnector.VERSION);
        return HttpSettings.clientOptions(vertx, config.security, options).map(o -> {
            if (stopped) {
                return null;
            }
            client = WebClient.create(vertx, o);
            log.info("HTTP source {}: polling {} every {} ms for topic {}{}", connector, UrlTemplate.redact(config.url),
                    config.pollIntervalMs, config.topic, position.isEmpty() ? "" : " (resuming from its stored position)");
            poll();
            return null;
        });
    }

    private void schedule(long delayMs) {
        if (!stopped) {
            timer = vertx.setTimer(Math.max(1, delayMs), t -> {
                timer = -1;
                poll();
            });
        }
    }

    private void poll() {
        if (stopped) {
            return;
        }
        if (queue.size() > 0) { // the runtime has not read the last body's records yet: poll once it has
            waitingForDrain = true;
            return;
        }
        HttpRequest<Buffer> get = client.getAbs(config.url).timeout(config.timeoutMs).connectTimeout(config.timeoutMs);
        config.headers.forEach(get::putHeader);
        if (authorization != null) {
            get.putHeader("Authorization", authorization);
        }
        if (position.get(ETAG_FIELD) instanceof String etag) {
            get.putHeader("If-None-Match", etag);
        }
        if (position.get(LAST_MODIFIED_FIELD) instanceof String lm) {
            get.putHeader("If-Modified-Since", lm);
        }
        get.send().onComplete(ar -> {
            if (stopped) {
                return;
            }
            String problem = ar.failed() ? String.valueOf(ar.cause()) : answered(ar.result());
            if (problem == null) {
                if (failures > 0) {
                    log.info("HTTP source {}: GET {} succeeds again after {} failures", connector, UrlTemplate.redact(config.url),
                            failures);
                    failures = 0;
                }
                if (!waitingForDrain) {
                    schedule(config.pollIntervalMs);
                }
                return;
            }
            failures++;
            long delay = HttpSinkTask.backoffMs(config.retryBackoffMs, config.retryBackoffMaxMs, failures);
            if (failures == 1) {
                log.warn("HTTP source {}: GET {} failed ({}); retrying in {} ms, backing off to {} ms", connector,
                        UrlTemplate.redact(config.url), problem, delay, config.retryBackoffMaxMs);
            } else {
                log.debug("HTTP source {}: GET failed {} times ({}); next in {} ms", connector, failures, problem, delay);
            }
            schedule(delay);
        });
    }

    /** Emits the records of an answer; returns why it failed, or null. */
    private String answered(HttpResponse<Buffer> response) {
        int status = response.statusCode();
        if (status == 304) {
            return null;
        }
        if (status / 100 != 2) {
            String body = response.bodyAsString();
            return "status " + status + (body == null || body.isEmpty() ? "" : ": " + (body.length() > 200 ? body.substring(0, 200) + "..." : body));
        }
        Buffer body = response.body() == null ? Buffer.buffer() : response.body();
        Map<String, Object> next = new HashMap<>();
        putIfNotNull(next, ETAG_FIELD, response.getHeader("ETag"));
        putIfNotNull(next, LAST_MODIFIED_FIELD, response.getHeader("Last-Modified"));
        next.put(HASH_FIELD, sha256(body));
        if (next.get(HASH_FIELD).equals(position.get(HASH_FIELD))) {
            return null; // unchanged, though the server said 200 (no validators, or new ones for the same body)
        }
        List<SourceRecord> records;
        try {
            records = records(body, Map.copyOf(next));
        } catch (DecodeException e) {
            return "the body is not JSON (" + e.getMessage() + ")";
        }
        position = Map.copyOf(next);
        records.forEach(queue::offer);
        if (!records.isEmpty()) {
            waitingForDrain = true;
        }
        return null;
    }

    private List<SourceRecord> records(Buffer body, Map<String, Object> next) {
        Object parsed = null;
        boolean array = config.jsonSplit && startsWithBracket(body);
        if (array || values.needsJson()) {
            parsed = SourceValues.parse(body);
        }
        List<SourceRecord> out = new ArrayList<>();
        if (array && parsed instanceof JsonArray elements) {
            for (int i = 0; i < elements.size(); i++) {
                Object e = elements.getValue(i);
                Buffer bytes = e instanceof String s ? Buffer.buffer(s) : Buffer.buffer(Json.encode(e));
                out.add(values.record(bytes, e, null, partition, i == elements.size() - 1 ? next : position));
            }
        } else {
            out.add(values.record(body, parsed, null, partition, next));
        }
        return out;
    }

    private static boolean startsWithBracket(Buffer body) {
        for (int i = 0; i < body.length(); i++) {
            byte b = body.getByte(i);
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return b == '[';
            }
        }
        return false;
    }

    private static void putIfNotNull(Map<String, Object> m, String k, String v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    static String sha256(Buffer body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void stop() {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        if (client != null) {
            client.close();
        }
    }
}
