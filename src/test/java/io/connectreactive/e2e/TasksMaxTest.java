package io.connectreactive.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.connectreactive.rest.IdleSourceConnector;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestConnectors;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.connect.connector.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A connector that generates more tasks than tasks.max fails, unless tasks.max.enforce=false (KIP-1004). */
@ExtendWith(KafkaBroker.class)
class TasksMaxTest {

    /** Always generates one task more than it may. */
    public static class GreedySource extends TestConnectors.Source {
        @Override
        public Class<? extends Task> taskClass() {
            return IdleSourceConnector.IdleTask.class;
        }

        @Override
        public List<Map<String, String>> taskConfigs(int maxTasks) {
            List<Map<String, String>> out = new ArrayList<>();
            for (int i = 0; i <= maxTasks; i++) {
                out.add(props);
            }
            return out;
        }
    }

    @Test
    void moreTasksThanTasksMaxFailsTheConnectorUnlessEnforcementIsOff(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("greedy", Map.of("connector.class", GreedySource.class.getName(), "tasks.max", "1"));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonObject status = worker.status("greedy");
                assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("FAILED");
                assertThat(status.getJsonObject("connector").getString("trace"))
                        .contains("has generated 2 tasks, which is greater than 1").contains("tasks.max.enforce");
                assertThat(status.getJsonArray("tasks")).isEmpty();
            });

            worker.create("tolerated", Map.of("connector.class", GreedySource.class.getName(), "tasks.max", "1",
                    "tasks.max.enforce", "false"));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonObject status = worker.status("tolerated");
                assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("RUNNING");
                assertThat(status.getJsonArray("tasks")).hasSize(2);
            });
        }
    }
}
