package io.connectreactive.connectors.http;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.api.ReactiveSinkTask;
import io.connectreactive.api.ReactiveTaskContext;
import io.connectreactive.connectors.FailedRecords;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task of {@link HttpSinkConnector}: a native reactive task that sends records with one
 * Vert.x {@link WebClient}, with no thread of its own.
 *
 * <p><b>Threads.</b> Every method is called on the task's context (an event loop), and the client's
 * answers and the task's timers (linger, retry backoff) come back on it; nothing blocks. The trust
 * and key stores are read with Vert.x's asynchronous file system in {@link #open}.
 *
 * <p><b>Order and concurrency.</b> Each consumed partition has a {@link Lane}: its records queue
 * there in offset order, and at most one request of the lane is under way, in flight or waiting
 * for a retry, so a partition's next request goes only after the previous one succeeded (or failed
 * for good). Lanes with a request to send wait in {@link #ready}, first come first served, for one
 * of the {@code http.max.in.flight} slots: different partitions are sent in parallel.
 *
 * <p><b>Flow control.</b> {@link #write} queues its batch and completes once fewer than
 * {@code http.max.in.flight} requests are in flight and fewer than {@code http.max.in.flight ×
 * http.batch.max.records} records wait unsent; until then the runtime hands no more records.
 *
 * <p><b>Retries and failures.</b> A connection error, a timeout, a 5xx or a 429 is retried after a
 * backoff ({@code http.retry.backoff.ms} doubling up to {@code http.retry.backoff.max.ms}, or the
 * answer's {@code Retry-After}), up to {@code http.retry.max} times. A failure for good (any other
 * status, retries spent) goes, record by record, to the task's {@code ErrantRecordReporter} (the
 * dead-letter queue, with an {@link HttpSinkException}'s status and body headers); without one,
 * {@code errors.tolerance=all} skips the records with a log line, and otherwise the task fails
 * through {@link #failure()}: every later {@code write} and flush fails too.
 *
 * <p><b>Offsets.</b> {@link #flushOffsets} waits for the requests in flight to answer (lingering
 * batches keep lingering: their offsets wait for a later commit), then returns, per partition, the offset of its first record not yet settled
 * (answered with a 2xx, or failed for good and reported), never more than the runtime offered: an
 * offset is committed only after every record before it was acknowledged.
 */
public class HttpSinkTask extends ReactiveSinkTask {

    private static final Logger log = LoggerFactory.getLogger(HttpSinkTask.class);

    /** How much of an answer's body a failure message quotes. */
    static final int BODY_EXCERPT = 512;

    private HttpSinkConfig config;
    private String connector;
    private Vertx vertx;
    private WebClient client;
    private HttpMethod method;
    private String authorization;
    private ErrantRecordReporter reporter;
    private JsonConverter json;
    private final Map<TopicPartition, Lane> lanes = new HashMap<>();
    /** Lanes with a request to send, waiting for a slot. */
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();
    /** HTTP requests under way (those of closed lanes too, until they answer). */
    private int inFlight;
    /** Records accepted and not yet in a request. */
    private int queued;
    private int queueBound;
    /** The write waiting for room, or null. */
    private Promise<Void> room;
    private final Promise<Void> failure = Promise.promise();
    private ConnectException failedWith;
    private boolean open;
    private boolean closed;
    /** A Retry-After above {@code http.retry.after.max.ms} was logged. */
    private boolean retryAfterCapLogged;

    @Override
    public String version() {
        return HttpSinkConnector.VERSION;
    }

    @Override
    public Future<Void> open(ReactiveTaskContext<SinkTaskContext> context, Map<String, String> props) {
        if (open || closed) {
            return Future.failedFuture(new IllegalStateException("HttpSinkTask was already opened"));
        }
        try {
            config = new HttpSinkConfig(props);
        } catch (ConfigException e) {
            return Future.failedFuture(new ConnectException("Invalid HttpSinkTask configuration: " + e.getMessage(), e));
        }
        vertx = context.vertx();
        connector = props.getOrDefault("name", "http-sink");
        json = Body.converter();
        method = HttpMethod.valueOf(config.method.name());
        queueBound = Math.max(1, config.maxInFlight * config.batchMaxRecords);
        authorization = config.security.authorization();
        try {
            reporter = context.connect().errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            reporter = null;
        }
        return clientOptions().map(options -> {
            if (closed) {
                return null;
            }
            client = WebClient.create(vertx, options, new PoolOptions().setHttp1MaxSize(config.maxInFlight));
            open = true;
            log.info("HTTP sink {}: task sends {} requests to {} ({} in flight at most, {})", connector, config.method, config.url,
                    config.maxInFlight, config.batching() ? "up to " + config.batchMaxRecords + " records per JSON array"
                            : "one record per request");
            return null;
        });
    }

    /** The client's options, with the trust and key stores read asynchronously. */
    private Future<WebClientOptions> clientOptions() {
        return HttpSettings.clientOptions(vertx, config.security, new WebClientOptions()
                .setConnectTimeout(config.timeoutMs)
                .setKeepAlive(true)
                .setFollowRedirects(false)
                .setUserAgent("connect-reactive-http-sink/" + HttpSinkConnector.VERSION));
    }

    // --- accepting records ---

    @Override
    public Future<Void> write(Collection<SinkRecord> records) {
        if (!open || closed) {
            return Future.failedFuture(new ConnectException("HttpSinkTask of " + connector + " is not open"));
        }
        for (SinkRecord record : records) {
            if (failedWith != null) {
                break;
            }
            accept(record);
        }
        if (failedWith != null) {
            return Future.failedFuture(failedWith);
        }
        if (hasRoom()) {
            return Future.succeededFuture();
        }
        room = Promise.promise();
        return room.future();
    }

    private void accept(SinkRecord record) {
        if (record.value() == null && config.nullValues == HttpSinkConfig.NullValues.IGNORE) {
            return; // nothing to send: its offset commits with those around it
        }
        String url;
        Body body;
        try {
            url = config.url.render(record);
            if (record.value() == null && config.nullValues == HttpSinkConfig.NullValues.FAIL) {
                reject(List.of(record), new HttpSinkException("HTTP sink " + connector + ": record of " + partitionOf(record)
                        + " at offset " + record.originalKafkaOffset() + " has a null value (" + HttpSinkConfig.NULL_VALUES
                        + "=fail)", null, null, UrlTemplate.redact(url), null));
                return;
            }
            body = Body.of(record, config.batching(), json);
        } catch (RuntimeException e) {
            reject(List.of(record), new HttpSinkException("HTTP sink " + connector + ": could not encode the value of the record of "
                    + partitionOf(record) + " at offset " + record.originalKafkaOffset() + ": " + e, null, null,
                    config.url.toString(), e));
            return;
        }
        TopicPartition tp = partitionOf(record);
        Lane lane = lanes.computeIfAbsent(tp, t -> new Lane(t, config, vertx, this::contentType));
        lane.queue.add(new Lane.Entry(record, record.originalKafkaOffset(), url, body, nowMs()));
        lane.bytes += body.bytes().length();
        queued++;
        schedule(lane);
    }

    private static TopicPartition partitionOf(SinkRecord record) {
        return new TopicPartition(record.originalTopic(), record.originalKafkaPartition());
    }

    private boolean hasRoom() {
        return inFlight < config.maxInFlight && queued < queueBound;
    }

    private void checkRoom() {
        if (room != null && (failedWith != null || hasRoom())) {
            Promise<Void> p = room;
            room = null;
            if (failedWith != null) {
                p.fail(failedWith);
            } else {
                p.complete();
            }
        }
    }

    // --- sending ---

    /**
     * Makes the lane ready when it has records and nothing under way: at once, or, for a batch that
     * is not full, when its first record has lingered {@code http.batch.linger.ms}.
     */
    private void schedule(Lane lane) {
        if (lane.closed || lane.request != null || lane.ready || lane.queue.isEmpty() || failedWith != null) {
            return;
        }
        if (config.batching() && config.batchLingerMs > 0 && !lane.full()) {
            long wait = lane.queue.peek().acceptedAtMs() + config.batchLingerMs - nowMs();
            if (wait > 0) {
                if (lane.lingerTimer < 0) {
                    lane.lingerTimer = vertx.setTimer(wait, t -> {
                        lane.lingerTimer = -1;
                        schedule(lane);
                    });
                }
                return;
            }
        }
        lane.cancelLinger();
        lane.ready = true;
        ready.add(lane);
        pump();
    }

    /** Sends requests of ready lanes while slots are free. */
    private void pump() {
        while (inFlight < config.maxInFlight && !ready.isEmpty() && failedWith == null && !closed) {
            Lane lane = ready.poll();
            lane.ready = false;
            if (lane.closed) {
                continue;
            }
            if (lane.request == null) {
                if (lane.queue.isEmpty()) {
                    continue;
                }
                lane.request = lane.take();
                queued -= lane.request.entries.size();
            }
            send(lane, lane.request);
        }
        checkRoom();
    }

    private void send(Lane lane, Request req) {
        req.attempts++;
        inFlight++;
        Promise<Void> settled = Promise.promise();
        req.settled = settled.future();
        Future<HttpResponse<Buffer>> answer;
        try {
            HttpRequest<Buffer> http = client.requestAbs(method, req.url)
                    .timeout(config.timeoutMs)
                    .connectTimeout(config.timeoutMs);
            config.headers.forEach(http::putHeader);
            http.putHeader("Content-Type", req.contentType);
            if (authorization != null) {
                http.putHeader("Authorization", authorization);
            }
            answer = http.sendBuffer(req.body);
        } catch (RuntimeException e) {
            answer = Future.failedFuture(e);
        }
        answer.onComplete(ar -> {
            inFlight--;
            settled.complete();
            if (!closed && !lane.closed && failedWith == null) {
                answered(lane, req, ar.succeeded() ? ar.result() : null, ar.cause());
            }
            pump();
        });
    }

    private void answered(Lane lane, Request req, HttpResponse<Buffer> response, Throwable error) {
        if (response != null && response.statusCode() / 100 == 2) {
            lane.request = null;
            if (lane.failing) {
                lane.failing = false;
                log.info("HTTP sink {}: {} delivered again to {} after {} attempts", connector, lane.tp, UrlTemplate.redact(req.url),
                        req.attempts);
            }
            schedule(lane);
            return;
        }
        Integer status = response == null ? null : response.statusCode();
        String body = response == null ? null : response.bodyAsString();
        boolean retriable = response == null || status >= 500 || status == 429;
        if (retriable && (config.retryMax < 0 || req.attempts <= config.retryMax)) {
            long delay = response == null ? -1 : cappedRetryAfter(retryAfterMs(response.getHeader("Retry-After")), req.url);
            retry(lane, req, delay >= 0 ? delay : backoffMs(config.retryBackoffMs, config.retryBackoffMaxMs, req.attempts),
                    response == null ? String.valueOf(error) : "status " + status + excerpt(body));
            return;
        }
        String what = response == null ? String.valueOf(error) : "status " + status + excerpt(body);
        String message = "HTTP sink " + connector + ": " + config.method + " " + UrlTemplate.redact(req.url) + " for "
                + req.describe(lane.tp) + (retriable ? " failed after " + req.attempts + " attempts: " : " was refused, not retried: ")
                + what;
        lane.request = null;
        lane.failing = false;
        reject(req.records(), new HttpSinkException(message, status, body, UrlTemplate.redact(req.url), error));
        schedule(lane);
    }

    private void retry(Lane lane, Request req, long delayMs, String why) {
        if (!lane.failing) {
            lane.failing = true;
            log.warn("HTTP sink {}: {} {} for {} failed ({}); retrying in {} ms, then every backoff{}", connector, config.method,
                    UrlTemplate.redact(req.url), req.describe(lane.tp), why, delayMs,
                    config.retryMax < 0 ? " until it succeeds" : " up to " + config.retryMax + " retries");
        } else {
            log.debug("HTTP sink {}: attempt {} for {} failed ({}); retrying in {} ms", connector, req.attempts, lane.tp, why, delayMs);
        }
        lane.retryTimer = vertx.setTimer(Math.max(1, delayMs), t -> {
            lane.retryTimer = -1;
            if (!lane.closed && !closed && failedWith == null && !lane.ready) {
                lane.ready = true;
                ready.add(lane);
                pump();
            }
        });
    }

    /** A server's Retry-After ({@code -1}: none) within {@code http.retry.after.max.ms}; the first cut is logged. */
    private long cappedRetryAfter(long retryAfterMs, String url) {
        long capped = capRetryAfter(retryAfterMs, config.retryAfterMaxMs);
        if (capped < retryAfterMs && !retryAfterCapLogged) {
            retryAfterCapLogged = true;
            log.warn("HTTP sink {}: {} asks to wait {} ms (Retry-After); waiting {} ms ({}), and so for any longer Retry-After",
                    connector, UrlTemplate.redact(url), retryAfterMs, capped, HttpSinkConfig.RETRY_AFTER_MAX_MS);
        }
        return capped;
    }

    /** {@code retryAfterMs} (-1: none) at most {@code maxMs}. */
    static long capRetryAfter(long retryAfterMs, long maxMs) {
        return retryAfterMs < 0 ? retryAfterMs : Math.min(retryAfterMs, maxMs);
    }

    /** {@code http.retry.backoff.ms} doubled per retry before this one, capped by {@code http.retry.backoff.max.ms}. */
    static long backoffMs(long backoffMs, long maxMs, int attempts) {
        double d = backoffMs * Math.pow(2, Math.max(0, attempts - 1));
        return (long) Math.min(d, maxMs);
    }

    /** A Retry-After header in ms (delay-seconds or an HTTP date), or -1 when absent or unreadable. */
    static long retryAfterMs(String header) {
        if (header == null || header.isBlank()) {
            return -1;
        }
        String v = header.trim();
        try {
            return Math.max(0, Long.parseLong(v)) * 1000;
        } catch (NumberFormatException e) {
            try {
                return Math.max(0, Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME))
                        .toMillis());
            } catch (RuntimeException e2) {
                return -1;
            }
        }
    }

    private static String excerpt(String body) {
        if (body == null || body.isEmpty()) {
            return "";
        }
        return ": " + (body.length() > BODY_EXCERPT ? body.substring(0, BODY_EXCERPT) + "..." : body);
    }

    /**
     * Records that failed for good: to the task's reporter (the dead-letter queue, the error log);
     * without one, skipped with {@code errors.tolerance=all}; otherwise the task fails.
     */
    private void reject(List<SinkRecord> records, HttpSinkException error) {
        FailedRecords.reject(reporter, config.tolerateAll, records, error, this::failTask, log);
    }

    private void failTask(ConnectException error) {
        if (failedWith != null) {
            return;
        }
        failedWith = error;
        log.error("HTTP sink {}: task fails: {}", connector, error.getMessage());
        lanes.values().forEach(Lane::cancelTimers);
        ready.clear();
        checkRoom();
        failure.tryFail(error);
    }

    @Override
    public Future<Void> failure() {
        return failure.future();
    }

    // --- offsets and partitions ---

    @Override
    public Future<Map<TopicPartition, OffsetAndMetadata>> flushOffsets(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        if (failedWith != null) {
            return Future.failedFuture(failedWith);
        }
        if (!open || closed) {
            return Future.failedFuture(new ConnectException("HttpSinkTask of " + connector + " is not open"));
        }
        List<Future<Void>> answers = new ArrayList<>();
        for (Lane lane : lanes.values()) {
            if (lane.request != null && lane.request.settled != null && !lane.request.settled.isComplete()) {
                answers.add(lane.request.settled);
            }
        }
        Future<?> waited = answers.isEmpty() ? Future.succeededFuture() : Future.join(answers);
        return waited.transform(v -> Future.succeededFuture(committable(currentOffsets)));
    }

    /** Per partition, the runtime's offset, or the first record not yet settled when that is lower. */
    private Map<TopicPartition, OffsetAndMetadata> committable(Map<TopicPartition, OffsetAndMetadata> current) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>(current.size());
        current.forEach((tp, offered) -> {
            Lane lane = lanes.get(tp);
            Long first = lane == null ? null : lane.firstUnsettled();
            out.put(tp, first == null || first >= offered.offset() ? offered : new OffsetAndMetadata(first, offered.metadata()));
        });
        return out;
    }

    /** Revoked partitions: their queued records are dropped (the next owner reads them again), late answers ignored. */
    @Override
    public void close(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            Lane lane = lanes.remove(tp);
            if (lane != null) {
                lane.closed = true;
                lane.cancelTimers();
                queued -= lane.queue.size();
                lane.queue.clear();
            }
        }
        checkRoom();
    }

    @Override
    public Future<Void> close() {
        if (closed) {
            return Future.succeededFuture();
        }
        closed = true;
        lanes.values().forEach(l -> {
            l.closed = true;
            l.cancelTimers();
        });
        lanes.clear();
        ready.clear();
        if (room != null) {
            room.tryComplete();
            room = null;
        }
        if (client == null) {
            return Future.succeededFuture();
        }
        client.close(); // requests still under way fail; their answers are ignored
        return Future.succeededFuture();
    }

    private static long nowMs() {
        return System.nanoTime() / 1_000_000;
    }

    String contentType(Body body) {
        if (body.json()) {
            return "application/json";
        }
        if (config.contentType != null) {
            return config.contentType;
        }
        return body.text() ? "text/plain; charset=UTF-8" : "application/octet-stream";
    }
}
