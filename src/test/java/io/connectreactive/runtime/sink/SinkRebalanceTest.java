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
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sink runtime keeps Kafka Connect's delivery guarantees while the consumer group rebalances,
 * while a task rewinds, retries or fails: against the real broker, 6 partitions, several tasks, with a
 * consumer per task and with one consumer shared by the connector's tasks ({@code runtime.sink.consumers}).
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

    @ParameterizedTest(name = "runtime.sink.consumers={0}")
    @ValueSource(strings = {"task", "connector"})
    void aSinkThatBuffersUntilFlushLosesNothingWhileMembersJoinAndLeave(String consumers, KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String name = "buffering-" + consumers;
        String topic = topic("rebalance");
        Map<String, String> workerConfig = worker(consumers);
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

    @ParameterizedTest(name = "runtime.sink.consumers={0}")
    @ValueSource(strings = {"task", "connector"})
    void aRewindWithAPrefetchInFlightLosesNoRecordOfOtherPartitions(String consumers, KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String name = "rewinding-" + consumers;
        String topic = topic("rewind");
        try (TestWorker worker = TestWorker.start(kafka, dir, worker(consumers))) {
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

    @ParameterizedTest(name = "runtime.sink.consumers={0}")
    @ValueSource(strings = {"task", "connector"})
    void aRewindAskedInOpenIsAppliedBeforeAnyRecordIsDelivered(String consumers, KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String name = "skipping-" + consumers;
        String topic = topic("skip");
        produce(topic, 0, 600); // records wait from offset 0: the first poll after an assignment would return them
        Map<TopicPartition, Long> ends = endOffsets(topic);
        try (TestWorker worker = TestWorker.start(kafka, dir, worker(consumers))) {
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

    @ParameterizedTest(name = "runtime.sink.consumers={0}")
    @ValueSource(strings = {"task", "connector"})
    void aRetryLongerThanMaxPollIntervalKeepsTheTaskInTheGroup(String consumers, KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String name = "retrying-" + consumers;
        String topic = topic("retry");
        try (TestWorker worker = TestWorker.start(kafka, dir, worker(consumers))) {
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

    @ParameterizedTest(name = "runtime.sink.consumers={0}")
    @ValueSource(strings = {"task", "connector"})
    void aFailedTaskLeavesTheGroupAtOnce(String consumers, KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String name = "failing-" + consumers;
        String topic = topic("fail");
        try (TestWorker worker = TestWorker.start(kafka, dir, worker(consumers))) {
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

    @Test
    void aConnectorsTasksShareOneConsumerThatSplitsItsPartitions(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String name = "sharing";
        String topic = topic("share");
        try (TestWorker worker = TestWorker.start(kafka, dir, worker("connector"))) {
            worker.create(name, Map.of("connector.class", ProbeSink.class.getName(), "topics", topic, "tasks.max", "4",
                    "probe.mode", "buffer"));
            awaitAssigned(name, 4);
            assertThat(ProbeSink.opened(name).values()).extracting(Set::size).containsExactlyInAnyOrder(2, 2, 1, 1);
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("connect-" + name))
                    .describedGroups().get("connect-" + name).get();
            assertThat(group.members()).extracting(MemberDescription::clientId).containsExactly("connector-consumer-" + name);
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .filteredOn(n -> n.startsWith("cr-sink-consumer-" + name)).containsExactly("cr-sink-consumer-" + name);

            produce(topic, 0, 600);
            Map<TopicPartition, Long> ends = endOffsets(topic);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(committed(name)).isEqualTo(ends));
            // each partition's records went to its one task, once, in order
            ProbeSink.putLog(name).forEach((tp, offsets) -> assertThat(offsets).as("offsets of %s given to its task", tp)
                    .containsExactlyElementsOf(LongStream.range(0, ends.get(tp)).boxed().toList()));
            assertCommittedNotPastFlushed(name);

            // fewer tasks: the remaining ones take the partitions over from what was committed, and lose nothing
            worker.send("PUT", "/connectors/" + name + "/config", new io.vertx.core.json.JsonObject()
                    .put("connector.class", ProbeSink.class.getName()).put("topics", topic).put("tasks.max", "2")
                    .put("probe.mode", "buffer").encode());
            awaitAssigned(name, 2);
            assertThat(ProbeSink.opened(name).values()).extracting(Set::size).filteredOn(n -> n > 0).containsOnly(3);
            produce(topic, 600, 600);
            Map<TopicPartition, Long> after = endOffsets(topic);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(committed(name)).isEqualTo(after);
                Map<TopicPartition, Set<Long>> store = ProbeSink.store(name);
                after.forEach((tp, end) -> assertThat(store.getOrDefault(tp, Set.of())).as("offsets of %s in the store", tp)
                        .containsAll(LongStream.range(0, end).boxed().collect(Collectors.toSet())));
            });
        }
    }

    @Test
    void aStalledTaskDoesNotHoldUpTheOtherTasksOfItsSharedConsumer(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String name = "stalling";
        String topic = topic("stall");
        try (TestWorker worker = TestWorker.start(kafka, dir, worker("connector"))) {
            worker.create(name, Map.of("connector.class", ProbeSink.class.getName(), "topics", topic, "tasks.max", "3",
                    "probe.mode", "stall"));
            awaitAssigned(name, 3);
            Set<TopicPartition> stalled = Set.copyOf(ProbeSink.opened(name).get(0));
            ProbeSink.ARMED.put(name, true);
            try {
                produce(topic, 0, 600);
                Map<TopicPartition, Long> ends = endOffsets(topic);
                // task 0 is blocked in put; every record of the other tasks' partitions arrives meanwhile
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> ends.forEach((tp, end) -> {
                    if (!stalled.contains(tp)) {
                        assertThat(ProbeSink.putLog(name).getOrDefault(tp, List.of())).as("offsets of %s", tp)
                                .containsExactlyElementsOf(LongStream.range(0, end).boxed().toList());
                    }
                }));
                assertThat(stalled).allSatisfy(tp -> assertThat(ProbeSink.putLog(name).getOrDefault(tp, List.of()).size())
                        .as("records of %s, task 0's", tp).isLessThan(ends.get(tp).intValue()));
            } finally {
                ProbeSink.ARMED.put(name, false);
            }
            Map<TopicPartition, Long> ends = endOffsets(topic);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(committed(name)).isEqualTo(ends));
        }
    }

    // --- helpers ---

    private static Map<String, String> worker(String consumers) {
        Map<String, String> config = new HashMap<>(WORKER);
        config.put("runtime.sink.consumers", consumers);
        return config;
    }

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
