package io.connectreactive.connectors.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.connectreactive.api.ReactiveTaskContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The webhook's answers at the task's level, with a real Vert.x server and a real HTTP client, the
 * runtime played by the test: it reads the stream (or not) and acknowledges records itself.
 */
class HttpSourceTaskTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private final Vertx vertx = Vertx.vertx();
    private final Context context = vertx.getOrCreateContext();
    private final HttpSourceTask task = new HttpSourceTask();
    private final List<SourceRecord> read = new CopyOnWriteArrayList<>();
    private ReadStream<SourceRecord> stream;

    @AfterEach
    void close() throws Exception {
        on(task::close);
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private void open(Map<String, String> extra) throws Exception {
        Map<String, String> props = new HashMap<>(Map.of("name", "hook", "topic", "t", "http.listen.port", "0",
                "http.listen.host", "127.0.0.1"));
        props.putAll(extra);
        CompletableFuture<ReadStream<SourceRecord>> opened = new CompletableFuture<>();
        context.runOnContext(v -> task.open(new ReactiveTaskContext<>(vertx, context, connect()), props)
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        opened.complete(ar.result());
                    } else {
                        opened.completeExceptionally(ar.cause());
                    }
                }));
        stream = opened.get(10, TimeUnit.SECONDS);
        on(() -> stream.handler(read::add));
    }

    private void on(Runnable r) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(v -> {
            r.run();
            done.complete(null);
        });
        done.get(10, TimeUnit.SECONDS);
    }

    private CompletableFuture<HttpResponse<String>> post(String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + task.port() + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void ack(SourceRecord r) throws Exception {
        on(() -> task.commitRecord(r, new RecordMetadata(new TopicPartition("t", 0), 0, 0, 0, 0, 0)));
    }

    @Test
    void answers200OnlyOnceKafkaAcknowledgedTheRecord() throws Exception {
        open(Map.of("http.key.header", "X-Key"));
        CompletableFuture<HttpResponse<String>> answer = post("/", "hello", Map.of("X-Key", "k1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> read.size() == 1);
        assertThat(read.get(0).value()).isEqualTo("hello");
        assertThat(read.get(0).key()).isEqualTo("k1");
        assertThat(read.get(0).sourcePartition()).isNull();
        Thread.sleep(200); // nothing answers before the acknowledgement (a negative check needs a wait)
        assertThat(answer).isNotDone();
        ack(read.get(0));
        assertThat(answer.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void aFullPendingBoundAnswers429WithRetryAfter() throws Exception {
        open(Map.of("http.max.pending", "1"));
        on(stream::pause); // the runtime reads nothing: the first request stays pending
        CompletableFuture<HttpResponse<String>> first = post("/", "one", Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> task.pending() == 1);
        HttpResponse<String> second = post("/", "two", Map.of()).get(10, TimeUnit.SECONDS);
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.headers().firstValue("Retry-After")).contains("1");
        on(stream::resume);
        await().atMost(Duration.ofSeconds(10)).until(() -> read.size() == 1);
        ack(read.get(0));
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        CompletableFuture<HttpResponse<String>> third = post("/", "three", Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> task.pending() == 1);
        assertThat(third).as("room again: pending until acknowledged, not refused").isNotDone();
    }

    @Test
    void wrongOrMissingCredentialsAnswer401() throws Exception {
        open(Map.of("http.auth.type", "bearer", "http.auth.token", "s3cret"));
        assertThat(post("/", "x", Map.of()).get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(401);
        assertThat(post("/", "x", Map.of("Authorization", "Bearer wrong")).get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(401);
        CompletableFuture<HttpResponse<String>> ok = post("/", "x", Map.of("Authorization", "Bearer s3cret"));
        await().atMost(Duration.ofSeconds(10)).until(() -> read.size() == 1);
        ack(read.get(0));
        assertThat(ok.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void basicAuthenticationIsChecked() throws Exception {
        open(Map.of("http.auth.type", "basic", "http.auth.username", "u", "http.auth.password", "p"));
        String good = "Basic " + java.util.Base64.getEncoder().encodeToString("u:p".getBytes(StandardCharsets.UTF_8));
        String bad = "Basic " + java.util.Base64.getEncoder().encodeToString("u:q".getBytes(StandardCharsets.UTF_8));
        assertThat(post("/", "x", Map.of("Authorization", bad)).get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(401);
        CompletableFuture<HttpResponse<String>> ok = post("/", "x", Map.of("Authorization", good));
        await().atMost(Duration.ofSeconds(10)).until(() -> read.size() == 1);
        ack(read.get(0));
        assertThat(ok.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void aBodyOverTheLimitAnswers413AndOtherPathsAndMethodsAreRefused() throws Exception {
        open(Map.of("http.max.body.bytes", "10", "http.listen.path", "/hook"));
        assertThat(post("/hook", "01234567890", Map.of()).get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(413);
        assertThat(post("/other", "x", Map.of()).get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(404);
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + task.port() + "/hook")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(read).isEmpty();
        assertThat(task.pending()).isZero();
    }

    @Test
    void jsonValuesAndKeysFromAJsonField() throws Exception {
        open(Map.of("http.value.format", "json", "http.key.json.field", "id"));
        CompletableFuture<HttpResponse<String>> ok = post("/", "{\"id\": 42, \"a\": {\"b\": [1, \"x\"]}}", Map.of());
        assertThat(post("/", "not json", Map.of()).get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(400);
        await().atMost(Duration.ofSeconds(10)).until(() -> read.size() == 1);
        assertThat(read.get(0).key()).isEqualTo("42");
        assertThat(read.get(0).value()).isEqualTo(Map.of("id", 42, "a", Map.of("b", List.of(1, "x"))));
        on(() -> task.commitRecord(read.get(0), null)); // dropped by a transform: done, not in the topic
        assertThat(ok.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
    }

    @Test
    void aStoppingTaskAnswers503() throws Exception {
        open(Map.of());
        CompletableFuture<HttpResponse<String>> waiting = post("/", "late", Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> read.size() == 1);
        on(task::close);
        assertThat(waiting.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
    }

    private static SourceTaskContext connect() {
        return new SourceTaskContext() {
            @Override
            public Map<String, String> configs() {
                return Map.of();
            }

            @Override
            public org.apache.kafka.common.metrics.PluginMetrics pluginMetrics() {
                return null;
            }

            @Override
            public OffsetStorageReader offsetStorageReader() {
                return new OffsetStorageReader() {
                    @Override
                    public <T> Map<String, Object> offset(Map<String, T> partition) {
                        return null;
                    }

                    @Override
                    public <T> Map<Map<String, T>, Map<String, Object>> offsets(java.util.Collection<Map<String, T>> partitions) {
                        return Map.of();
                    }
                };
            }
        };
    }
}
