package io.connectreactive.rest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.connectreactive.e2e.ClassicCollectingSink;
import io.connectreactive.e2e.ClassicCounterSource;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * KIP-875 over real HTTP against a real worker and broker: {@code PUT /connectors/{name}/stop}
 * (and {@code initial_state: STOPPED}), and {@code GET}, {@code PATCH} and {@code DELETE
 * /connectors/{name}/offsets} for source connectors (the worker's offset store) and sink connectors
 * (their consumer group), with Kafka Connect's messages and every documented error.
 */
@ExtendWith(KafkaBroker.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StopAndOffsetsApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String IDLE = IdleSourceConnector.class.getName();
    private static final String COUNTER = ClassicCounterSource.class.getName();
    private static final String COLLECTING = ClassicCollectingSink.class.getName();
    private static final String ALTERED = "The offsets for this connector have been altered successfully";
    private static final String RESET = "The offsets for this connector have been reset successfully";
    private static final String FRAMEWORK_ALTERED = "The Connect framework-managed offsets for this connector have been altered "
            + "successfully. However, if this connector manages offsets externally, they will need to be manually altered "
            + "in the system that the connector uses.";
    private static final String FRAMEWORK_RESET = "The Connect framework-managed offsets for this connector have been reset "
            + "successfully. However, if this connector manages offsets externally, they will need to be manually reset "
            + "in the system that the connector uses.";

    private KafkaBroker kafka;
    private TestWorker worker;
    private Path dir;

    @BeforeAll
    void startWorker(KafkaBroker kafka, @TempDir Path dir) {
        this.kafka = kafka;
        this.dir = dir;
        worker = TestWorker.start(kafka, dir, Map.of());
    }

    @AfterAll
    void stopWorker() {
        if (worker != null) {
            worker.close();
        }
    }

    @AfterEach
    void workerStillServes() {
        assertThat(worker.get("/").status()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- stop

    @Test
    void stopAnswers204AndLeavesConnectorStoppedWithoutTasks() {
        String name = unique("stop");
        worker.create(name, Map.of("connector.class", IDLE, "tasks.max", "2"));
        awaitStates(name, "RUNNING", List.of("RUNNING", "RUNNING"));

        TestWorker.Response r = worker.send("PUT", "/connectors/" + name + "/stop", null);
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.body()).isEmpty();

        JsonObject status = worker.status(name);
        assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("STOPPED");
        assertThat(status.getJsonArray("tasks")).isEmpty();
        assertThat(new JsonArray(worker.get("/connectors/" + name + "/tasks").body())).isEmpty();
        assertThat(worker.get("/connectors/" + name).json().getJsonArray("tasks")).isEmpty();
        assertThat(worker.get("/connectors/" + name + "/tasks/0/status").status()).isEqualTo(404);

        // idempotent
        assertThat(worker.send("PUT", "/connectors/" + name + "/stop", null).status()).isEqualTo(204);
        assertThat(worker.status(name).getJsonObject("connector").getString("state")).isEqualTo("STOPPED");
    }

    @Test
    void resumeFromStoppedStartsTheConnectorAndRegeneratesTasks() {
        String name = unique("stop-resume");
        worker.create(name, Map.of("connector.class", IDLE, "tasks.max", "2"));
        awaitStates(name, "RUNNING", List.of("RUNNING", "RUNNING"));
        assertThat(worker.send("PUT", "/connectors/" + name + "/stop", null).status()).isEqualTo(204);

        assertThat(worker.send("PUT", "/connectors/" + name + "/resume", null).status()).isEqualTo(202);
        awaitStates(name, "RUNNING", List.of("RUNNING", "RUNNING"));
        JsonArray tasks = new JsonArray(worker.get("/connectors/" + name + "/tasks").body());
        assertThat(tasks).hasSize(2);
        assertThat(tasks.getJsonObject(1).getJsonObject("config").getString("task.index")).isEqualTo("1");
    }

    @Test
    void pauseFromStoppedStartsTheConnectorPaused() {
        String name = unique("stop-pause");
        worker.create(name, Map.of("connector.class", IDLE, "tasks.max", "1"));
        awaitStates(name, "RUNNING", List.of("RUNNING"));
        assertThat(worker.send("PUT", "/connectors/" + name + "/stop", null).status()).isEqualTo(204);

        assertThat(worker.send("PUT", "/connectors/" + name + "/pause", null).status()).isEqualTo(202);
        awaitStates(name, "PAUSED", List.of("PAUSED"));
    }

    @Test
    void createWithInitialStateStoppedIsLikeAStoppedConnector() {
        String name = unique("initially-stopped");
        TestWorker.Response created = worker.send("POST", "/connectors", new JsonObject().put("name", name)
                .put("initial_state", "STOPPED")
                .put("config", new JsonObject().put("connector.class", IDLE).put("tasks.max", "2")).encode());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().getJsonArray("tasks")).isEmpty();
        JsonObject status = worker.status(name);
        assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("STOPPED");
        assertThat(status.getJsonArray("tasks")).isEmpty();

        // offsets may be changed right away, as for a connector stopped with PUT .../stop
        TestWorker.Response altered = patchOffsets(name, offsets(new JsonObject().put("p", 1), new JsonObject().put("o", 2)));
        assertThat(altered.status()).as(altered.body()).isEqualTo(200);

        assertThat(worker.send("PUT", "/connectors/" + name + "/resume", null).status()).isEqualTo(202);
        awaitStates(name, "RUNNING", List.of("RUNNING", "RUNNING"));
    }

    @Test
    void stopOfAnUnknownConnectorIs404() {
        TestWorker.Response r = worker.send("PUT", "/connectors/" + unique("nope") + "/stop", null);
        assertError(r, 404);
        assertThat(r.json().getString("message")).endsWith(" not found");
    }

    // ---------------------------------------------------------------- source offsets

    @Test
    void sourceOffsetsAreReadWhileRunningAndAlteredWhenStoppedThenUsedOnResume() {
        String name = unique("src-offsets");
        String topic = KafkaBroker.uniqueTopic("src-offsets");
        worker.create(name, Map.of("connector.class", COUNTER, "topic", topic, "count", "10"));
        await().atMost(WAIT).until(() -> kafka.endOffset(topic) == 10);
        JsonObject expected = new JsonObject().put("offsets", new JsonArray().add(new JsonObject()
                .put("partition", new JsonObject().put("counter", name))
                .put("offset", new JsonObject().put("n", 9))));
        await().atMost(WAIT).untilAsserted(() -> assertThat(offsetsOf(name)).isEqualTo(expected));

        TestWorker.Response running = patchOffsets(name, offsets(new JsonObject().put("counter", name), new JsonObject().put("n", 4)));
        assertError(running, 400);
        assertThat(running.json().getString("message")).isEqualTo("Connectors must be in the STOPPED state before their offsets "
                + "can be modified. This can be done for the specified connector by issuing a 'PUT' request to the "
                + "'/connectors/" + name + "/stop' endpoint");

        assertThat(worker.send("PUT", "/connectors/" + name + "/stop", null).status()).isEqualTo(204);
        TestWorker.Response altered = patchOffsets(name, offsets(new JsonObject().put("counter", name), new JsonObject().put("n", 4)));
        assertThat(altered.status()).as(altered.body()).isEqualTo(200);
        assertThat(altered.json()).isEqualTo(new JsonObject().put("message", FRAMEWORK_ALTERED));
        assertThat(offsetsOf(name).getJsonArray("offsets").getJsonObject(0).getJsonObject("offset"))
                .isEqualTo(new JsonObject().put("n", 4));

        assertThat(worker.send("PUT", "/connectors/" + name + "/resume", null).status()).isEqualTo(202);
        await().atMost(WAIT).until(() -> kafka.endOffset(topic) == 15); // 5..9 again
    }

    @Test
    void sourceOffsetsResetRemovesEveryPartitionAndTheConnectorStartsOver() {
        String name = unique("src-reset");
        String topic = KafkaBroker.uniqueTopic("src-reset");
        worker.create(name, Map.of("connector.class", COUNTER, "topic", topic, "count", "10"));
        await().atMost(WAIT).until(() -> kafka.endOffset(topic) == 10);
        await().atMost(WAIT).until(() -> !offsetsOf(name).getJsonArray("offsets").isEmpty());

        assertError(worker.send("DELETE", "/connectors/" + name + "/offsets", null), 400);
        assertThat(worker.send("PUT", "/connectors/" + name + "/stop", null).status()).isEqualTo(204);
        TestWorker.Response reset = worker.send("DELETE", "/connectors/" + name + "/offsets", null);
        assertThat(reset.status()).as(reset.body()).isEqualTo(200);
        assertThat(reset.json()).isEqualTo(new JsonObject().put("message", FRAMEWORK_RESET));
        assertThat(offsetsOf(name)).isEqualTo(new JsonObject().put("offsets", new JsonArray()));

        // idempotent: nothing left to reset
        assertThat(worker.send("DELETE", "/connectors/" + name + "/offsets", null).status()).isEqualTo(200);

        assertThat(worker.send("PUT", "/connectors/" + name + "/resume", null).status()).isEqualTo(202);
        await().atMost(WAIT).until(() -> kafka.endOffset(topic) == 20);
    }

    @Test
    void aNullSourceOffsetRemovesItsPartitionOnly() {
        String name = unique("src-null");
        createStopped(name, Map.of("connector.class", IDLE));
        JsonObject p1 = new JsonObject().put("shard", 1);
        JsonObject p2 = new JsonObject().put("shard", 2);
        JsonObject body = new JsonObject().put("offsets", new JsonArray()
                .add(new JsonObject().put("partition", p1).put("offset", new JsonObject().put("pos", 10)))
                .add(new JsonObject().put("partition", p2).put("offset", new JsonObject().put("pos", "x"))));
        assertThat(worker.send("PATCH", "/connectors/" + name + "/offsets", body.encode()).status()).isEqualTo(200);
        assertThat(offsetsOf(name).getJsonArray("offsets")).hasSize(2);

        TestWorker.Response removed = patchOffsets(name, offsets(p2, null));
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(offsetsOf(name)).isEqualTo(new JsonObject().put("offsets", new JsonArray().add(
                new JsonObject().put("partition", p1).put("offset", new JsonObject().put("pos", 10)))));
    }

    @Test
    void aConnectorWhoseAlterOffsetsAgreesGetsTheDefiniteMessage() throws Exception {
        String name = unique("file-src");
        Path file = dir.resolve(name + ".txt");
        Files.writeString(file, "a\nb\n");
        createStopped(name, Map.of("connector.class", "FileStreamSource", "file", file.toString(),
                "topic", KafkaBroker.uniqueTopic("file-src")));
        JsonObject partition = new JsonObject().put("filename", file.toString());

        TestWorker.Response altered = patchOffsets(name, offsets(partition, new JsonObject().put("position", 2)));
        assertThat(altered.status()).as(altered.body()).isEqualTo(200);
        assertThat(altered.json().getString("message")).isEqualTo(ALTERED);
        TestWorker.Response reset = worker.send("DELETE", "/connectors/" + name + "/offsets", null);
        assertThat(reset.json().getString("message")).isEqualTo(RESET);
    }

    @Test
    void anOffsetOfTheWrongTypeIs400WithTheConnectorsMessage() throws Exception {
        String name = unique("file-src-bad");
        Path file = dir.resolve(name + ".txt");
        Files.writeString(file, "a\n");
        createStopped(name, Map.of("connector.class", "FileStreamSource", "file", file.toString(),
                "topic", KafkaBroker.uniqueTopic("file-src")));

        TestWorker.Response r = patchOffsets(name, offsets(new JsonObject().put("filename", file.toString()),
                new JsonObject().put("position", "abc")));
        assertError(r, 400);
        assertThat(r.json().getString("message")).startsWith("Offset position is the incorrect type");
        assertThat(offsetsOf(name).getJsonArray("offsets")).isEmpty();
    }

    @Test
    void aNonPrimitiveSourceOffsetValueIs400() {
        String name = unique("src-nested");
        createStopped(name, Map.of("connector.class", IDLE));
        TestWorker.Response r = patchOffsets(name, offsets(new JsonObject().put("p", 1),
                new JsonObject().put("o", new JsonObject().put("nested", 1))));
        assertError(r, 400);
        assertThat(r.json().getString("message")).isEqualTo("Offsets may only contain primitive types as values, but field o contains MAP");
    }

    // ---------------------------------------------------------------- sink offsets

    @Test
    void sinkOffsetsComeFromTheConsumerGroupAndAreAlteredAndResetWhenStopped() {
        String topic = KafkaBroker.uniqueTopic("sink-offsets");
        worker.create(unique("feed"), Map.of("connector.class", COUNTER, "topic", topic, "count", "5"));
        await().atMost(WAIT).until(() -> kafka.endOffset(topic) == 5);
        String name = unique("sink-offsets");
        worker.create(name, Map.of("connector.class", COLLECTING, "topics", topic));
        JsonObject partition = new JsonObject().put("kafka_topic", topic).put("kafka_partition", 0);
        await().atMost(WAIT).untilAsserted(() -> assertThat(offsetsOf(name)).isEqualTo(new JsonObject().put("offsets",
                new JsonArray().add(new JsonObject().put("partition", partition).put("offset", new JsonObject().put("kafka_offset", 5))))));
        assertThat(ClassicCollectingSink.VALUES.get(name)).hasSize(5);

        assertError(patchOffsets(name, offsets(partition, new JsonObject().put("kafka_offset", 2))), 400);
        assertThat(worker.send("PUT", "/connectors/" + name + "/stop", null).status()).isEqualTo(204);

        TestWorker.Response altered = patchOffsets(name, offsets(partition, new JsonObject().put("kafka_offset", 2)));
        assertThat(altered.status()).as(altered.body()).isEqualTo(200);
        assertThat(altered.json().getString("message")).isEqualTo(FRAMEWORK_ALTERED);
        assertThat(offsetsOf(name).getJsonArray("offsets").getJsonObject(0).getJsonObject("offset").getLong("kafka_offset"))
                .isEqualTo(2L);

        assertThat(worker.send("PUT", "/connectors/" + name + "/resume", null).status()).isEqualTo(202);
        await().atMost(WAIT).until(() -> ClassicCollectingSink.VALUES.get(name).size() == 8); // 2, 3, 4 again
        await().atMost(WAIT).until(() -> offsetsOf(name).getJsonArray("offsets").getJsonObject(0)
                .getJsonObject("offset").getLong("kafka_offset") == 5L);

        assertThat(worker.send("PUT", "/connectors/" + name + "/stop", null).status()).isEqualTo(204);
        TestWorker.Response reset = worker.send("DELETE", "/connectors/" + name + "/offsets", null);
        assertThat(reset.status()).as(reset.body()).isEqualTo(200);
        assertThat(reset.json().getString("message")).isEqualTo(FRAMEWORK_RESET);
        assertThat(offsetsOf(name)).isEqualTo(new JsonObject().put("offsets", new JsonArray()));
        assertThat(worker.send("DELETE", "/connectors/" + name + "/offsets", null).status()).isEqualTo(200);

        assertThat(worker.send("PUT", "/connectors/" + name + "/resume", null).status()).isEqualTo(202);
        await().atMost(WAIT).until(() -> ClassicCollectingSink.VALUES.get(name).size() == 13); // everything again
    }

    @Test
    void aNullSinkOffsetDeletesThatPartitionsCommittedOffset() {
        String topic = KafkaBroker.uniqueTopic("sink-null");
        String name = unique("file-sink");
        createStopped(name, Map.of("connector.class", "FileStreamSinkConnector", "topics", topic,
                "file", dir.resolve(name + ".out").toString()));
        JsonObject partition = new JsonObject().put("kafka_topic", topic).put("kafka_partition", 0);
        worker.create(unique("feed"), Map.of("connector.class", COUNTER, "topic", topic, "count", "3"));
        await().atMost(WAIT).until(() -> kafka.endOffset(topic) == 3);

        TestWorker.Response altered = patchOffsets(name, offsets(partition, new JsonObject().put("kafka_offset", "1")));
        assertThat(altered.status()).as(altered.body()).isEqualTo(200);
        assertThat(altered.json().getString("message")).isEqualTo(ALTERED); // FileStreamSinkConnector.alterOffsets says true
        assertThat(offsetsOf(name).getJsonArray("offsets")).hasSize(1);

        TestWorker.Response removed = patchOffsets(name, offsets(partition, null));
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(offsetsOf(name)).isEqualTo(new JsonObject().put("offsets", new JsonArray()));
    }

    @Test
    void malformedSinkOffsetsAre400WithKafkaConnectsMessages() {
        String name = unique("sink-bad");
        createStopped(name, Map.of("connector.class", COLLECTING, "topics", KafkaBroker.uniqueTopic("sink-bad")));
        assertThat(message(patchOffsets(name, offsets(new JsonObject().put("kafka_topic", "t"), new JsonObject().put("kafka_offset", 1)))))
                .isEqualTo("The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'");
        assertThat(message(patchOffsets(name, offsets(new JsonObject().put("kafka_topic", "t").put("kafka_partition", "x"),
                new JsonObject().put("kafka_offset", 1)))))
                .isEqualTo("Failed to parse the following Kafka partition value in the provided offsets: 'x'. "
                        + "Partition values for sink connectors need to be integers.");
        assertThat(message(patchOffsets(name, offsets(new JsonObject().put("kafka_topic", "t").put("kafka_partition", 0),
                new JsonObject().put("kafka_offset", "many")))))
                .isEqualTo("Failed to parse the following Kafka offset value in the provided offsets: 'many'. "
                        + "Offset values for sink connectors need to be integers.");
        assertThat(message(patchOffsets(name, offsets(new JsonObject().put("kafka_topic", "t").put("kafka_partition", 0),
                new JsonObject().put("position", 1)))))
                .isEqualTo("The offset for a sink connector should either be null or contain the key 'kafka_offset'");
    }

    // ---------------------------------------------------------------- request errors

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"offsets\": []}", "{\"offsets\": null}"})
    void aMissingOrEmptyOffsetListIs400(String body) {
        String name = unique("empty");
        createStopped(name, Map.of("connector.class", IDLE));
        TestWorker.Response r = worker.send("PATCH", "/connectors/" + name + "/offsets", body);
        assertError(r, 400);
        assertThat(r.json().getString("message")).isEqualTo("Partitions / offsets need to be provided for an alter offsets request");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "[1]", "{\"offsets\": 5}", "{\"offsets\": [5]}",
            "{\"offsets\": [{\"partition\": 1, \"offset\": {}}]}", "{\"offsets\": [{\"partition\": {}, \"offset\": []}]}"})
    void aMalformedOffsetsBodyIs400(String body) {
        String name = unique("malformed");
        createStopped(name, Map.of("connector.class", IDLE));
        assertError(worker.send("PATCH", "/connectors/" + name + "/offsets", body), 400);
    }

    @Test
    void offsetsOfAnUnknownConnectorAre404() {
        String name = unique("unknown");
        assertError(worker.get("/connectors/" + name + "/offsets"), 404);
        assertError(patchOffsets(name, offsets(new JsonObject().put("p", 1), new JsonObject().put("o", 1))), 404);
        assertError(worker.send("DELETE", "/connectors/" + name + "/offsets", null), 404);
    }

    // ---------------------------------------------------------------- helpers

    private void createStopped(String name, Map<String, String> config) {
        TestWorker.Response r = worker.send("POST", "/connectors", new JsonObject().put("name", name).put("initial_state", "STOPPED")
                .put("config", new JsonObject(new HashMap<>(config))).encode());
        assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    private JsonObject offsetsOf(String name) {
        TestWorker.Response r = worker.get("/connectors/" + name + "/offsets");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private TestWorker.Response patchOffsets(String name, JsonObject body) {
        return worker.send("PATCH", "/connectors/" + name + "/offsets", body.encode());
    }

    private static JsonObject offsets(JsonObject partition, JsonObject offset) {
        return new JsonObject().put("offsets", new JsonArray().add(new JsonObject().put("partition", partition).put("offset", offset)));
    }

    private void awaitStates(String name, String connector, List<String> tasks) {
        await().atMost(WAIT).untilAsserted(() -> {
            JsonObject status = worker.status(name);
            assertThat(status.getJsonObject("connector").getString("state")).isEqualTo(connector);
            assertThat(status.getJsonArray("tasks").stream().map(t -> ((JsonObject) t).getString("state")).toList())
                    .isEqualTo(tasks);
        });
    }

    private static String message(TestWorker.Response r) {
        assertError(r, 400);
        return r.json().getString("message");
    }

    static void assertError(TestWorker.Response r, int status) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        JsonObject body = r.json();
        assertThat(body.fieldNames()).containsExactlyInAnyOrder("error_code", "message");
        assertThat(body.getInteger("error_code")).isEqualTo(status);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
