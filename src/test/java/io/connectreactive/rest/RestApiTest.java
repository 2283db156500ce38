package io.connectreactive.rest;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kafka Connect's REST API over real HTTP against a real standalone worker on the shared test
 * broker: every {@code /connectors} endpoint, its exact status codes and JSON shapes, and every
 * error case as {@code {"error_code": N, "message": "..."}}. One worker serves the whole class
 * (each test uses its own connector names); after every test the worker must still answer
 * {@code GET /}, and closing it fails the class if an event loop was blocked.
 */
@ExtendWith(KafkaBroker.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestApiTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String IDLE = IdleSourceConnector.class.getName();
    /** The plugin version status bodies show for the idle connector and its tasks (Kafka Connect 4.1+). */
    private static final String IDLE_VERSION = "1.0-test";

    private TestWorker worker;
    private String workerId;

    @BeforeAll
    void startWorker(KafkaBroker kafka, @TempDir Path dir) {
        worker = TestWorker.start(kafka, dir, Map.of());
        workerId = "127.0.0.1:" + worker.worker().restPort();
    }

    @AfterAll
    void stopWorker() {
        if (worker != null) {
            worker.close();
        }
    }

    /** Whatever a test sent, the worker keeps serving. */
    @AfterEach
    void workerStillServes() {
        assertThat(call("GET", "/", null).statusCode()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- root and listing

    @Test
    void rootReportsVersionCommitAndKafkaClusterId() {
        HttpResponse<String> r = call("GET", "/", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertJsonContentType(r);
        JsonObject root = new JsonObject(r.body());
        assertThat(root.fieldNames()).containsExactlyInAnyOrder("version", "commit", "kafka_cluster_id");
        assertThat(root.getString("version")).isEqualTo(AppInfoParser.getVersion()).isNotBlank();
        assertThat(root.getString("commit")).isNotBlank();
        assertThat(root.getString("kafka_cluster_id")).isNotBlank();
    }

    @Test
    void listConnectorsReturnsSortedNamesOfCreatedConnectors() {
        String b = unique("list-b");
        String a = unique("list-a");
        createIdle(b, 1);
        createIdle(a, 1);

        HttpResponse<String> r = call("GET", "/connectors", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertJsonContentType(r);
        List<Object> names = new JsonArray(r.body()).getList();
        assertThat(names).contains(a, b);
        assertThat(names).isSortedAccordingTo((x, y) -> x.toString().compareTo(y.toString()));
    }

    @Test
    void listConnectorsExpandsStatusAndInfo() {
        String name = unique("expand");
        createIdle(name, 1);
        awaitStates(name, "RUNNING", "RUNNING");

        HttpResponse<String> both = call("GET", "/connectors?expand=status&expand=info", null);
        assertThat(both.statusCode()).isEqualTo(200);
        assertJsonContentType(both);
        JsonObject entry = new JsonObject(both.body()).getJsonObject(name);
        assertThat(entry.fieldNames()).containsExactlyInAnyOrder("status", "info");
        assertThat(entry.getJsonObject("status")).isEqualTo(worker.status(name));
        assertThat(entry.getJsonObject("info")).isEqualTo(new JsonObject(call("GET", "/connectors/" + name, null).body()));

        JsonObject statusOnly = new JsonObject(call("GET", "/connectors?expand=status", null).body()).getJsonObject(name);
        assertThat(statusOnly.fieldNames()).containsExactly("status");
        JsonObject infoOnly = new JsonObject(call("GET", "/connectors?expand=info&expand=bogus", null).body()).getJsonObject(name);
        assertThat(infoOnly.fieldNames()).containsExactly("info");

        HttpResponse<String> unknownOnly = call("GET", "/connectors?expand=bogus", null);
        assertThat(new JsonArray(unknownOnly.body()).getList()).contains(name);
    }

    // ---------------------------------------------------------------- create, read, update

    @Test
    void createReturns201WithLocationAndConnectorInfo() {
        String name = unique("create");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("connector.class", IDLE).put("tasks.max", "2")).encode());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertJsonContentType(r);
        assertThat(r.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/connectors/" + name));
        JsonObject info = new JsonObject(r.body());
        assertThat(info.fieldNames()).containsExactlyInAnyOrder("name", "config", "tasks", "type");
        assertThat(info.getString("name")).isEqualTo(name);
        assertThat(info.getJsonObject("config").getMap())
                .isEqualTo(Map.of("connector.class", IDLE, "tasks.max", "2", "name", name));
        assertThat(info.getJsonArray("tasks")).isEqualTo(taskIds(name, 2));
        assertThat(info.getString("type")).isEqualTo("source");
    }

    @Test
    void createTrimsTheNameAndTurnsScalarConfigValuesIntoStrings() {
        String name = unique("trim");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", "  " + name + " ")
                .put("config", new JsonObject().put("connector.class", IDLE).put("tasks.max", 1).put("flag", true)).encode());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonObject info = new JsonObject(r.body());
        assertThat(info.getString("name")).isEqualTo(name);
        assertThat(info.getJsonObject("config").getMap())
                .isEqualTo(Map.of("connector.class", IDLE, "tasks.max", "1", "flag", "true", "name", name));
        assertThat(call("GET", "/connectors/" + name, null).statusCode()).isEqualTo(200);
    }

    @Test
    void createAcceptsAMatchingNameInsideTheConfig() {
        String name = unique("same-name");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("connector.class", IDLE).put("name", name)).encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @Test
    void connectorNamesWithSpacesAreUrlEncodedInLocationAndReachable() {
        String name = unique("with space");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("connector.class", IDLE)).encode());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String encoded = path(name);
        assertThat(r.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/connectors/" + encoded));
        HttpResponse<String> got = call("GET", "/connectors/" + encoded, null);
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(got.body()).getString("name")).isEqualTo(name);
        assertThat(call("DELETE", "/connectors/" + encoded, null).statusCode()).isEqualTo(204);
    }

    @Test
    void createWithInitialStatePausedStartsPaused() {
        String name = unique("initially-paused");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name).put("initial_state", "paused")
                .put("config", new JsonObject().put("connector.class", IDLE)).encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);

        awaitStates(name, "PAUSED", "PAUSED");
    }

    @Test
    void getConnectorReturnsConnectorInfo() {
        String name = unique("info");
        createIdle(name, 2);

        HttpResponse<String> r = call("GET", "/connectors/" + name, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertJsonContentType(r);
        JsonObject info = new JsonObject(r.body());
        assertThat(info).isEqualTo(new JsonObject()
                .put("name", name)
                .put("config", new JsonObject().put("connector.class", IDLE).put("tasks.max", "2").put("name", name))
                .put("tasks", taskIds(name, 2))
                .put("type", "source"));
    }

    @Test
    void getConfigReturnsTheRawConfigWithName() {
        String name = unique("config");
        createIdle(name, 1);

        HttpResponse<String> r = call("GET", "/connectors/" + name + "/config", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertJsonContentType(r);
        assertThat(new JsonObject(r.body()).getMap()).isEqualTo(Map.of("connector.class", IDLE, "tasks.max", "1", "name", name));
    }

    @Test
    void putConfigCreatesWith201ThenUpdatesWith200() {
        String name = unique("put");
        HttpResponse<String> created = call("PUT", "/connectors/" + name + "/config",
                new JsonObject().put("connector.class", IDLE).put("tasks.max", "1").encode());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/connectors/" + name));
        JsonObject info = new JsonObject(created.body());
        assertThat(info.getString("name")).isEqualTo(name);
        assertThat(info.getJsonObject("config").getMap()).isEqualTo(Map.of("connector.class", IDLE, "tasks.max", "1", "name", name));
        assertThat(info.getString("type")).isEqualTo("source");

        HttpResponse<String> updated = call("PUT", "/connectors/" + name + "/config",
                new JsonObject().put("connector.class", IDLE).put("tasks.max", "3").put("name", name).encode());
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        assertThat(updated.headers().firstValue("Location")).isEmpty();
        JsonObject after = new JsonObject(updated.body());
        assertThat(after.getJsonObject("config").getString("tasks.max")).isEqualTo("3");
        assertThat(after.getJsonArray("tasks")).isEqualTo(taskIds(name, 3));

        assertThat(new JsonObject(call("GET", "/connectors/" + name + "/config", null).body()).getString("tasks.max")).isEqualTo("3");
        await().atMost(WAIT).untilAsserted(() -> {
            JsonObject status = worker.status(name);
            assertThat(status.getJsonArray("tasks")).hasSize(3);
            assertThat(taskStates(status)).containsOnly("RUNNING");
        });
    }

    @Test
    void putConfigWithTheSameConfigAgainIs200AndKeepsTasksRunning() {
        String name = unique("put-same");
        createIdle(name, 2);
        HttpResponse<String> r = call("PUT", "/connectors/" + name + "/config",
                new JsonObject().put("connector.class", IDLE).put("tasks.max", "2").encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        awaitStates(name, "RUNNING", "RUNNING");
        assertThat(worker.status(name).getJsonArray("tasks")).hasSize(2);
    }

    @Test
    void putConfigWithMismatchedNameIs400AndChangesNothing() {
        String name = unique("mismatch");
        createIdle(name, 1);

        HttpResponse<String> r = call("PUT", "/connectors/" + name + "/config",
                new JsonObject().put("connector.class", IDLE).put("tasks.max", "2").put("name", "other").encode());
        assertError(r, 400);
        assertThat(message(r)).contains("other").contains(name);
        assertThat(new JsonObject(call("GET", "/connectors/" + name + "/config", null).body()).getString("tasks.max")).isEqualTo("1");

        HttpResponse<String> creating = call("PUT", "/connectors/" + unique("absent") + "/config",
                new JsonObject().put("connector.class", IDLE).put("name", "other").encode());
        assertError(creating, 400);
    }

    @Test
    void postWithMismatchedNameInConfigIs400() {
        String name = unique("post-mismatch");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("connector.class", IDLE).put("name", "other")).encode());
        assertError(r, 400);
        assertNotCreated(name);
    }

    // ---------------------------------------------------------------- status and tasks

    @Test
    void statusShowsRunningConnectorAndTasksWithWorkerId() {
        String name = unique("status");
        createIdle(name, 2);

        awaitStates(name, "RUNNING", "RUNNING");
        HttpResponse<String> r = call("GET", "/connectors/" + name + "/status", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertJsonContentType(r);
        assertThat(new JsonObject(r.body())).isEqualTo(new JsonObject()
                .put("name", name)
                .put("connector", new JsonObject().put("state", "RUNNING").put("worker_id", workerId).put("version", IDLE_VERSION))
                .put("tasks", new JsonArray()
                        .add(new JsonObject().put("id", 0).put("state", "RUNNING").put("worker_id", workerId).put("version", IDLE_VERSION))
                        .add(new JsonObject().put("id", 1).put("state", "RUNNING").put("worker_id", workerId).put("version", IDLE_VERSION)))
                .put("type", "source"));
    }

    @Test
    void failedTaskShowsFailedStateWithTrace() {
        String name = unique("failing-task");
        worker.create(name, Map.of("connector.class", FailingTaskSourceConnector.class.getName()));

        await().atMost(WAIT).untilAsserted(() ->
                assertThat(taskStates(worker.status(name))).containsExactly("FAILED"));
        JsonObject status = worker.status(name);
        assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("RUNNING");
        assertThat(status.getJsonObject("connector").containsKey("trace")).isFalse();
        JsonObject task = status.getJsonArray("tasks").getJsonObject(0);
        assertThat(task.fieldNames()).containsExactlyInAnyOrder("id", "state", "worker_id", "trace", "version");
        assertThat(task.getInteger("id")).isZero();
        assertThat(task.getString("worker_id")).isEqualTo(workerId);
        assertThat(task.getString("trace"))
                .startsWith("org.apache.kafka.connect.errors.ConnectException: " + FailingTaskSourceConnector.MESSAGE)
                .contains("\tat " + FailingTaskSourceConnector.FailingTask.class.getName() + ".start");

        HttpResponse<String> one = call("GET", "/connectors/" + name + "/tasks/0/status", null);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(one.body())).isEqualTo(task);

        // restarting a task that fails again leaves it FAILED; the endpoint still answers 204
        HttpResponse<String> restart = call("POST", "/connectors/" + name + "/tasks/0/restart", null);
        assertThat(restart.statusCode()).isEqualTo(204);
        assertThat(restart.body()).isEmpty();
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(taskStates(worker.status(name))).containsExactly("FAILED"));
    }

    @Test
    void failedConnectorShowsFailedStateWithTraceAndCanBeDeleted() {
        String name = unique("failing-connector");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("connector.class", FailingSourceConnector.class.getName())).encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);

        await().atMost(WAIT).untilAsserted(() ->
                assertThat(worker.status(name).getJsonObject("connector").getString("state")).isEqualTo("FAILED"));
        JsonObject connector = worker.status(name).getJsonObject("connector");
        assertThat(connector.fieldNames()).containsExactlyInAnyOrder("state", "worker_id", "trace");
        assertThat(connector.getString("trace")).contains(FailingSourceConnector.MESSAGE);
        assertThat(worker.status(name).getJsonArray("tasks")).isEmpty();

        assertThat(call("POST", "/connectors/" + name + "/restart", null).statusCode()).isEqualTo(204);
        assertThat(worker.status(name).getJsonObject("connector").getString("state")).isEqualTo("FAILED");
        assertThat(call("DELETE", "/connectors/" + name, null).statusCode()).isEqualTo(204);
        assertNotCreated(name);
    }

    @Test
    void tasksListsIdsAndConfigsWithTaskClass() {
        String name = unique("tasks");
        createIdle(name, 2);

        HttpResponse<String> r = call("GET", "/connectors/" + name + "/tasks", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertJsonContentType(r);
        JsonArray tasks = new JsonArray(r.body());
        assertThat(tasks).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonObject t = tasks.getJsonObject(i);
            assertThat(t.fieldNames()).containsExactlyInAnyOrder("id", "config");
            assertThat(t.getJsonObject("id")).isEqualTo(new JsonObject().put("connector", name).put("task", i));
            assertThat(t.getJsonObject("config").getMap()).isEqualTo(Map.of(
                    "task.class", IdleSourceConnector.IdleTask.class.getName(),
                    "task.index", String.valueOf(i),
                    "connector.name", name));
        }
    }

    @Test
    void taskStatusReturnsOneTask() {
        String name = unique("task-status");
        createIdle(name, 2);
        awaitStates(name, "RUNNING", "RUNNING");

        HttpResponse<String> r = call("GET", "/connectors/" + name + "/tasks/1/status", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertJsonContentType(r);
        assertThat(new JsonObject(r.body()))
                .isEqualTo(new JsonObject().put("id", 1).put("state", "RUNNING").put("worker_id", workerId).put("version", IDLE_VERSION));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2", "-1", "99", "abc", "1.5"})
    void unknownTaskOfAKnownConnectorIs404(String task) {
        String name = unique("no-task");
        createIdle(name, 2);

        HttpResponse<String> status = call("GET", "/connectors/" + name + "/tasks/" + task + "/status", null);
        assertError(status, 404);
        assertThat(message(status)).contains(name + "-" + task);
        HttpResponse<String> restart = call("POST", "/connectors/" + name + "/tasks/" + task + "/restart", null);
        assertError(restart, 404);
        assertThat(message(restart)).contains(name + "-" + task);
    }

    // ---------------------------------------------------------------- pause, resume, restart, delete

    @Test
    void pauseAndResumeAnswer202AndChangeConnectorAndTaskStates() {
        String name = unique("pause");
        createIdle(name, 2);
        awaitStates(name, "RUNNING", "RUNNING");

        HttpResponse<String> pause = call("PUT", "/connectors/" + name + "/pause", null);
        assertThat(pause.statusCode()).isEqualTo(202);
        assertThat(pause.body()).isEmpty();
        awaitStates(name, "PAUSED", "PAUSED");
        assertThat(call("PUT", "/connectors/" + name + "/pause", null).statusCode()).as("pause is idempotent").isEqualTo(202);
        awaitStates(name, "PAUSED", "PAUSED");

        HttpResponse<String> resume = call("PUT", "/connectors/" + name + "/resume", null);
        assertThat(resume.statusCode()).isEqualTo(202);
        assertThat(resume.body()).isEmpty();
        awaitStates(name, "RUNNING", "RUNNING");
        assertThat(call("PUT", "/connectors/" + name + "/resume", null).statusCode()).as("resume is idempotent").isEqualTo(202);
        awaitStates(name, "RUNNING", "RUNNING");
    }

    @Test
    void restartingAPausedConnectorAndTaskKeepsThemPaused() {
        String name = unique("pause-restart");
        createIdle(name, 1);
        assertThat(call("PUT", "/connectors/" + name + "/pause", null).statusCode()).isEqualTo(202);
        awaitStates(name, "PAUSED", "PAUSED");

        assertThat(call("POST", "/connectors/" + name + "/restart", null).statusCode()).isEqualTo(204);
        assertThat(call("POST", "/connectors/" + name + "/tasks/0/restart", null).statusCode()).isEqualTo(204);
        awaitStates(name, "PAUSED", "PAUSED");
    }

    @Test
    void restartConnectorAnswers204AndRunsAgain() {
        String name = unique("restart");
        createIdle(name, 2);
        awaitStates(name, "RUNNING", "RUNNING");

        HttpResponse<String> r = call("POST", "/connectors/" + name + "/restart", null);
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.body()).isEmpty();
        awaitStates(name, "RUNNING", "RUNNING");
        assertThat(worker.status(name).getJsonArray("tasks")).hasSize(2);
    }

    @Test
    void restartTaskAnswers204AndRunsAgain() {
        String name = unique("restart-task");
        createIdle(name, 2);
        awaitStates(name, "RUNNING", "RUNNING");

        HttpResponse<String> r = call("POST", "/connectors/" + name + "/tasks/1/restart", null);
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.body()).isEmpty();
        awaitStates(name, "RUNNING", "RUNNING");
        assertThat(worker.status(name).getJsonArray("tasks")).hasSize(2);
    }

    @Test
    void restartWithIncludeTasksAnswers202WithEverythingRestarting() {
        String name = unique("restart-all");
        createIdle(name, 2);
        awaitStates(name, "RUNNING", "RUNNING");

        HttpResponse<String> r = call("POST", "/connectors/" + name + "/restart?includeTasks=true", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        assertJsonContentType(r);
        assertThat(new JsonObject(r.body())).isEqualTo(new JsonObject()
                .put("name", name)
                .put("connector", new JsonObject().put("state", "RESTARTING").put("worker_id", workerId).put("version", IDLE_VERSION))
                .put("tasks", new JsonArray()
                        .add(new JsonObject().put("id", 0).put("state", "RESTARTING").put("worker_id", workerId).put("version", IDLE_VERSION))
                        .add(new JsonObject().put("id", 1).put("state", "RESTARTING").put("worker_id", workerId).put("version", IDLE_VERSION)))
                .put("type", "source"));
        awaitStates(name, "RUNNING", "RUNNING");
        assertThat(worker.status(name).getJsonArray("tasks")).hasSize(2);
    }

    @Test
    void restartWithOnlyFailedRestartsOnlyTheFailedTask() {
        String name = unique("restart-failed");
        worker.create(name, Map.of("connector.class", FailingTaskSourceConnector.class.getName()));
        await().atMost(WAIT).untilAsserted(() -> assertThat(taskStates(worker.status(name))).containsExactly("FAILED"));

        HttpResponse<String> r = call("POST", "/connectors/" + name + "/restart?includeTasks=true&onlyFailed=true", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        JsonObject plan = new JsonObject(r.body());
        assertThat(plan.getJsonObject("connector").getString("state")).as("a running connector is kept").isEqualTo("RUNNING");
        assertThat(plan.getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RESTARTING");
        await().atMost(WAIT).untilAsserted(() -> assertThat(taskStates(worker.status(name))).containsExactly("FAILED"));

        HttpResponse<String> nothing = call("POST", "/connectors/" + name + "/restart?onlyFailed=true", null);
        assertThat(nothing.statusCode()).isEqualTo(202);
        assertThat(new JsonObject(nothing.body()).getJsonObject("connector").getString("state")).isEqualTo("RUNNING");
        assertThat(taskStates(new JsonObject(nothing.body()))).containsExactly("FAILED");

        assertError(call("POST", "/connectors/" + unique("absent") + "/restart?includeTasks=true", null), 404);
    }

    @Test
    void deleteAnswers204ThenTheConnectorIsGone() {
        String name = unique("delete");
        createIdle(name, 2);

        HttpResponse<String> r = call("DELETE", "/connectors/" + name, null);
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.body()).isEmpty();

        HttpResponse<String> gone = call("GET", "/connectors/" + name, null);
        assertError(gone, 404);
        assertThat(message(gone)).isEqualTo("Connector " + name + " not found");
        assertError(call("GET", "/connectors/" + name + "/status", null), 404);
        assertError(call("DELETE", "/connectors/" + name, null), 404);
        assertThat(new JsonArray(call("GET", "/connectors", null).body()).getList()).doesNotContain(name);

        // the name is free again
        createIdle(name, 1);
        awaitStates(name, "RUNNING", "RUNNING");
        assertThat(worker.status(name).getJsonArray("tasks")).hasSize(1);
    }

    // ---------------------------------------------------------------- errors

    static Stream<Arguments> perConnectorPaths() {
        return Stream.of(
                Arguments.of("GET", ""),
                Arguments.of("DELETE", ""),
                Arguments.of("GET", "/config"),
                Arguments.of("GET", "/status"),
                Arguments.of("GET", "/tasks"),
                Arguments.of("GET", "/tasks/0/status"),
                Arguments.of("POST", "/tasks/0/restart"),
                Arguments.of("PUT", "/pause"),
                Arguments.of("PUT", "/resume"),
                Arguments.of("POST", "/restart"));
    }

    @ParameterizedTest(name = "{0} /connectors/unknown{1}")
    @MethodSource("perConnectorPaths")
    void unknownConnectorIs404OnEveryPerConnectorPath(String method, String suffix) {
        String name = unique("unknown");
        HttpResponse<String> r = call(method, "/connectors/" + name + suffix, null);
        assertError(r, 404);
        assertThat(message(r)).contains(name);
        assertNotCreated(name);
    }

    @Test
    void duplicateNameOnPostIs409() {
        String name = unique("dup");
        createIdle(name, 1);

        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("connector.class", IDLE).put("tasks.max", "2")).encode());
        assertError(r, 409);
        assertThat(message(r)).isEqualTo("Connector " + name + " already exists");
        assertThat(new JsonObject(call("GET", "/connectors/" + name + "/config", null).body()).getString("tasks.max")).isEqualTo("1");
    }

    @Test
    void concurrentCreatesOfOneNameGiveOne201AndOne409() {
        String name = unique("race");
        String body = new JsonObject().put("name", name).put("config", new JsonObject().put("connector.class", IDLE)).encode();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(HTTP.sendAsync(request("POST", "/connectors", body), HttpResponse.BodyHandlers.ofString()));
        }
        List<Integer> statuses = calls.stream().map(CompletableFuture::join).map(HttpResponse::statusCode).sorted().toList();
        assertThat(statuses).containsExactly(201, 409, 409, 409);
        awaitStates(name, "RUNNING", "RUNNING");
        assertThat(worker.status(name).getJsonArray("tasks")).hasSize(1);
    }

    static Stream<Arguments> badCreateBodies() {
        return Stream.of(
                Arguments.of("malformed JSON", "{\"name\": \"x\", \"config\": {"),
                Arguments.of("not JSON at all", "hello"),
                Arguments.of("empty body", ""),
                Arguments.of("a JSON array", "[{\"name\": \"x\"}]"),
                Arguments.of("a JSON string", "\"x\""),
                Arguments.of("a JSON number", "42"),
                Arguments.of("JSON null", "null"),
                Arguments.of("missing name", "{\"config\": {\"connector.class\": \"" + IDLE + "\"}}"),
                Arguments.of("blank name", "{\"name\": \"  \", \"config\": {\"connector.class\": \"" + IDLE + "\"}}"),
                Arguments.of("name not a string", "{\"name\": 5, \"config\": {\"connector.class\": \"" + IDLE + "\"}}"),
                Arguments.of("missing config", "{\"name\": \"bad-missing-config\"}"),
                Arguments.of("config not an object", "{\"name\": \"bad-config-array\", \"config\": [1, 2]}"),
                Arguments.of("config value an object",
                        "{\"name\": \"bad-nested\", \"config\": {\"connector.class\": \"" + IDLE + "\", \"x\": {\"y\": 1}}}"),
                Arguments.of("unknown initial_state",
                        "{\"name\": \"bad-state\", \"initial_state\": \"SLEEPING\", \"config\": {\"connector.class\": \"" + IDLE + "\"}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCreateBodies")
    void badCreateBodyIs400(String what, String body) {
        HttpResponse<String> r = call("POST", "/connectors", body);
        assertError(r, 400);
        assertThat(new JsonArray(call("GET", "/connectors", null).body()).getList())
                .noneMatch(n -> n.toString().startsWith("bad-") || n.toString().equals("x"));
    }

    @ParameterizedTest(name = "body [{0}]")
    @ValueSource(strings = {"{\"connector.class\": ", "[]", "\"text\"", "", "null", "{\"connector.class\": [\"a\"]}"})
    void badPutConfigBodyIs400(String body) {
        String name = unique("bad-put");
        assertError(call("PUT", "/connectors/" + name + "/config", body), 400);
        assertNotCreated(name);
    }

    @Test
    void missingConnectorClassIs400WithKafkaConnectsMessage() {
        String name = unique("no-class");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("tasks.max", "1")).encode());
        assertError(r, 400);
        assertThat(message(r)).startsWith("Connector config {").endsWith("} contains no connector type");
        assertNotCreated(name);

        HttpResponse<String> put = call("PUT", "/connectors/" + name + "/config", new JsonObject().put("tasks.max", "1").encode());
        assertError(put, 400);
        assertThat(message(put)).endsWith("contains no connector type");
        assertNotCreated(name);
    }

    @Test
    void unknownConnectorClassIs400() {
        String name = unique("no-such-class");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("connector.class", "com.example.NoSuchConnector")).encode());
        assertError(r, 400);
        assertThat(message(r)).contains("com.example.NoSuchConnector");
        assertNotCreated(name);
    }

    @Test
    void classThatIsNotAConnectorIs400() {
        String name = unique("not-a-connector");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("connector.class", "java.lang.String")).encode());
        assertError(r, 400);
        assertNotCreated(name);
    }

    @Test
    void configRejectedByTheConnectorsConfigDefIs400() {
        String name = unique("no-topic");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("connector.class", "FileStreamSource").put("file", "/tmp/x.txt")).encode());
        assertError(r, 400);
        assertThat(message(r))
                .startsWith("Connector configuration is invalid and contains the following 1 error(s):\n")
                .contains("topic")
                .endsWith("You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`");
        assertNotCreated(name);
    }

    @Test
    void sinkWithoutTopicsIs400() {
        String name = unique("sink-no-topics");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("connector.class", "FileStreamSink").put("file", "/tmp/x.txt")).encode());
        assertError(r, 400);
        assertThat(message(r)).startsWith("Connector configuration is invalid and contains the following 1 error(s):\n"
                + "Must configure one of topics or topics.regex");
        assertNotCreated(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-3"})
    void tasksMaxBelowOneIs400(String tasksMax) {
        String name = unique("tasks-max");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("connector.class", IDLE).put("tasks.max", tasksMax)).encode());
        assertError(r, 400);
        assertThat(message(r)).startsWith("Connector configuration is invalid and contains the following 1 error(s):\n"
                + "Invalid value " + tasksMax + " for configuration tasks.max: Value must be at least 1\n");
        assertNotCreated(name);
    }

    /** As Kafka's ConfigDef reports it: the parse error, then the range validator's "Value must be non-null". */
    @ParameterizedTest(name = "tasks.max=[{0}]")
    @ValueSource(strings = {"many", "", "1.5"})
    void tasksMaxNotAnIntegerIs400(String tasksMax) {
        String name = unique("tasks-max");
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("connector.class", IDLE).put("tasks.max", tasksMax)).encode());
        assertError(r, 400);
        assertThat(message(r)).startsWith("Connector configuration is invalid and contains the following 2 error(s):\n"
                + "Invalid value " + tasksMax + " for configuration tasks.max: Not a number of type INT\n"
                + "Invalid value null for configuration tasks.max: Value must be non-null\n");
        assertNotCreated(name);
    }

    @Test
    void invalidUpdateIs400AndKeepsTheOldConfigRunning() {
        String name = unique("bad-update");
        createIdle(name, 1);
        awaitStates(name, "RUNNING", "RUNNING");

        HttpResponse<String> r = call("PUT", "/connectors/" + name + "/config",
                new JsonObject().put("connector.class", IDLE).put("tasks.max", "0").encode());
        assertError(r, 400);
        assertThat(new JsonObject(call("GET", "/connectors/" + name + "/config", null).body()).getString("tasks.max")).isEqualTo("1");
        awaitStates(name, "RUNNING", "RUNNING");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("unknownPaths")
    void unknownPathIs404(String method, String path) {
        assertError(call(method, path, null), 404);
    }

    static Stream<Arguments> unknownPaths() {
        return Stream.of(
                Arguments.of("GET", "/nope"),
                Arguments.of("GET", "/connectors/x/nope"),
                Arguments.of("GET", "/connectors/x/tasks/0/nope"),
                Arguments.of("POST", "/nope"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("wrongMethods")
    void wrongMethodIs405(String method, String path) {
        assertError(call(method, path, null), 405);
    }

    static Stream<Arguments> wrongMethods() {
        return Stream.of(
                Arguments.of("DELETE", "/connectors"),
                Arguments.of("PUT", "/connectors"),
                Arguments.of("POST", "/"),
                Arguments.of("POST", "/connectors/x/status"),
                Arguments.of("GET", "/connectors/x/pause"),
                Arguments.of("GET", "/connectors/x/restart"));
    }

    @Test
    void oversizedBodyIs413() {
        String big = "{\"name\":\"big\",\"config\":{\"connector.class\":\"" + IDLE + "\",\"x\":\"" + "a".repeat(11 * 1024 * 1024) + "\"}}";
        HttpResponse<String> r = call("POST", "/connectors", big);
        assertError(r, 413);
        assertNotCreated("big");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/x-www-form-urlencoded", "text/plain", "application/xml", "text/json"})
    void aBodyThatIsNotJsonByContentTypeIs415AsKafkaConnectAnswers(String contentType) throws Exception {
        String name = unique("form");
        String body = new JsonObject().put("name", name).put("config", new JsonObject().put("connector.class", IDLE)).encode();
        for (String[] call : new String[][] {{"POST", "/connectors"}, {"PUT", "/connectors/" + name + "/config"},
                {"PUT", "/connector-plugins/" + IDLE + "/config/validate"}}) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(worker.url(call[1]))).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", contentType)
                    .method(call[0], HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            assertError(r, 415);
            assertThat(message(r)).isEqualTo("HTTP 415 Unsupported Media Type");
        }
        assertNotCreated(name);
    }

    @Test
    void jsonWithACharsetOrNoContentTypeIsAccepted() throws Exception {
        String name = unique("charset");
        HttpRequest request = HttpRequest.newBuilder(URI.create(worker.url("/connectors"))).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "Application/JSON; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("name", name)
                        .put("config", new JsonObject().put("connector.class", IDLE)).encode())).build();
        assertThat(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
        HttpRequest noType = HttpRequest.newBuilder(URI.create(worker.url("/connectors/" + name + "/pause")))
                .timeout(Duration.ofSeconds(30)).PUT(HttpRequest.BodyPublishers.noBody()).build();
        assertThat(HTTP.send(noType, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(202);
    }

    // ---------------------------------------------------------------- helpers

    /** Creates an {@link IdleSourceConnector}; Kafka Connect's standalone worker answers with its tasks already listed. */
    private void createIdle(String name, int tasks) {
        HttpResponse<String> r = call("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", new JsonObject().put("connector.class", IDLE).put("tasks.max", String.valueOf(tasks))).encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(new JsonObject(r.body()).getJsonArray("tasks")).as(r.body()).isEqualTo(taskIds(name, tasks));
    }

    private void awaitStates(String name, String connectorState, String taskState) {
        await().atMost(WAIT).untilAsserted(() -> {
            JsonObject status = worker.status(name);
            assertThat(status.getJsonObject("connector").getString("state")).isEqualTo(connectorState);
            assertThat(status.getJsonArray("tasks")).isNotEmpty();
            assertThat(taskStates(status)).containsOnly(taskState);
        });
    }

    private static List<String> taskStates(JsonObject status) {
        List<String> states = new ArrayList<>();
        status.getJsonArray("tasks").forEach(t -> states.add(((JsonObject) t).getString("state")));
        return states;
    }

    private static JsonArray taskIds(String name, int count) {
        JsonArray ids = new JsonArray();
        for (int i = 0; i < count; i++) {
            ids.add(new JsonObject().put("connector", name).put("task", i));
        }
        return ids;
    }

    private void assertNotCreated(String name) {
        assertThat(new JsonArray(call("GET", "/connectors", null).body()).getList()).doesNotContain(name);
    }

    /** The answer is Kafka Connect's error body, with {@code error_code} equal to the HTTP status. */
    private static void assertError(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertJsonContentType(r);
        JsonObject body = new JsonObject(r.body());
        assertThat(body.fieldNames()).containsExactlyInAnyOrder("error_code", "message");
        assertThat(body.getInteger("error_code")).isEqualTo(status);
        assertThat(body.getString("message")).isNotBlank();
    }

    private static void assertJsonContentType(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    }

    private static String message(HttpResponse<String> r) {
        return new JsonObject(r.body()).getString("message");
    }

    private static String unique(String prefix) {
        return KafkaBroker.uniqueTopic(prefix);
    }

    private static String path(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest request(String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create(worker.url(path))).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private HttpResponse<String> call(String method, String path, String body) {
        try {
            return HTTP.send(request(method, path, body), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
