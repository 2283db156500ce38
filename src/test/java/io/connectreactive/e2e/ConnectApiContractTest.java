package io.connectreactive.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The connect-api contexts behave as in Kafka Connect: what an unmodified connector relies on. */
@ExtendWith(KafkaBroker.class)
class ConnectApiContractTest {

    private static final Map<String, String> STRINGS = Map.of(
            "value.converter", "org.apache.kafka.connect.storage.StringConverter",
            // long interval: commits seen here come from the end of the flush cycle or requestCommit
            "offset.flush.interval.ms", "600000");

    @Test
    void requestTaskReconfigurationRestartsTasksWithTheNewConfigs(KafkaBroker kafka, @TempDir Path dir) {
        String topic = KafkaBroker.uniqueTopic("reconf");
        ContractConnectors.ReconfiguringSource.TASKS.set(1);
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of("value.converter", "org.apache.kafka.connect.storage.StringConverter"))) {
            worker.create("reconf", Map.of("connector.class", ContractConnectors.ReconfiguringSource.class.getName(),
                    "topic", topic, "tasks.max", "3"));
            await().atMost(Duration.ofSeconds(30)).until(() -> tasks(worker).size() == 1);

            ContractConnectors.ReconfiguringSource.TASKS.set(2);
            ContractConnectors.ReconfiguringSource.CONTEXT.get().requestTaskReconfiguration();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(tasks(worker)).hasSize(2);
                assertThat(worker.status("reconf").getJsonArray("tasks"))
                        .extracting(t -> ((io.vertx.core.json.JsonObject) t).getString("state")).containsOnly("RUNNING");
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffset(topic) >= 30);

            // commitRecord for each acknowledged record and commit() on the task's own thread, never a producer I/O thread
            await().atMost(Duration.ofSeconds(10)).until(() -> ContractConnectors.ReconfiguringSource.COMMIT_RECORD_THREADS.getOrDefault("reconf-1", List.of()).size() == 10);
            assertThat(ContractConnectors.ReconfiguringSource.COMMIT_RECORD_THREADS.get("reconf-1"))
                    .hasSize(10).allMatch(t -> t.equals("cr-task-reconf-1"));
        }
        assertThat(ContractConnectors.ReconfiguringSource.COMMIT_THREADS.get("reconf-1"))
                .isNotEmpty().allMatch(t -> t.equals("cr-task-reconf-1"));
    }

    @Test
    void commitRecordOfATaskClassListedAsNonBlockingRunsInTheProducersCallback(KafkaBroker kafka, @TempDir Path dir) {
        String topic = KafkaBroker.uniqueTopic("onack");
        ContractConnectors.ReconfiguringSource.TASKS.set(2);
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of("value.converter", "org.apache.kafka.connect.storage.StringConverter",
                "runtime.source.commit.record.on.ack", ContractConnectors.EmittingTask.class.getName()))) {
            worker.create("onack", Map.of("connector.class", ContractConnectors.ReconfiguringSource.class.getName(),
                    "topic", topic, "tasks.max", "2"));
            await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffset(topic) >= 20);
            for (String task : List.of("onack-0", "onack-1")) {
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        ContractConnectors.ReconfiguringSource.COMMIT_RECORD_THREADS.getOrDefault(task, List.of()).size() == 10);
                assertThat(ContractConnectors.ReconfiguringSource.COMMIT_RECORD_THREADS.get(task)).as(task)
                        .hasSize(10).allMatch(t -> t.startsWith("kafka-producer-network-thread"));
            }
        } finally {
            ContractConnectors.ReconfiguringSource.TASKS.set(1);
        }
    }

    /**
     * A record Kafka refuses (larger than the topic's max.message.bytes: refused by the broker, so the
     * failure comes in the producer's callback) and errors.tolerance=all: it is skipped, the task of
     * a listed class hears of it in the callback with no metadata, as Kafka Connect tells it, and the
     * offsets of the records after it still commit.
     */
    @Test
    void aSkippedSendFailureReachesCommitRecordInTheProducersCallback(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("onack-refused");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("max.message.bytes", "2048")))).all().get();
        }
        ContractConnectors.ReconfiguringSource.TASKS.set(2);
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of("value.converter", "org.apache.kafka.connect.storage.StringConverter",
                "runtime.source.commit.record.on.ack", ContractConnectors.EmittingTask.class.getName()))) {
            worker.create("onack-refused", Map.of("connector.class", ContractConnectors.ReconfiguringSource.class.getName(),
                    "topic", topic, "tasks.max", "2", "oversized.index", "4", "errors.tolerance", "all"));
            for (String task : List.of("onack-refused-0", "onack-refused-1")) {
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        ContractConnectors.ReconfiguringSource.COMMIT_RECORD_THREADS.getOrDefault(task, List.of()).size() == 10);
                assertThat(ContractConnectors.ReconfiguringSource.COMMIT_RECORD_THREADS.get(task)).as(task)
                        .allMatch(t -> t.startsWith("kafka-producer-network-thread"));
                assertThat(ContractConnectors.ReconfiguringSource.COMMIT_RECORD_UNWRITTEN.get(task)).as(task)
                        .singleElement().asString().startsWith(task + ":4xxx");
            }
            assertThat(kafka.endOffset(topic)).as("all records but the two refused").isEqualTo(18);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonArray offsets = worker.get("/connectors/onack-refused/offsets").json().getJsonArray("offsets");
                assertThat(offsets).hasSize(2);
                for (int i = 0; i < offsets.size(); i++) {
                    assertThat(offsets.getJsonObject(i).getJsonObject("offset").getInteger("i")).isEqualTo(9);
                }
            });
            assertThat(taskState(worker, "onack-refused")).isEqualTo("RUNNING");
        } finally {
            ContractConnectors.ReconfiguringSource.TASKS.set(1);
        }
    }

    @Test
    void aTaskRegisteringItsOwnMetricsCanBeRestarted(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir, STRINGS)) {
            worker.create("metered", Map.of("connector.class", ContractConnectors.MeteredSource.class.getName()));
            await().atMost(Duration.ofSeconds(30)).until(() -> "RUNNING".equals(taskState(worker, "metered")));
            for (int i = 0; i < 2; i++) {
                assertThat(worker.send("POST", "/connectors/metered/tasks/0/restart", null).status()).isEqualTo(204);
                await().atMost(Duration.ofSeconds(30)).until(() -> "RUNNING".equals(taskState(worker, "metered")));
            }
            assertThat(worker.status("metered").getJsonArray("tasks").getJsonObject(0).containsKey("trace")).isFalse();
        }
    }

    private static String taskState(TestWorker worker, String name) {
        var tasks = worker.status(name).getJsonArray("tasks");
        return tasks.isEmpty() ? null : tasks.getJsonObject(0).getString("state");
    }

    @Test
    void raiseErrorFailsTheConnector(KafkaBroker kafka, @TempDir Path dir) {
        String topic = KafkaBroker.uniqueTopic("raise");
        ContractConnectors.ReconfiguringSource.TASKS.set(1);
        try (TestWorker worker = TestWorker.start(kafka, dir, STRINGS)) {
            worker.create("raiser", Map.of("connector.class", ContractConnectors.ReconfiguringSource.class.getName(), "topic", topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> "RUNNING".equals(
                    worker.status("raiser").getJsonObject("connector").getString("state")));
            ContractConnectors.ReconfiguringSource.CONTEXT.get().raiseError(new IllegalStateException("lost the source system"));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                var connector = worker.status("raiser").getJsonObject("connector");
                assertThat(connector.getString("state")).isEqualTo("FAILED");
                assertThat(connector.getString("trace")).contains("lost the source system");
            });
        }
    }

    @Test
    void sinkContextRewindsPausesResumesAndCommitsOnRequest(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("rewind");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "v" + i));
            }
            producer.flush();
        }
        try (TestWorker worker = TestWorker.start(kafka, dir, STRINGS);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            worker.create("rewinder", Map.of("connector.class", ContractConnectors.RewindingSink.class.getName(), "topics", topic,
                    "consumer.override.max.poll.records", "5"));
            // the first five, then again from offset 0 after the rewind, then to the end
            await().atMost(Duration.ofSeconds(30)).until(() -> ContractConnectors.RewindingSink.VALUES.size() >= 15);
            List<Object> values = ContractConnectors.RewindingSink.VALUES;
            assertThat(values.subList(0, 5)).containsExactly("v0", "v1", "v2", "v3", "v4");
            assertThat(values.subList(5, 15)).containsExactly("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
            assertThat(ContractConnectors.RewindingSink.PAUSES.get()).isGreaterThanOrEqualTo(3);
            // requestCommit commits long before the 10-minute interval
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                    admin.listConsumerGroupOffsets("connect-rewinder").partitionsToOffsetAndMetadata().get()
                            .get(new TopicPartition(topic, 0))).isNotNull()
                    .satisfies(o -> assertThat(o.offset()).isEqualTo(10L)));
        }
    }

    private static JsonArray tasks(TestWorker worker) {
        return new JsonArray(worker.get("/connectors/reconf/tasks").body());
    }
}
