package io.connectreactive.rest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Connectors created, changed, paused and deleted over REST survive a restart of the standalone
 * worker: a new worker on the same directory lists the same connectors, with the same configs and
 * target states, and runs them again.
 */
@ExtendWith(KafkaBroker.class)
class RestPersistenceTest {

    private static final String IDLE = IdleSourceConnector.class.getName();
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void connectorsCreatedOverRestSurviveAWorkerRestart(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker first = TestWorker.start(kafka, dir, Map.of())) {
            first.create("kept", Map.of("connector.class", IDLE, "tasks.max", "2"));
            assertThat(first.send("PUT", "/connectors/updated/config",
                    new JsonObject().put("connector.class", IDLE).put("tasks.max", "1").encode()).status()).isEqualTo(201);
            assertThat(first.send("PUT", "/connectors/updated/config",
                    new JsonObject().put("connector.class", IDLE).put("tasks.max", "3").encode()).status()).isEqualTo(200);
            first.create("paused", Map.of("connector.class", IDLE));
            assertThat(first.send("PUT", "/connectors/paused/pause", null).status()).isEqualTo(202);
            first.create("deleted", Map.of("connector.class", IDLE));
            assertThat(first.send("DELETE", "/connectors/deleted", null).status()).isEqualTo(204);
            awaitStates(first, "kept", "RUNNING", 2);
            awaitStates(first, "paused", "PAUSED", 1);
        }

        try (TestWorker second = TestWorker.start(kafka, dir, Map.of())) {
            assertThat(new JsonArray(second.get("/connectors").body()).getList()).containsExactly("kept", "paused", "updated");
            assertThat(new JsonObject(second.get("/connectors/kept/config").body()).getMap())
                    .isEqualTo(Map.of("connector.class", IDLE, "tasks.max", "2", "name", "kept"));
            assertThat(new JsonObject(second.get("/connectors/updated/config").body()).getString("tasks.max")).isEqualTo("3");
            assertThat(second.get("/connectors/deleted").status()).isEqualTo(404);

            awaitStates(second, "kept", "RUNNING", 2);
            awaitStates(second, "updated", "RUNNING", 3);
            awaitStates(second, "paused", "PAUSED", 1);
            JsonObject status = second.status("kept");
            assertThat(status.getJsonObject("connector").getString("worker_id"))
                    .isEqualTo("127.0.0.1:" + second.worker().restPort());

            // and they remain manageable
            assertThat(second.send("PUT", "/connectors/paused/resume", null).status()).isEqualTo(202);
            awaitStates(second, "paused", "RUNNING", 1);
            assertThat(second.send("DELETE", "/connectors/kept", null).status()).isEqualTo(204);
        }

        try (TestWorker third = TestWorker.start(kafka, dir, Map.of())) {
            assertThat(new JsonArray(third.get("/connectors").body()).getList()).containsExactly("paused", "updated");
            awaitStates(third, "paused", "RUNNING", 1);
        }
    }

    private static void awaitStates(TestWorker worker, String name, String state, int tasks) {
        await().atMost(WAIT).untilAsserted(() -> {
            JsonObject status = worker.status(name);
            assertThat(status.getJsonObject("connector").getString("state")).isEqualTo(state);
            JsonArray taskStatuses = status.getJsonArray("tasks");
            assertThat(taskStatuses).hasSize(tasks);
            assertThat(taskStatuses.stream().map(t -> ((JsonObject) t).getString("state")).toList())
                    .isEqualTo(Collections.nCopies(tasks, state));
        });
    }
}
