package io.connectreactive.runtime.errors;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestConnectors;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A record Kafka refuses (larger than the producer's {@code max.request.size}): with
 * {@code errors.tolerance=all} it is skipped and the task goes on, its offset committed, as Kafka
 * Connect does since KIP-779; with {@code none} the task fails saying Kafka did not accept it.
 */
@ExtendWith(KafkaBroker.class)
class ProducerFailureToleranceTest {

    /** Ten records, one at a time, {@code n} = 0..9; record 4 is 2 MiB. */
    public static class OversizedSource extends TestConnectors.Source {
        @Override
        public Class<? extends Task> taskClass() {
            return OversizedTask.class;
        }
    }

    public static class OversizedTask extends SourceTask {
        private String topic;
        private int next;

        @Override
        public String version() {
            return "1";
        }

        @Override
        public void start(Map<String, String> props) {
            topic = props.get("topic");
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            if (next >= 10) {
                synchronized (this) {
                    wait(100);
                }
                return null;
            }
            int n = next++;
            String value = n == 4 ? "x".repeat(2 * 1024 * 1024) : "r" + n;
            return List.of(new SourceRecord(Map.of("p", "big"), Map.of("n", n), topic, Schema.STRING_SCHEMA, value));
        }

        @Override
        public void stop() {
        }
    }

    private static Map<String, String> config(String topic, String tolerance) {
        Map<String, String> c = new HashMap<>(Map.of("connector.class", OversizedSource.class.getName(), "tasks.max", "1",
                "topic", topic, "value.converter", "org.apache.kafka.connect.storage.StringConverter",
                "errors.tolerance", tolerance, "errors.log.enable", "true"));
        return c;
    }

    @Test
    void aRecordKafkaRefusesIsSkippedWithToleranceAllAndFailsTheTaskWithNone(KafkaBroker kafka, @TempDir Path dir) {
        String tolerated = KafkaBroker.uniqueTopic("refused-all");
        String strict = KafkaBroker.uniqueTopic("refused-none");
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("refused-all", config(tolerated, "all"));
            worker.create("refused-none", config(strict, "none"));

            List<String> values = new ArrayList<>();
            kafka.consume(tolerated, 9, Duration.ofSeconds(30)).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
            assertThat(values).containsExactly("r0", "r1", "r2", "r3", "r5", "r6", "r7", "r8", "r9");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonArray offsets = worker.get("/connectors/refused-all/offsets").json().getJsonArray("offsets");
                assertThat(offsets.getJsonObject(0).getJsonObject("offset").getInteger("n")).isEqualTo(9);
                assertThat(worker.status("refused-all").getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RUNNING");

                JsonObject failed = worker.status("refused-none").getJsonArray("tasks").getJsonObject(0);
                assertThat(failed.getString("state")).isEqualTo("FAILED");
                assertThat(failed.getString("trace")).contains("Kafka did not accept records").contains("RecordTooLarge");
            });
        }
    }
}
