package io.connectreactive.cluster;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.LongStream;

import io.connectreactive.cluster.ClusterHarness.Member;
import io.connectreactive.testing.KafkaBroker;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.connectreactive.cluster.ClusterHarness.runningTaskWorkers;
import static io.connectreactive.cluster.ClusterHarness.send;
import static io.connectreactive.cluster.ClusterHarness.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Exactly-once source on a cluster of three worker JVMs ({@code exactly.once.source.support=enabled}):
 * Apache Kafka's own FileStreamSource copies a large file; the worker running its task is killed
 * with SIGKILL part-way; the task resumes on another worker, and a {@code read_committed} consumer
 * sees every line exactly once (at least once, the new owner would replay from the last offset
 * flush). With the {@code poll} and the {@code interval} transaction boundary, and with a task that
 * commits and aborts its own transactions ({@code transaction.boundary=connector}), with MirrorMaker 2's
 * source connector; and the same after a network split (iptables) cuts the task's worker off from the others.
 */
@ExtendWith(KafkaBroker.class)
class ExactlyOnceFailoverTest {

    private static final int LINES = 400_000;

    @ParameterizedTest
    @ValueSource(strings = {"poll", "interval"})
    void aKilledWorkersTaskResumesElsewhereAndAReadCommittedConsumerSeesEveryLineOnce(String boundary, KafkaBroker kafka,
                                                                                      @TempDir Path dir) throws Exception {
        Path file = dir.resolve("input.txt");
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            for (int i = 0; i < LINES; i++) {
                w.write(String.format("line-%07d-%s%n", i, "x".repeat(60)));
            }
        }
        JsonObject config = new JsonObject()
                .put("connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector")
                .put("file", file.toString())
                .put("tasks.max", "1")
                .put("batch.size", "500")
                .put("exactly.once.support", "required")
                .put("transaction.boundary", boundary);
        if (boundary.equals("interval")) {
            config.put("transaction.boundary.interval.ms", "300");
        }
        String topic = KafkaBroker.uniqueTopic("eos-failover");
        config.put("topic", topic);
        Map<String, Integer> seen = killTheTasksWorkerPartWay(kafka, dir, config, topic, LINES, LINES);
        assertThat(seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(10).toList())
                .as("lines a read_committed consumer saw more than once").isEmpty();
        assertThat(seen).as("distinct lines").hasSize(LINES);
    }

    @Test
    void aTaskDefiningItsOwnTransactionsResumesElsewhereWithItsCommitsAndAbortsKept(KafkaBroker kafka, @TempDir Path dir)
            throws Exception {
        int count = 60_000;
        JsonObject config = new JsonObject()
                .put("connector.class", BoundaryDefiningSource.class.getName())
                .put("count", String.valueOf(count))
                .put("tasks.max", "1")
                .put("exactly.once.support", "required")
                .put("transaction.boundary", "connector");
        long expected = LongStream.range(0, count).filter(BoundaryDefiningSource::committed).count();
        String topic = KafkaBroker.uniqueTopic("eos-failover");
        config.put("topic", topic);
        Map<String, Integer> seen = killTheTasksWorkerPartWay(kafka, dir, config, topic, count, (int) expected);
        assertThat(seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(10).toList())
                .as("numbers a read_committed consumer saw more than once").isEmpty();
        assertThat(seen.keySet().stream().filter(n -> !BoundaryDefiningSource.committed(Long.parseLong(n))).limit(10).toList())
                .as("numbers of aborted transactions a read_committed consumer saw").isEmpty();
        assertThat(seen).as("distinct numbers").hasSize((int) expected);
    }

    @Test
    void aKilledWorkersMirrorMakerTaskResumesElsewhereAndAReadCommittedConsumerSeesEachRecordOnce(KafkaBroker kafka,
                                                                                                 @TempDir Path dir) throws Exception {
        int count = 150_000;
        String source = KafkaBroker.uniqueTopic("eos-mm2");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(source, 3, (short) 1))).all().get();
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(source, i % 3, "k" + i, "record-" + i));
            }
            producer.flush();
        }
        // MirrorMaker 2 from this cluster to itself (alias "up": topic up.<source>), as the mirror benchmark runs it
        JsonObject config = new JsonObject()
                .put("connector.class", "org.apache.kafka.connect.mirror.MirrorSourceConnector")
                .put("tasks.max", "1")
                .put("source.cluster.alias", "up")
                .put("target.cluster.alias", "down")
                .put("source.cluster.bootstrap.servers", kafka.bootstrapServers())
                .put("target.cluster.bootstrap.servers", kafka.bootstrapServers())
                .put("topics", source)
                .put("replication.factor", "1")
                .put("offset-syncs.topic.replication.factor", "1")
                .put("sync.topic.acls.enabled", "false")
                .put("emit.checkpoints.enabled", "false")
                .put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter")
                .put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter")
                .put("consumer.isolation.level", "read_committed")
                .put("consumer.max.poll.records", "500")
                .put("exactly.once.support", "required");
        Map<String, Integer> seen = killTheTasksWorkerPartWay(kafka, dir, config, "up." + source, count, count);
        assertThat(seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(10).toList())
                .as("records a read_committed consumer saw more than once").isEmpty();
        assertThat(seen).as("distinct records").hasSize(count);
    }

    @Test
    void aCutOffWorkersTaskMovesAndAReadCommittedConsumerStillSeesEachRecordOnce(KafkaBroker kafka, @TempDir Path dir)
            throws Exception {
        int count = 150_000;
        String topic = KafkaBroker.uniqueTopic("eos-split");
        JsonObject config = new JsonObject()
                .put("connector.class", BoundaryDefiningSource.class.getName())
                .put("count", String.valueOf(count))
                .put("topic", topic)
                .put("tasks.max", "1")
                .put("exactly.once.support", "required")
                .put("transaction.boundary", "connector");
        java.util.Random random = new java.util.Random();
        List<String> hosts = new ArrayList<>();
        while (hosts.size() < 3) {
            String host = "127.0." + (1 + random.nextInt(250)) + "." + (2 + random.nextInt(250));
            if (!hosts.contains(host)) {
                hosts.add(host);
            }
        }
        try (ClusterHarness cluster = new ClusterHarness(kafka, dir, "cr-eos-split-" + System.nanoTime())
                .with("exactly.once.source.support", "enabled")) {
            try {
                cluster.add(hosts);
                List<Member> w = cluster.members();
                JsonObject create = new JsonObject().put("name", "eos").put("config", config);
                assertThat(send(w.get(0), "POST", "/connectors", create.encode()).statusCode()).isEqualTo(201);
                await().atMost(Duration.ofSeconds(60)).until(() -> runningTaskWorkers(status(w.get(0), "eos"), 1) != null);
                await().atMost(Duration.ofSeconds(60)).until(() -> kafka.endOffset(topic) >= count / 8);
                String owner = runningTaskWorkers(status(w.get(0), "eos"), 1).get(0);
                Member cutOff = w.stream().filter(m -> m.workerId().equals(owner)).findFirst().orElseThrow();
                Member other = w.stream().filter(m -> m != cutOff).findFirst().orElseThrow();
                try (ClusteredModeTest.NetworkSplit split = new ClusteredModeTest.NetworkSplit(cutOff.clusterHost)) {
                    split.cut();
                    await().atMost(Duration.ofSeconds(60)).until(() -> {
                        List<String> owners = runningTaskWorkers(status(other, "eos"), 1);
                        return owners != null && !owners.contains(owner);
                    });
                    assertThat(kafka.endOffset(topic)).as("the task moved part-way").isLessThan(count);
                    split.heal();
                }
                long expected = LongStream.range(0, count).filter(BoundaryDefiningSource::committed).count();
                Map<String, Integer> seen = readCommitted(kafka, topic, (int) expected, Duration.ofSeconds(120));
                assertThat(seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(10).toList())
                        .as("numbers a read_committed consumer saw more than once").isEmpty();
                assertThat(seen.keySet().stream().filter(n -> !BoundaryDefiningSource.committed(Long.parseLong(n))).limit(10).toList())
                        .as("numbers of aborted transactions a read_committed consumer saw").isEmpty();
                assertThat(seen).as("distinct numbers").hasSize((int) expected);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + cluster.logs(), e);
            }
        }
    }

    /**
     * Creates connector {@code eos} ({@code config}, writing to {@code topic}) on three exactly-once workers,
     * kills -9 the worker running its task once a fifth of {@code records} is in Kafka, waits until
     * the task runs on another worker, and returns what a read_committed consumer of {@code topic} sees
     * (value → times), once {@code distinct} distinct values or the timeout.
     */
    private static Map<String, Integer> killTheTasksWorkerPartWay(KafkaBroker kafka, Path dir, JsonObject config, String topic,
                                                                  int records, int distinct) throws Exception {
        String group = "cr-eos-" + System.nanoTime();
        try (ClusterHarness cluster = new ClusterHarness(kafka, dir, group)
                .with("exactly.once.source.support", "enabled")
                .with("plugin.path", Path.of("target/test-plugins/connect-file").toAbsolutePath().toString())) {
            try {
                cluster.add(3);
                List<Member> w = cluster.members();
                JsonObject create = new JsonObject().put("name", "eos").put("config", config);
                assertThat(send(w.get(1), "POST", "/connectors", create.encode()).statusCode()).isEqualTo(201);
                await().atMost(Duration.ofSeconds(60)).until(() -> runningTaskWorkers(status(w.get(1), "eos"), 1) != null);

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> kafka.endOffset(topic) >= records / 5);
                String owner = runningTaskWorkers(status(w.get(1), "eos"), 1).get(0);
                Member victim = w.stream().filter(m -> m.workerId().equals(owner)).findFirst().orElseThrow();
                cluster.kill9(victim);
                long atKill = kafka.endOffset(topic);
                assertThat(atKill).as("records (and transaction markers) in the topic when the worker was killed").isLessThan(records);
                Member survivor = cluster.running().get(0);
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    List<String> owners = runningTaskWorkers(status(survivor, "eos"), 1);
                    return owners != null && !owners.contains(owner);
                });
                return readCommitted(kafka, topic, distinct, Duration.ofSeconds(120));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + cluster.logs(), e);
            }
        }
    }

    /** Every value of {@code topic} a read_committed consumer sees, with how often, until {@code lines} distinct ones or the timeout. */
    private static Map<String, Integer> readCommitted(KafkaBroker kafka, String topic, int lines, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        Map<String, Integer> seen = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(10)).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen.size() < lines && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.merge(r.value(), 1, Integer::sum));
            }
            // a little longer: duplicates after the last distinct line would show too
            long settle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < settle) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.merge(r.value(), 1, Integer::sum));
            }
        }
        return seen;
    }
}
