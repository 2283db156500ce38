package io.connectreactive.runtime.sink;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sink runtime keeps Kafka Connect's delivery guarantees while the consumer group rebalances,
 * while a task rewinds, retries or fails: against the real broker, 6 partitions, several tasks.
 */
@ExtendWith(KafkaBroker.class)
class SinkRebalanceTest {

    private static final int PARTITIONS = 6;
    private static final Map<String, String> WORKER = Map.of(
            "key.converter", "org.apache.kafka.connect.storage.StringConverter",
            "value.converter", "org.apache.kafka.connect.storage.StringConverter",
            "offset.flush.interval.ms", "1000");

    private Admin admin;
    private KafkaProducer<String, String> producer;

    @BeforeEach
    void clients(KafkaBroker kafka) {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    @AfterEach
    void close() {
        producer.close();
        admin.close();
    }

    @Test
    void aSinkThatBuffersUntilFlushLosesNothingWhileMembersJoinAndLeave(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String name = "buffering";
        String topic = topic("rebalance");
        Map<String, String> workerConfig = new HashMap<>(WORKER);
        workerConfig.put("offset.flush.interval.ms", "3000"); // records wait unflushed in the task's buffer meanwhile
        try (TestWorker worker = TestWorker.start(kafka, dir, workerConfig)) {
            worker.create(name, Map.of("connector.class", ProbeSink.class.getName(), "topics", topic, "tasks.max", "3",
                    "probe.mode", "buffer", "consumer.override.max.poll.records", "40"));
            awaitAssigned(name, 3);
            // records flow the whole time, a few hundred ahead of the tasks
            java.util.concurrent.atomic.AtomicBoolean producing = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.atomic.AtomicInteger produced = new java.util.concurrent.atomic.AtomicInteger();
            Thread flow = new Thread(() -> {
                while (producing.get() && produced.get() < 20_000) {
                    produce(topic, produced.get(), 60);
                    int sent = produced.addAndGet(60);
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                            .until(() -> !producing.get() || received(name) >= sent - 300);
                }
            }, "test-producer");
            flow.start();
            try {
                awaitMore(name, 300);

                // a plain consumer joins the group mid-stream, takes partitions, reads without committing, and leaves
                try (KafkaConsumer<byte[], byte[]> member = member(kafka, name)) {
                    Set<TopicPartition> got = ConcurrentHashMap.newKeySet();
                    member.subscribe(List.of(topic), listener(got));
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    int polled = 0;
                    while ((got.isEmpty() || polled < 20) && System.nanoTime() < deadline) {
                        member.poll(Duration.ofMillis(100));
                        polled++;
                        assertCommittedNotPastFlushed(name);
                    }
                    assertThat(got).as("partitions the joining member got").isNotEmpty();
                }
                awaitMore(name, 300);
                assertCommittedNotPastFlushed(name);
                // a task restarts mid-stream
                assertThat(worker.send("POST", "/connectors/" + name + "/tasks/1/restart", null).status()).isEqualTo(204);
                awaitMore(name, 300);
                assertCommittedNotPastFlushed(name);
            } finally {
                producing.set(false);
                flow.join();
            }

            Map<TopicPartition, Long> ends = endOffsets(topic);
            assertThat(ends.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(produced.get());
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertCommittedNotPastFlushed(name);
                Map<TopicPartition, Set<Long>> store = ProbeSink.store(name);
                ends.forEach((tp, end) -> assertThat(store.getOrDefault(tp, Set.of()))
                        .as("offsets of %s in the store", tp)
                        .containsAll(LongStream.range(0, end).boxed().collect(Collectors.toSet())));
                assertThat(committed(name)).isEqualTo(ends);
            });
        }
        assertCommittedNotPastFlushed(name);
    }

    /** Waits until the tasks were given {@code more} records more than now. */
    private static void awaitMore(String name, int more) {
        int target = received(name) + more;
        await().atMost(Duration.ofSeconds(30)).until(() -> received(name) >= target);
    }

    @Test
    void aRewindWithAPrefetchInFlightLosesNoRecordOfOtherPartitions(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String name = "rewinding";
        String topic = topic("rewind");
        try (TestWorker worker = TestWorker.start(kafka, dir, WORKER)) {
            worker.create(name, Map.of("connector.class", ProbeSink.class.getName(), "topics", topic, "tasks.max", "2",
                    "probe.mode", "rewind", "consumer.override.max.poll.records", "20"));
            awaitAssigned(name, 2); // the group is stable: no rebalance re-reads what a rewind may lose
            produce(topic, 0, 1800);
            Map<TopicPartition, Long> ends = endOffsets(topic);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Map<TopicPartition, List<Long>> put = ProbeSink.putLog(name);
                ends.forEach((tp, end) -> assertThat(new HashSet<>(put.getOrDefault(tp, List.of())))
                        .as("offsets of %s given to the task", tp)
                        .containsAll(LongStream.range(0, end).boxed().collect(Collectors.toSet())));
                assertThat(committed(name)).isEqualTo(ends);
            });
            assertThat(ProbeSink.counter(ProbeSink.REWINDS, name).get()).isEqualTo(5);
            // the rewound partitions were read again from 0; every other partition exactly once, in order
            Set<TopicPartition> rewound = ProbeSink.REWOUND.get(name);
            ProbeSink.putLog(name).forEach((tp, offsets) -> {
                if (!rewound.contains(tp)) {
                    assertThat(offsets).as("offsets of %s, never rewound", tp)
                            .containsExactlyElementsOf(LongStream.range(0, ends.get(tp)).boxed().toList());
                }
            });
            assertThat(rewound).isNotEmpty().allSatisfy(tp ->
                    assertThat(ProbeSink.putLog(name).get(tp).size()).isGreaterThan(ends.get(tp).intValue()));
        }
    }

    @Test
    void aRewindAskedInOpenIsAppliedBeforeAnyRecordIsDelivered(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String name = "skipping";
        String topic = topic("skip");
        produce(topic, 0, 600); // records wait from offset 0: the first poll after an assignment would return them
        Map<TopicPartition, Long> ends = endOffsets(topic);
        try (TestWorker worker = TestWorker.start(kafka, dir, WORKER)) {
            worker.create(name, Map.of("connector.class", ProbeSink.class.getName(), "topics", topic, "tasks.max", "2",
                    "probe.mode", "skip", "consumer.override.max.poll.records", "20"));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Map<TopicPartition, List<Long>> put = ProbeSink.putLog(name);
                ends.forEach((tp, end) -> assertThat(new HashSet<>(put.getOrDefault(tp, List.of())))
                        .as("offsets of %s given to the task", tp)
                        .containsAll(LongStream.range(ProbeSink.SKIP, end).boxed().collect(Collectors.toSet())));
            });
            ProbeSink.putLog(name).forEach((tp, offsets) -> assertThat(offsets).as("offsets of %s given to the task", tp)
                    .allMatch(o -> o >= ProbeSink.SKIP));
        }
    }

    @Test
    void aRetryLongerThanMaxPollIntervalKeepsTheTaskInTheGroup(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String name = "retrying";
        String topic = topic("retry");
        try (TestWorker worker = TestWorker.start(kafka, dir, WORKER)) {
            worker.create(name, Map.of("connector.class", ProbeSink.class.getName(), "topics", topic, "tasks.max", "2",
                    "probe.mode", "retry", "probe.fail.ms", "7000",
                    "consumer.override.max.poll.interval.ms", "5000")); // roomy: a loaded machine must not evict at the first join
            awaitAssigned(name, 2);
            int closesBefore = ProbeSink.counter(ProbeSink.CLOSES, name).get();
            ProbeSink.ARMED.put(name, true);
            long start = System.nanoTime();
            produce(topic, 0, 600);
            Map<TopicPartition, Long> ends = endOffsets(topic);
            await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
                Map<TopicPartition, List<Long>> put = ProbeSink.putLog(name);
                ends.forEach((tp, end) -> assertThat(new HashSet<>(put.getOrDefault(tp, List.of())))
                        .as("offsets of %s given to the task", tp)
                        .containsAll(LongStream.range(0, end).boxed().collect(Collectors.toSet())));
            });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofSeconds(6));
            assertThat(ProbeSink.counter(ProbeSink.RETRIES, name).get()).isGreaterThanOrEqualTo(2 * 5);
            assertThat(ProbeSink.counter(ProbeSink.CLOSES, name).get()).as("partitions closed (revoked) during the retries")
                    .isEqualTo(closesBefore);
            // each record once: the batch was handed again, not re-read after an eviction
            assertThat(ProbeSink.putLog(name).values().stream().mapToInt(List::size).sum()).isEqualTo(600);
            assertThat(worker.status(name).getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RUNNING");
        }
    }

    @Test
    void aFailedTaskLeavesTheGroupAtOnce(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String name = "failing";
        String topic = topic("fail");
        try (TestWorker worker = TestWorker.start(kafka, dir, WORKER)) {
            worker.create(name, Map.of("connector.class", ProbeSink.class.getName(), "topics", topic, "tasks.max", "2",
                    "probe.mode", "fail", "consumer.override.max.poll.interval.ms", "120000"));
            awaitAssigned(name, 2);
            try (KafkaConsumer<byte[], byte[]> member = member(kafka, name)) {
                Set<TopicPartition> got = ConcurrentHashMap.newKeySet();
                member.subscribe(List.of(topic), listener(got));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (got.isEmpty() && System.nanoTime() < deadline) {
                    member.poll(Duration.ofMillis(100));
                }
                assertThat(got).hasSizeLessThan(PARTITIONS);
                produce(topic, 0, 60);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(worker.status(name).getJsonArray("tasks"))
                        .extracting(t -> ((io.vertx.core.json.JsonObject) t).getString("state")).containsOnly("FAILED"));
                // both tasks failed: the member gets every partition long before max.poll.interval.ms (2 minutes)
                deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (got.size() < PARTITIONS && System.nanoTime() < deadline) {
                    member.poll(Duration.ofMillis(100));
                }
                assertThat(got).hasSize(PARTITIONS);
            }
        }
    }

    // --- helpers ---

    private String topic(String prefix) throws Exception {
        String topic = KafkaBroker.uniqueTopic(prefix);
        admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        return topic;
    }

    /** Sends {@code count} records round-robin over the partitions and waits for their acknowledgement. */
    private void produce(String topic, int from, int count) {
        for (int i = from; i < from + count; i++) {
            producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, "v" + i));
        }
        producer.flush();
    }

    private Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            specs.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(specs).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }

    private Map<TopicPartition, Long> committed(String name) throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> offsets =
                admin.listConsumerGroupOffsets("connect-" + name).partitionsToOffsetAndMetadata().get();
        offsets.forEach((tp, o) -> {
            if (o != null) {
                out.put(tp, o.offset());
            }
        });
        return out;
    }

    /** No committed offset is past a record that is not in the store. */
    private void assertCommittedNotPastFlushed(String name) throws Exception {
        Map<TopicPartition, Set<Long>> store = ProbeSink.store(name);
        committed(name).forEach((tp, c) -> {
            Set<Long> flushed = store.getOrDefault(tp, Set.of());
            List<Long> missing = new ArrayList<>();
            for (long o = 0; o < c && missing.size() < 5; o++) {
                if (!flushed.contains(o)) {
                    missing.add(o);
                }
            }
            assertThat(missing).as("offsets of %s below the committed %d that were never flushed", tp, c).isEmpty();
        });
    }

    private static int received(String name) {
        return ProbeSink.putLog(name).values().stream().mapToInt(List::size).sum();
    }

    /** Waits until {@code tasks} tasks each have partitions open and all are open. */
    private static void awaitAssigned(String name, int tasks) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<Integer, Set<TopicPartition>> open = ProbeSink.opened(name);
            assertThat(open.values().stream().filter(s -> !s.isEmpty()).count()).isEqualTo(tasks);
            assertThat(open.values().stream().mapToInt(Set::size).sum()).isEqualTo(PARTITIONS);
        });
    }

    private static KafkaConsumer<byte[], byte[]> member(KafkaBroker kafka, String name) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "connect-" + name);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static ConsumerRebalanceListener listener(Set<TopicPartition> got) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                got.removeAll(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                got.addAll(partitions);
            }
        };
    }
}
