package io.connectreactive.rest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestConnectors;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A plugin that lacks a class it needs (a {@code NoClassDefFoundError}, as a plugin built against
 * Kafka Connect's runtime classes meets) or fails to initialise one answers 400 at create and
 * validate, or ends FAILED with its trace at start: never a 500, and the worker goes on serving.
 */
@ExtendWith(KafkaBroker.class)
class BrokenPluginApiTest {

    /** A connector whose config() needs a class that is not there. */
    public static class MissingClassConnector extends TestConnectors.Source {
        @Override
        public ConfigDef config() {
            throw new NoClassDefFoundError("org/apache/kafka/connect/runtime/ConnectorConfig");
        }

        @Override
        public Class<? extends Task> taskClass() {
            return IdleSourceConnector.IdleTask.class;
        }
    }

    /** A connector whose start() hits a class that fails to initialise. */
    public static class BrokenStartConnector extends TestConnectors.Source {
        @Override
        public void start(Map<String, String> props) {
            throw new ExceptionInInitializerError(new IllegalStateException("static state of a helper class"));
        }

        @Override
        public Class<? extends Task> taskClass() {
            return IdleSourceConnector.IdleTask.class;
        }
    }

    /** A connector whose task class cannot be initialised. */
    public static class BrokenTaskClassConnector extends TestConnectors.Source {
        @Override
        public Class<? extends Task> taskClass() {
            return BrokenTask.class;
        }
    }

    public static class BrokenTask extends IdleSourceConnector.IdleTask {
        static final int VALUE = Integer.parseInt("not a number");
    }

    @Test
    void aPluginLackingAClassIs400AtCreateAndValidate(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            String config = new JsonObject().put("connector.class", MissingClassConnector.class.getName()).put("name", "missing").encode();
            for (TestWorker.Response r : List.of(
                    worker.send("POST", "/connectors", new JsonObject().put("name", "missing")
                            .put("config", new JsonObject(config)).encode()),
                    worker.send("PUT", "/connectors/missing/config", config),
                    worker.send("PUT", "/connector-plugins/" + MissingClassConnector.class.getName() + "/config/validate", config),
                    worker.get("/connector-plugins/" + MissingClassConnector.class.getName() + "/config"))) {
                assertThat(r.status()).as(r.body()).isEqualTo(400);
                assertThat(r.json().getInteger("error_code")).isEqualTo(400);
                assertThat(r.json().getString("message")).contains("NoClassDefFoundError")
                        .contains("org/apache/kafka/connect/runtime/ConnectorConfig");
            }
            assertThat(worker.get("/connectors").body()).isEqualTo("[]");
        }
    }

    @Test
    void aPluginFailingToInitialiseAClassEndsFailedWithItsTrace(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("broken-start", Map.of("connector.class", BrokenStartConnector.class.getName()));
            worker.create("broken-task", Map.of("connector.class", BrokenTaskClassConnector.class.getName()));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonObject connector = worker.status("broken-start").getJsonObject("connector");
                assertThat(connector.getString("state")).isEqualTo("FAILED");
                assertThat(connector.getString("trace")).contains("ExceptionInInitializerError");
                JsonObject task = worker.status("broken-task").getJsonArray("tasks").getJsonObject(0);
                assertThat(task.getString("state")).isEqualTo("FAILED");
                assertThat(task.getString("trace")).contains("ExceptionInInitializerError").contains("not a number");
            });
            assertThat(worker.get("/").status()).isEqualTo(200);
        }
    }
}
