package io.connectreactive.e2e;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.runtime.source.SequenceSource;
import io.connectreactive.testing.BrokerProcess;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broker stopped for 30 s in the middle of a stream (a real broker process, killed and started
 * again on the same port and data): REST keeps answering and {@code /health} reports the outage; when
 * the broker is back, every record of every source task arrives (duplicates only within what was not
 * yet committed), a sink reading the topic all along writes every one of them, and {@code /health} is
 * healthy again.
 */
class BrokerOutageTest {

    private static final int RECORDS_PER_TASK = 20_000;

    @Test
    void aThirtySecondBrokerOutageLosesNothingAndHealthReportsIt(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("broker");
        Path log = dir.resolve("broker.log");
        int port = freePort();
        BrokerProcess[] running = {BrokerProcess.start(data, port, log)};
        BrokerProcess broker = running[0];
        String topic = KafkaBroker.uniqueTopic("outage");
        try {
            Map<String, String> props = new HashMap<>(Map.of(WorkerConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers()));
            try (TestWorker worker = TestWorker.start(broker.bootstrapServers(), dir.resolve("worker"), props)) {
                worker.create("outage", Map.of("connector.class", SequenceSource.class.getName(), "tasks.max", "2",
                        "topic", topic, "count", String.valueOf(RECORDS_PER_TASK), "batch", "50", "poll.delay.ms", "20",
                        "value.converter", "org.apache.kafka.connect.storage.StringConverter"));
                Path sinkFile = dir.resolve("sink.txt");
                worker.create("outage-sink", Map.of("connector.class", "FileStreamSink", "tasks.max", "1", "topics", topic,
                        "file", sinkFile.toString(), "value.converter", "org.apache.kafka.connect.storage.StringConverter"));
                await().atMost(Duration.ofSeconds(60)).until(() -> count(broker, topic) > 500);

                broker.kill9();
                long down = System.nanoTime();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    TestWorker.Response health = worker.get("/health");
                    assertThat(health.status()).isEqualTo(503);
                    assertThat(health.json().getString("status")).isEqualTo("unhealthy");
                    assertThat(health.json().getString("message")).contains("cannot reach its Kafka cluster");
                });
                // REST keeps answering while the cluster is away
                assertThat(worker.get("/connectors/outage/status").status()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(40)).until(() -> System.nanoTime() - down > Duration.ofSeconds(30).toNanos());

                BrokerProcess back = BrokerProcess.start(data, port, log);
                running[0] = back;
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(worker.get("/health").status()).isEqualTo(200));
                await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                    Map<String, Set<Long>> seen = valuesByTask(back, topic);
                    for (int task = 0; task < 2; task++) {
                        assertThat(seen.getOrDefault(String.valueOf(task), Set.of())).as("records of task %d", task)
                                .hasSize(RECORDS_PER_TASK);
                    }
                });
                // the sink consumed through the outage too: every record in its file
                await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(new TreeSet<>(
                        java.nio.file.Files.readAllLines(sinkFile))).as(() -> "sink status " + worker.status("outage-sink").encode())
                        .hasSize(2 * RECORDS_PER_TASK));
                JsonObject status = worker.status("outage");
                assertThat(status.getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RUNNING");
            }
        } finally {
            running[0].close();
        }
    }

    @Test
    void anOutageLongerThanTheDeliveryTimeoutFailsTheTasksCleanlyAndARestartLosesNothing(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("broker");
        Path log = dir.resolve("broker.log");
        int port = freePort();
        BrokerProcess[] running = {BrokerProcess.start(data, port, log)};
        String topic = KafkaBroker.uniqueTopic("expired");
        try {
            BrokerProcess broker = running[0];
            // records not delivered within 6 s fail: the task cannot send them, and says so
            Map<String, String> props = Map.of("producer.delivery.timeout.ms", "6000", "producer.request.timeout.ms", "3000");
            try (TestWorker worker = TestWorker.start(broker.bootstrapServers(), dir.resolve("worker"), props)) {
                worker.create("expired", Map.of("connector.class", SequenceSource.class.getName(), "tasks.max", "2",
                        "topic", topic, "count", String.valueOf(RECORDS_PER_TASK), "batch", "50", "poll.delay.ms", "20",
                        "value.converter", "org.apache.kafka.connect.storage.StringConverter"));
                await().atMost(Duration.ofSeconds(60)).until(() -> count(broker, topic) > 500);

                broker.kill9();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    JsonObject status = worker.status("expired");
                    for (int task = 0; task < 2; task++) {
                        JsonObject t = status.getJsonArray("tasks").getJsonObject(task);
                        assertThat(t.getString("state")).isEqualTo("FAILED");
                        assertThat(t.getString("trace")).contains("Kafka did not accept records");
                    }
                });

                BrokerProcess back = BrokerProcess.start(data, port, log);
                running[0] = back;
                await().atMost(Duration.ofSeconds(60)).until(() -> worker.get("/health").status() == 200);
                assertThat(worker.send("POST", "/connectors/expired/restart?includeTasks=true&onlyFailed=true", null).status())
                        .isEqualTo(202);
                await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                    Map<String, Set<Long>> seen = valuesByTask(back, topic);
                    for (int task = 0; task < 2; task++) {
                        assertThat(seen.getOrDefault(String.valueOf(task), Set.of())).as("records of task %d", task)
                                .hasSize(RECORDS_PER_TASK);
                    }
                });
            }
        } finally {
            running[0].close();
        }
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static long count(BrokerProcess broker, String topic) {
        return valuesByTask(broker, topic).values().stream().mapToLong(Set::size).sum();
    }

    /** Every value {@code "i:n"} of the topic, as the set of n per task i. */
    private static Map<String, Set<Long>> valuesByTask(BrokerProcess broker, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, Set<Long>> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    String value = new String(r.value(), StandardCharsets.UTF_8);
                    String[] parts = value.split(":");
                    out.computeIfAbsent(parts[0], k -> new TreeSet<>()).add(Long.parseLong(parts[parts.length - 1]));
                }
            }
        }
        return out;
    }
}
