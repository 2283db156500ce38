package io.connectreactive.rest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.connectreactive.config.WorkerConfig;
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

import static io.connectreactive.rest.StopAndOffsetsApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code PATCH /connectors/{name}/config} (KIP-477), active topic tracking (KIP-558:
 * {@code GET /connectors/{name}/topics}, {@code PUT .../topics/reset}, {@code topic.tracking.*}) and
 * the plugin versions in status bodies (Kafka Connect 4.1+), over real HTTP against real workers.
 */
@ExtendWith(KafkaBroker.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PatchTopicsAndVersionsApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String IDLE = IdleSourceConnector.class.getName();

    private KafkaBroker kafka;
    private TestWorker worker;
    private Path dir;

    @BeforeAll
    void startWorker(KafkaBroker kafka, @TempDir Path dir) {
        this.kafka = kafka;
        this.dir = dir;
        worker = TestWorker.start(kafka, dir.resolve("main"), Map.of());
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

    // ---------------------------------------------------------------- PATCH config

    @Test
    void patchMergesRemovesNullKeysAndAnswers200WithTheConnectorInfo() {
        String name = unique("patch");
        worker.create(name, Map.of("connector.class", IDLE, "tasks.max", "1", "extra.a", "1", "extra.b", "2"));
        awaitStates(name, "RUNNING", List.of("RUNNING"));

        TestWorker.Response r = worker.send("PATCH", "/connectors/" + name + "/config",
                "{\"tasks.max\": 2, \"extra.a\": null, \"extra.c\": \"3\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonObject expectedConfig = new JsonObject().put("connector.class", IDLE).put("tasks.max", "2")
                .put("extra.b", "2").put("extra.c", "3").put("name", name);
        assertThat(r.json().getString("name")).isEqualTo(name);
        assertThat(r.json().getJsonObject("config")).isEqualTo(expectedConfig);
        assertThat(r.json().getString("type")).isEqualTo("source");
        assertThat(worker.get("/connectors/" + name + "/config").json()).isEqualTo(expectedConfig);
        awaitStates(name, "RUNNING", List.of("RUNNING", "RUNNING"));
    }

    @Test
    void anEmptyPatchKeepsTheConfig() {
        String name = unique("patch-empty");
        worker.create(name, Map.of("connector.class", IDLE));
        TestWorker.Response r = worker.send("PATCH", "/connectors/" + name + "/config", "{}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().getJsonObject("config")).isEqualTo(new JsonObject().put("connector.class", IDLE).put("name", name));
    }

    @Test
    void patchOfAnUnknownConnectorIs404() {
        String name = unique("patch-none");
        TestWorker.Response r = worker.send("PATCH", "/connectors/" + name + "/config", "{\"tasks.max\": \"2\"}");
        assertError(r, 404);
        assertThat(r.json().getString("message")).isEqualTo("Connector " + name + " not found");
        assertThat(worker.get("/connectors/" + name).status()).isEqualTo(404);
    }

    @Test
    void anInvalidPatchIs400AsForPutAndKeepsTheOldConfig() {
        String name = unique("patch-invalid");
        worker.create(name, Map.of("connector.class", IDLE, "tasks.max", "1"));
        TestWorker.Response r = worker.send("PATCH", "/connectors/" + name + "/config", "{\"tasks.max\": \"0\"}");
        assertError(r, 400);
        assertThat(r.json().getString("message")).startsWith("Connector configuration is invalid and contains the following 1 error(s):");
        assertThat(worker.get("/connectors/" + name + "/config").json().getString("tasks.max")).isEqualTo("1");

        TestWorker.Response noClass = worker.send("PATCH", "/connectors/" + name + "/config", "{\"connector.class\": null}");
        assertError(noClass, 400);
        assertThat(noClass.json().getString("message")).contains("contains no connector type");
    }

    @Test
    void aPatchedNameThatDiffersFromTheUrlIs400() {
        String name = unique("patch-name");
        worker.create(name, Map.of("connector.class", IDLE));
        TestWorker.Response r = worker.send("PATCH", "/connectors/" + name + "/config", "{\"name\": \"other\"}");
        assertError(r, 400);
        assertThat(r.json().getString("message"))
                .isEqualTo("Connector name configuration (other) doesn't match connector name in the URL (" + name + ")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "[]", "{\"tasks.max\": {\"n\": 1}}", "{\"a\": [1]}"})
    void aMalformedPatchBodyIs400(String body) {
        String name = unique("patch-bad");
        worker.create(name, Map.of("connector.class", IDLE));
        assertError(worker.send("PATCH", "/connectors/" + name + "/config", body), 400);
    }

    // ---------------------------------------------------------------- versions

    @Test
    void statusShowsTheConnectorsAndTasksPluginVersions() {
        String name = unique("versions");
        worker.create(name, Map.of("connector.class", IDLE, "tasks.max", "2"));
        awaitStates(name, "RUNNING", List.of("RUNNING", "RUNNING"));
        JsonObject status = worker.status(name);
        assertThat(status.getJsonObject("connector").getString("version")).isEqualTo("1.0-test");
        status.getJsonArray("tasks").forEach(t -> assertThat(((JsonObject) t).getString("version")).isEqualTo("1.0-test"));
        assertThat(worker.get("/connectors/" + name + "/tasks/1/status").json().getString("version")).isEqualTo("1.0-test");
        assertThat(status.getJsonObject("connector").fieldNames()).containsExactlyInAnyOrder("state", "worker_id", "version");
    }

    // ---------------------------------------------------------------- active topics

    @Test
    void sourceAndSinkConnectorsListTheTopicsTheyUsed() {
        String topic = KafkaBroker.uniqueTopic("active");
        String source = unique("active-src");
        worker.create(source, Map.of("connector.class", ClassicCounterSource.class.getName(), "topic", topic, "count", "3"));
        String sink = unique("active-sink");
        worker.create(sink, Map.of("connector.class", ClassicCollectingSink.class.getName(), "topics", topic));

        JsonObject expectedSource = new JsonObject().put(source, new JsonObject().put("topics", new JsonArray().add(topic)));
        JsonObject expectedSink = new JsonObject().put(sink, new JsonObject().put("topics", new JsonArray().add(topic)));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(worker.get("/connectors/" + source + "/topics").json()).isEqualTo(expectedSource);
            assertThat(worker.get("/connectors/" + sink + "/topics").json()).isEqualTo(expectedSink);
        });
    }

    @Test
    void resetEmptiesTheSetWhichFillsAgainAsRecordsFlow() throws Exception {
        Path file = dir.resolve("reset-" + UUID.randomUUID() + ".txt");
        Files.writeString(file, "one\n");
        String topic = KafkaBroker.uniqueTopic("reset");
        String name = unique("reset");
        worker.create(name, Map.of("connector.class", "FileStreamSource", "file", file.toString(), "topic", topic));
        JsonObject used = new JsonObject().put(name, new JsonObject().put("topics", new JsonArray().add(topic)));
        await().atMost(WAIT).untilAsserted(() -> assertThat(worker.get("/connectors/" + name + "/topics").json()).isEqualTo(used));

        TestWorker.Response reset = worker.send("PUT", "/connectors/" + name + "/topics/reset", null);
        assertThat(reset.status()).isEqualTo(202);
        assertThat(reset.body()).isEmpty();
        assertThat(worker.get("/connectors/" + name + "/topics").json())
                .isEqualTo(new JsonObject().put(name, new JsonObject().put("topics", new JsonArray())));

        Files.writeString(file, "two\n", StandardOpenOption.APPEND);
        await().atMost(WAIT).untilAsserted(() -> assertThat(worker.get("/connectors/" + name + "/topics").json()).isEqualTo(used));
    }

    @Test
    void deletingAConnectorForgetsItsTopics() {
        String topic = KafkaBroker.uniqueTopic("deleted");
        String name = unique("deleted");
        worker.create(name, Map.of("connector.class", ClassicCounterSource.class.getName(), "topic", topic, "count", "1"));
        await().atMost(WAIT).until(() -> !worker.get("/connectors/" + name + "/topics").json()
                .getJsonObject(name).getJsonArray("topics").isEmpty());
        assertThat(worker.send("DELETE", "/connectors/" + name, null).status()).isEqualTo(204);
        assertThat(worker.get("/connectors/" + name + "/topics").json())
                .isEqualTo(new JsonObject().put(name, new JsonObject().put("topics", new JsonArray())));
    }

    @Test
    void anUnknownConnectorHasNoTopicsAsInKafkaConnect() {
        String name = unique("no-topics");
        TestWorker.Response r = worker.get("/connectors/" + name + "/topics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(new JsonObject().put(name, new JsonObject().put("topics", new JsonArray())));
        assertThat(worker.send("PUT", "/connectors/" + name + "/topics/reset", null).status()).isEqualTo(202);
    }

    @Test
    void disabledTopicTrackingAnswers403OnBothEndpoints(@TempDir Path other) {
        try (TestWorker off = TestWorker.start(kafka, other, Map.of(WorkerConfig.TOPIC_TRACKING_ENABLE, "false"))) {
            String topic = KafkaBroker.uniqueTopic("untracked");
            off.create("untracked", Map.of("connector.class", ClassicCounterSource.class.getName(), "topic", topic, "count", "2"));
            await().atMost(WAIT).until(() -> kafka.endOffset(topic) == 2);

            TestWorker.Response get = off.get("/connectors/untracked/topics");
            assertError(get, 403);
            assertThat(get.json().getString("message")).isEqualTo("Topic tracking is disabled.");
            TestWorker.Response reset = off.send("PUT", "/connectors/untracked/topics/reset", null);
            assertError(reset, 403);
            assertThat(reset.json().getString("message")).isEqualTo("Topic tracking is disabled.");
        }
    }

    @Test
    void disallowedResetAnswers403ButTopicsAreStillListed(@TempDir Path other) {
        try (TestWorker noReset = TestWorker.start(kafka, other, Map.of(WorkerConfig.TOPIC_TRACKING_ALLOW_RESET, "false"))) {
            noReset.create("kept", Map.of("connector.class", IDLE));
            assertThat(noReset.get("/connectors/kept/topics").status()).isEqualTo(200);
            TestWorker.Response reset = noReset.send("PUT", "/connectors/kept/topics/reset", null);
            assertError(reset, 403);
            assertThat(reset.json().getString("message")).isEqualTo("Topic tracking reset is disabled.");
        }
    }

    // ---------------------------------------------------------------- helpers

    private void awaitStates(String name, String connector, List<String> tasks) {
        await().atMost(WAIT).untilAsserted(() -> {
            JsonObject status = worker.status(name);
            assertThat(status.getJsonObject("connector").getString("state")).isEqualTo(connector);
            assertThat(status.getJsonArray("tasks").stream().map(t -> ((JsonObject) t).getString("state")).toList())
                    .isEqualTo(tasks);
        });
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
