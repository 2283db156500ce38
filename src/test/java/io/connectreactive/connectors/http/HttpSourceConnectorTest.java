package io.connectreactive.connectors.http;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The HTTP source end to end: real broker, a real worker, real HTTP callers and servers. */
@ExtendWith(KafkaBroker.class)
class HttpSourceConnectorTest {

    private static final String STRING = "org.apache.kafka.connect.storage.StringConverter";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;
    private static TestWorker worker;
    private static KafkaBroker kafka;

    @BeforeAll
    static void startWorker(KafkaBroker broker) {
        kafka = broker;
        worker = TestWorker.start(broker, dir, Map.of());
    }

    @AfterAll
    static void stopWorker() {
        worker.close();
    }

    @Test
    void everyBodyAnswered200IsInKafkaAsSentWithItsHeaderKey() throws Exception {
        int port = freePort();
        String topic = KafkaBroker.uniqueTopic("hook");
        worker.create("hook", webhook(topic, port, Map.of("http.key.header", "X-Key")));
        awaitListening(port);
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            answers.add(post(port, "/", "body-" + i + " \u00fc", Map.of("X-Key", "k" + i)));
        }
        Map<String, String> sent = new HashMap<>();
        for (int i = 0; i < answers.size(); i++) {
            assertThat(answers.get(i).get().statusCode()).isEqualTo(200);
            sent.put("k" + i, "body-" + i + " \u00fc");
        }
        assertThat(readAll(topic, 200)).containsExactlyInAnyOrderEntriesOf(sent);
    }

    @Test
    void keysComeFromATopLevelJsonField() throws Exception {
        int port = freePort();
        String topic = KafkaBroker.uniqueTopic("hook-json");
        worker.create("hook-json", webhook(topic, port, Map.of("http.key.json.field", "id")));
        awaitListening(port);
        assertThat(post(port, "/", "{\"id\":\"a-1\",\"n\":1}", Map.of()).get().statusCode()).isEqualTo(200);
        assertThat(post(port, "/", "{\"id\":7}", Map.of()).get().statusCode()).isEqualTo(200);
        assertThat(readAll(topic, 2)).containsExactlyInAnyOrderEntriesOf(Map.of("a-1", "{\"id\":\"a-1\",\"n\":1}", "7", "{\"id\":7}"));
    }

    @Test
    void aWorkerStoppedMidStreamLosesNoBodyThatGot200(@TempDir Path own) throws Exception {
        int port = freePort();
        String topic = KafkaBroker.uniqueTopic("hook-kill");
        List<String> acked = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger sentCount = new AtomicInteger();
        try (TestWorker w = TestWorker.start(kafka, own, Map.of())) {
            w.create("hook-kill", webhook(topic, port, Map.of()));
            awaitListening(port);
            Thread callers = new Thread(() -> {
                for (int i = 0; i < 100_000 && !Thread.currentThread().isInterrupted(); i++) {
                    String body = "m-" + i;
                    sentCount.incrementAndGet();
                    try {
                        if (post(port, "/", body, Map.of()).get().statusCode() == 200) {
                            acked.add(body);
                        }
                    } catch (Exception e) {
                        return; // the server went away
                    }
                }
            });
            callers.start();
            await().atMost(WAIT).until(() -> acked.size() >= 50);
            // the worker stops while requests are under way
        }
        await().atMost(WAIT).until(() -> sentCount.get() > 0);
        assertThat(acked).isNotEmpty();
        Map<String, String> inKafka = readAll(topic, acked.size());
        assertThat(inKafka.values()).containsAll(acked);
    }

    @Test
    void pollEmitsOnlyChangesWithETagAndSplitsArraysAndRetriesErrors(@TempDir Path own) throws Exception {
        String topic = KafkaBroker.uniqueTopic("poll");
        try (TestHttpServer server = TestHttpServer.start()) {
            AtomicInteger version = new AtomicInteger(1);
            AtomicInteger failing = new AtomicInteger();
            server.respond = r -> {
                if (failing.get() > 0) {
                    failing.decrementAndGet();
                    return TestHttpServer.Answer.of(500, "down");
                }
                String etag = "\"v" + version.get() + "\"";
                if (etag.equals(r.headers().get("If-None-Match"))) {
                    return new TestHttpServer.Answer(304, "", Map.of("ETag", etag), 0);
                }
                String body = version.get() == 1 ? "[{\"id\":\"a\"},{\"id\":\"b\"}]" : "[{\"id\":\"c\"}]";
                return new TestHttpServer.Answer(200, body, Map.of("ETag", etag), 0);
            };
            Map<String, String> config = poll(topic, server.url("/items"), Map.of("http.key.json.field", "id",
                    "http.poll.interval.ms", "100", "http.retry.backoff.ms", "50"));
            try (TestWorker w = TestWorker.start(kafka, own, Map.of())) {
                w.create("poll", config);
                assertThat(readAll(topic, 2)).containsExactlyInAnyOrderEntriesOf(Map.of("a", "{\"id\":\"a\"}", "b", "{\"id\":\"b\"}"));
                await().atMost(WAIT).until(() -> server.receivedSnapshot().stream().filter(r -> "\"v1\"".equals(r.headers().get("If-None-Match")))
                        .count() >= 3);
                failing.set(3); // three 500s, retried, then the new version
                version.set(2);
                await().atMost(WAIT).until(() -> failing.get() == 0);
                assertThat(readAll(topic, 3)).containsEntry("c", "{\"id\":\"c\"}").hasSize(3);
                await().atMost(WAIT).until(() -> server.receivedSnapshot().stream().filter(r -> "\"v2\"".equals(r.headers().get("If-None-Match")))
                        .count() >= 1);
                await().atMost(WAIT).until(() -> w.get("/connectors/poll/offsets").body().contains("v2")); // the position committed
            }
            int before = server.received.size();
            try (TestWorker w = TestWorker.start(kafka, own, Map.of())) { // the connector is in the worker's config store
                await().atMost(WAIT).until(() -> server.received.size() >= before + 3);
                assertThat(server.received.subList(before, before + 1).get(0).headers().get("If-None-Match"))
                        .as("the first GET after the restart sends the stored ETag").isEqualTo("\"v2\"");
            }
            assertThat(readAll(topic, 3)).as("nothing emitted again after the restart").hasSize(3);
        }
    }

    @Test
    void invalidConfigurationsAreRefusedWith400() {
        JsonObject noPort = new JsonObject().put("connector.class", "HttpSource").put("topic", "t");
        TestWorker.Response created = worker.send("POST", "/connectors",
                new JsonObject().put("name", "bad-src").put("config", noPort).encode());
        assertThat(created.status()).isEqualTo(400);
        assertThat(created.body()).contains("http.listen.port is required when http.mode is webhook");
        JsonObject twoTasks = noPort.copy().put("http.listen.port", "1").put("tasks.max", "2");
        created = worker.send("POST", "/connectors", new JsonObject().put("name", "bad-src").put("config", twoTasks).encode());
        assertThat(created.status()).isEqualTo(400);
        assertThat(created.body()).contains("tasks.max must be 1");
        JsonObject pollNoUrl = noPort.copy().put("http.mode", "poll");
        created = worker.send("POST", "/connectors", new JsonObject().put("name", "bad-src").put("config", pollNoUrl).encode());
        assertThat(created.status()).isEqualTo(400);
        assertThat(created.body()).contains("http.url is required when http.mode is poll");
    }

    // --- helpers ---

    private static Map<String, String> webhook(String topic, int port, Map<String, String> extra) {
        Map<String, String> c = new HashMap<>(Map.of("connector.class", "HttpSource", "topic", topic, "http.listen.port",
                String.valueOf(port), "http.listen.host", "127.0.0.1", "key.converter", STRING, "value.converter", STRING));
        c.putAll(extra);
        return c;
    }

    private static Map<String, String> poll(String topic, String url, Map<String, String> extra) {
        Map<String, String> c = new HashMap<>(Map.of("connector.class", "HttpSource", "topic", topic, "http.mode", "poll",
                "http.url", url, "key.converter", STRING, "value.converter", STRING));
        c.putAll(extra);
        return c;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void awaitListening(int port) {
        await().atMost(WAIT).ignoreExceptions().until(() -> HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/not-the-hook")).GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode() == 404);
    }

    private static CompletableFuture<HttpResponse<String>> post(int port, String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Key to value of the topic's records once at least {@code atLeast} are there (or the values by themselves when keyless). */
    private static Map<String, String> readAll(String topic, int atLeast) {
        Map<String, String> out = new HashMap<>();
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            await().atMost(WAIT).until(() -> c.partitionsFor(topic) != null && !c.partitionsFor(topic).isEmpty());
            List<TopicPartition> tps = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            int[] n = {0};
            await().atMost(WAIT).until(() -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    out.put(r.key() == null ? "#" + n[0] : r.key(), r.value());
                    n[0]++;
                }
                return n[0] >= atLeast && c.poll(Duration.ofMillis(300)).isEmpty();
            });
            assertThat(n[0]).as("records in " + topic).isEqualTo(out.size());
        }
        return out;
    }
}
