package io.connectreactive.runtime.source;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import io.connectreactive.kafka.embedded.EmbeddedKafka;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One source task's trouble stays its own: a task whose records cannot be sent (their topic does
 * not exist and may not be auto-created) or whose records make the producer throw an Error does not
 * hold up the other tasks of the worker, which share its producer; the stuck task resumes, in
 * order and with nothing lost, once its topic exists. Also: the worker-wide bound on queued records,
 * and where a classic task's commitRecord runs.
 */
@ExtendWith(KafkaBroker.class)
class SourceIsolationTest {

    private static final Map<String, String> STRINGS = Map.of(
            "key.converter", "org.apache.kafka.connect.storage.StringConverter",
            "value.converter", "org.apache.kafka.connect.storage.StringConverter");

    @Test
    void aTaskWhoseTopicIsMissingHoldsUpOnlyItselfAndDeliversEverythingInOrderOnceTheTopicExists(KafkaBroker kafka, @TempDir Path dir)
            throws Exception {
        String missing = KafkaBroker.uniqueTopic("missing");
        String flowing = KafkaBroker.uniqueTopic("flowing");
        int count = 300;
        // a broker of its own that does not auto-create topics (as most production clusters): a topic nobody
        // created stays missing (the shared test broker creates any topic asked for; producers cannot opt out)
        try (EmbeddedKafka broker = new EmbeddedKafka(dir.resolve("kafka"), 0, Map.of("auto.create.topics.enable", "false")).start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            Map<String, String> worker = new HashMap<>(STRINGS);
            worker.put("bootstrap.servers", broker.bootstrapServers());
            try (TestWorker w = TestWorker.start(kafka, dir.resolve("worker"), worker)) {
                admin.createTopics(List.of(new NewTopic(flowing, 3, (short) 1))).all().get();
                w.create("stuck", Map.of("connector.class", SequenceSource.class.getName(), "tasks.max", "2",
                        "topic", missing, "count", String.valueOf(count)));
                // both stuck tasks polled (and so tried to send, on their own threads right after the poll) before the
                // other connector starts; they are not polled again while their records wait, as in Kafka Connect
                await().atMost(Duration.ofSeconds(30)).until(() -> polls("stuck-0") >= 1 && polls("stuck-1") >= 1);

                w.create("flowing", Map.of("connector.class", SequenceSource.class.getName(), "tasks.max", "2",
                        "topic", flowing, "count", "2000"));
                await().atMost(Duration.ofSeconds(30)).until(() -> endOffset(broker, flowing) == 4000);
                assertThat(taskStates(w, "stuck")).containsOnly("RUNNING");
                assertThat(SequenceSource.COMMITTED.get("stuck-0")).isNull();

                admin.createTopics(List.of(new NewTopic(missing, 3, (short) 1))).all().get();
                await().atMost(Duration.ofSeconds(30)).until(() -> endOffset(broker, missing) == 2L * count);
                Map<String, List<String>> perTask = new LinkedHashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : consumeAll(broker, missing)) {
                    perTask.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                            .add(new String(r.value(), StandardCharsets.UTF_8));
                }
                for (int t = 0; t < 2; t++) {
                    List<String> expected = new ArrayList<>();
                    for (int n = 0; n < count; n++) {
                        expected.add(t + ":" + n);
                    }
                    assertThat(perTask.get("stuck-" + t)).as("task %d's records, in order, once each", t).isEqualTo(expected);
                }
                // acknowledged records are told to the task in order, and their offsets committed
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(SequenceSource.COMMITTED.get("stuck-0")).hasSize(count).isSorted();
                    assertThat(SequenceSource.COMMITTED.get("stuck-1")).hasSize(count).isSorted();
                    assertThat(committedOffsets(w, "stuck")).isEqualTo(Map.of("stuck-0", count - 1L, "stuck-1", count - 1L));
                });
                assertThat(endOffset(broker, missing)).isEqualTo(2L * count);
            }
        }
    }

    @Test
    void anErrorThrownInTheProducerFailsOnlyItsTaskAndTheSenderGoesOn(KafkaBroker kafka, @TempDir Path dir) {
        String poisoned = KafkaBroker.uniqueTopic("poison");
        String healthy = KafkaBroker.uniqueTopic("healthy");
        Map<String, String> worker = new HashMap<>(STRINGS);
        worker.put("producer.interceptor.classes", PoisonInterceptor.class.getName());
        try (TestWorker w = TestWorker.start(kafka, dir, worker)) {
            w.create("poisoned", Map.of("connector.class", SequenceSource.class.getName(), "topic", poisoned, "count", "500"));
            await().atMost(Duration.ofSeconds(30)).until(() -> taskStates(w, "poisoned").contains("FAILED"));
            JsonObject task = w.status("poisoned").getJsonArray("tasks").getJsonObject(0);
            assertThat(task.getString("trace")).contains("PoisonError").contains("poisoned record for " + poisoned);

            // the shared sender survived: another task's records go through
            w.create("healthy", Map.of("connector.class", SequenceSource.class.getName(), "tasks.max", "2",
                    "topic", healthy, "count", "1000"));
            await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffset(healthy) == 2000);
            assertThat(taskStates(w, "healthy")).containsOnly("RUNNING");
        }
    }

    @Test
    void recordsQueuedWorkerWideNeverExceedTheBoundAndEveryTaskGetsItsTurn(KafkaBroker kafka, @TempDir Path dir) {
        String topic = KafkaBroker.uniqueTopic("bounded");
        int bound = 300;
        Map<String, String> worker = new HashMap<>(STRINGS);
        worker.put("runtime.source.max.queued.records", String.valueOf(bound));
        // each task alone could queue more than the worker may
        worker.put("runtime.source.max.in.flight.records", "1000");
        // a slow producer: small batches, each waiting for its linger
        worker.put("producer.batch.size", "4096");
        worker.put("producer.linger.ms", "20");
        try (TestWorker w = TestWorker.start(kafka, dir, worker)) {
            w.create("bounded", Map.of("connector.class", SequenceSource.class.getName(), "tasks.max", "4",
                    "topic", topic, "count", "3000", "batch", "500"));
            await().atMost(Duration.ofSeconds(60)).until(() -> kafka.endOffset(topic) >= 12_000);
            var queue = w.worker().producer().bound();
            assertThat(queue.peak()).as("most records queued at once").isLessThanOrEqualTo(bound).isGreaterThan(bound / 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> queue.queued() == 0);
            for (int t = 0; t < 4; t++) {
                int task = t;
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(SequenceSource.COMMITTED.get("bounded-" + task)).hasSize(3000).isSorted());
            }
        }
        assertThat(kafka.endOffset(topic)).isEqualTo(12_000);
    }

    @Test
    void aClassicTasksCommitRecordRunsOnItsOwnThreadForEveryRecordInOrder(KafkaBroker kafka, @TempDir Path dir) {
        String topic = KafkaBroker.uniqueTopic("commits");
        int count = 2000;
        try (TestWorker w = TestWorker.start(kafka, dir, STRINGS)) {
            w.create("commits", Map.of("connector.class", SequenceSource.class.getName(), "tasks.max", "2",
                    "topic", topic, "count", String.valueOf(count)));
            for (int t = 0; t < 2; t++) {
                String task = "commits-" + t;
                await().atMost(Duration.ofSeconds(30)).until(() -> SequenceSource.COMMITTED.getOrDefault(task, List.of()).size() >= count);
                List<Long> expected = new ArrayList<>();
                for (long n = 0; n < count; n++) {
                    expected.add(n);
                }
                assertThat(SequenceSource.COMMITTED.get(task)).isEqualTo(expected);
                assertThat(Set.copyOf(SequenceSource.COMMIT_THREADS.get(task))).containsExactly("cr-task-" + task);
            }
        }
    }

    private static long polls(String task) {
        var n = SequenceSource.POLLS.get(task);
        return n == null ? 0 : n.get();
    }

    static List<String> taskStates(TestWorker w, String connector) {
        JsonArray tasks = w.status(connector).getJsonArray("tasks");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            out.add(tasks.getJsonObject(i).getString("state"));
        }
        return out;
    }

    /** Source partition "seq" → committed offset "n", from GET /connectors/{name}/offsets. */
    private static Map<String, Long> committedOffsets(TestWorker w, String connector) {
        JsonArray offsets = w.get("/connectors/" + connector + "/offsets").json().getJsonArray("offsets");
        Map<String, Long> out = new HashMap<>();
        for (int i = 0; i < offsets.size(); i++) {
            JsonObject o = offsets.getJsonObject(i);
            out.put(o.getJsonObject("partition").getString("seq"), o.getJsonObject("offset").getLong("n"));
        }
        return out;
    }

    private static long endOffset(EmbeddedKafka broker, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(broker)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(10)).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            return consumer.endOffsets(partitions, Duration.ofSeconds(10)).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Every record of {@code topic}, partition by partition. */
    private static List<ConsumerRecord<byte[], byte[]>> consumeAll(EmbeddedKafka broker, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(broker)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(10)).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafka broker) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static Admin admin(KafkaBroker kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }
}
