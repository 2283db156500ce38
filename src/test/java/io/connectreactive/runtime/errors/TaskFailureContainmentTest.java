package io.connectreactive.runtime.errors;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A task throwing in start, poll, put or version ends FAILED with its trace; another connector of the worker goes on. */
@ExtendWith(KafkaBroker.class)
class TaskFailureContainmentTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void eachThrowingTaskMethodFailsOnlyItsTask(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("contained");
        send(kafka, topic, "first");
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("neighbour", sink(ErrorTestPlugins.ErrantSink.class, topic, ""));
            await().atMost(WAIT).until(() -> ErrorTestPlugins.VALUES.getOrDefault("neighbour", List.of()).contains("first"));

            worker.create("sink-start", sink(ErrorTestPlugins.ThrowingSink.class, topic, "start"));
            worker.create("sink-put", sink(ErrorTestPlugins.ThrowingSink.class, topic, "put"));
            worker.create("sink-version", sink(ErrorTestPlugins.VersionlessSink.class, topic, ""));
            worker.create("source-start", source("start"));
            worker.create("source-poll", source("poll"));
            for (String[] c : new String[][]{{"sink-start", "boom in start"}, {"sink-put", "boom in put"},
                    {"sink-version", "boom in version"}, {"source-start", "boom in start"}, {"source-poll", "boom in poll"}}) {
                await().atMost(WAIT).until(() -> "FAILED".equals(taskState(worker, c[0])));
                assertThat(task(worker, c[0]).getString("trace")).as(c[0]).contains(c[1]);
                assertThat(worker.status(c[0]).getJsonObject("connector").getString("state")).as(c[0]).isEqualTo("RUNNING");
            }

            // a task throwing in stop() is restarted all the same
            worker.create("sink-stop", sink(ErrorTestPlugins.ThrowingSink.class, topic, "stop"));
            await().atMost(WAIT).until(() -> "RUNNING".equals(taskState(worker, "sink-stop")));
            assertThat(worker.send("POST", "/connectors/sink-stop/tasks/0/restart", null).status()).isEqualTo(204);
            await().atMost(WAIT).until(() -> ErrorTestPlugins.THROWING_STARTS.get("sink-stop").get() == 2
                    && "RUNNING".equals(taskState(worker, "sink-stop")));

            // the neighbour was not touched
            send(kafka, topic, "second");
            await().atMost(WAIT).until(() -> ErrorTestPlugins.VALUES.get("neighbour").contains("second"));
            assertThat(taskState(worker, "neighbour")).isEqualTo("RUNNING");
        }
    }

    private static Map<String, String> sink(Class<?> type, String topic, String throwIn) {
        Map<String, String> c = new HashMap<>(Map.of("connector.class", type.getName(), "topics", topic, "throw.in", throwIn,
                "value.converter", "org.apache.kafka.connect.storage.StringConverter"));
        return c;
    }

    private static Map<String, String> source(String throwIn) {
        return Map.of("connector.class", ErrorTestPlugins.ThrowingSource.class.getName(), "topic", KafkaBroker.uniqueTopic("t"),
                "throw.in", throwIn);
    }

    private static JsonObject task(TestWorker worker, String name) {
        return worker.status(name).getJsonArray("tasks").getJsonObject(0);
    }

    private static String taskState(TestWorker worker, String name) {
        var tasks = worker.status(name).getJsonArray("tasks");
        return tasks == null || tasks.isEmpty() ? null : tasks.getJsonObject(0).getString("state");
    }

    private static void send(KafkaBroker kafka, String topic, String value) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, value.getBytes(StandardCharsets.UTF_8))).get();
        }
    }
}
