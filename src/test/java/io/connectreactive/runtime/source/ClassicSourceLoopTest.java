package io.connectreactive.runtime.source;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.connectreactive.kafka.ClientConfigs;
import io.connectreactive.kafka.SharedProducer;
import io.connectreactive.kafka.TopicCreation;
import io.connectreactive.metrics.ConnectMetrics;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.errors.ErrorHandler;
import io.connectreactive.runtime.errors.ErrorHandlingConfig;
import io.connectreactive.runtime.exec.TaskThread;
import io.connectreactive.runtime.glue.ConverterChain;
import io.connectreactive.runtime.glue.TransformChain;
import io.connectreactive.testing.KafkaBroker;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.converters.ByteArrayConverter;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A classic task's records go from {@code poll()} to Kafka on the task's own thread: against the
 * real broker, with a real Vert.x context, task thread and producer, several source and Kafka
 * partitions. Who calls {@code send}, order under the producer's refusals (a tiny
 * {@code buffer.memory}), pause, a failed poll, a stop while a poll is under way, the worker-wide
 * bound shared by two tasks, a topic created before its records go, and offsets that never run ahead
 * of Kafka's acknowledgements.
 */
@ExtendWith(KafkaBroker.class)
class ClassicSourceLoopTest {

    private static final int PARTITIONS = 4;
    /** The threads that called the producer's send(), by topic (a producer interceptor's onSend runs there). */
    static final Map<String, Set<String>> SENDERS = new ConcurrentHashMap<>();

    private final List<AutoCloseable> closing = new ArrayList<>();
    private Vertx vertx;
    private Context context;
    private KafkaBroker kafka;
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp(KafkaBroker kafka) {
        this.kafka = kafka;
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        vertx.close().await();
    }

    @Test
    void recordsAreSentFromTheTasksOwnThreadAndArriveOncePerPartitionInOrder() throws Exception {
        String topic = topic();
        SharedProducer producer = producer(Map.of("interceptor.classes", ThreadRecorder.class.getName()), 100_000);
        NumberedTask task = new NumberedTask(4_000, 1);
        ClassicSourceLoop loop = start(task, producer, topic, 10_000, false);
        List<ConsumerRecord<byte[], byte[]>> got = kafka.consume(topic, 4_000, Duration.ofSeconds(60));
        assertEveryNumberOnceInOrder(got, 4_000);
        assertThat(SENDERS.get(topic)).as("threads that called send()").containsExactly("cr-task-" + topic);
        await().atMost(Duration.ofSeconds(10)).until(() -> onContext(loop::inFlight) == 0);
        assertThat(onContext(loop::takeCommittable)).as("each source partition's last offset, once all were acknowledged")
                .isEqualTo(lastOffsets(4_000));
    }

    @Test
    void recordsTheProducerHandsBackAreRetriedInOrderWithoutLossOrDuplicates() throws Exception {
        String topic = topic();
        // a buffer of 64 KiB for 2 KiB records: the producer refuses (BufferExhaustedException) while it is full
        SharedProducer producer = producer(Map.of("buffer.memory", "65536", "batch.size", "16384", "linger.ms", "20"), 100_000);
        NumberedTask task = new NumberedTask(3_000, 50).payload(2_048);
        ClassicSourceLoop loop = start(task, producer, topic, 10_000, false);
        List<ConsumerRecord<byte[], byte[]>> got = kafka.consume(topic, 3_000, Duration.ofSeconds(90));
        assertEveryNumberOnceInOrder(got, 3_000);
        assertThat(loop.stalls()).as("times the producer handed records back").isPositive();
        await().atMost(Duration.ofSeconds(10)).until(() -> onContext(loop::inFlight) == 0);
        assertThat(onContext(loop::takeCommittable)).isEqualTo(lastOffsets(3_000));
        assertThat(failures).isEmpty();
    }

    @Test
    void aPausedTaskIsNotPolledAndGoesOnInOrderWhenResumed() throws Exception {
        String topic = topic();
        SharedProducer producer = producer(Map.of(), 100_000);
        NumberedTask task = new NumberedTask(Long.MAX_VALUE, 1);
        ClassicSourceLoop loop = start(task, producer, topic, 10_000, false);
        await().atMost(Duration.ofSeconds(30)).until(() -> task.polls.get() >= 1_000);
        context.runOnContext(v -> loop.pause());
        await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofMillis(100)).until(() -> {
            long before = task.polls.get();
            Thread.sleep(300);
            return task.polls.get() == before;
        });
        long whilePaused = task.polls.get();
        Thread.sleep(300);
        assertThat(task.polls.get()).as("no poll while paused").isEqualTo(whilePaused);
        context.runOnContext(v -> loop.resume());
        await().atMost(Duration.ofSeconds(30)).until(() -> task.polls.get() >= whilePaused + 1_000);
        loop.stopPolling();
        onContextCall(loop::drain).await(30, TimeUnit.SECONDS);
        long polled = task.polls.get();
        long sent = kafka.endOffset(topic);
        assertThat(sent).as("every record polled before the stop (a poll under way at the stop is dropped)")
                .isBetween(polled - 1, polled);
        assertEveryNumberOnceInOrder(kafka.consume(topic, (int) sent, Duration.ofSeconds(60)), sent);
    }

    @Test
    void aFailedPollFailsTheTaskAfterEveryRecordPolledBeforeItWasSent() throws Exception {
        String topic = topic();
        SharedProducer producer = producer(Map.of(), 100_000);
        NumberedTask task = new NumberedTask(Long.MAX_VALUE, 7).failAt(100);
        start(task, producer, topic, 10_000, false);
        await().atMost(Duration.ofSeconds(30)).until(() -> !failures.isEmpty());
        assertThat(failures.get(0)).hasMessage("poll 100 failed");
        assertEveryNumberOnceInOrder(kafka.consume(topic, 700, Duration.ofSeconds(60)), 700);
        Thread.sleep(200);
        assertThat(task.polls.get()).as("no poll after the failed one").isEqualTo(101);
        assertThat(kafka.endOffset(topic)).isEqualTo(700);
    }

    @Test
    void aStopWhilePollIsUnderWayDropsThatPollsRecordsAndDrainsThoseBeforeIt() throws Exception {
        String topic = topic();
        SharedProducer producer = producer(Map.of(), 100_000);
        CountDownLatch inThirdPoll = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        NumberedTask task = new NumberedTask(Long.MAX_VALUE, 100).holdAt(2, inThirdPoll, release);
        ClassicSourceLoop loop = start(task, producer, topic, 10_000, false);
        assertThat(inThirdPoll.await(30, TimeUnit.SECONDS)).isTrue();
        loop.stopPolling();
        Future<Void> drained = onContextCall(loop::drain);
        release.countDown();
        drained.await(30, TimeUnit.SECONDS);
        assertThat(onContext(loop::inFlight)).isZero();
        assertThat(onContext(loop::takeCommittable)).as("the offsets of the two polls before the stop")
                .isEqualTo(lastOffsets(200));
        Thread.sleep(300);
        assertThat(kafka.endOffset(topic)).as("the poll under way at the stop sent nothing").isEqualTo(200);
        assertThat(task.polls.get()).isEqualTo(3);
    }

    @Test
    void twoTasksShareTheWorkerWideBoundAndBothDeliverEverything() throws Exception {
        String topicA = topic();
        String topicB = topic();
        SharedProducer producer = producer(Map.of("linger.ms", "20"), 64);
        NumberedTask a = new NumberedTask(5_000, 40);
        NumberedTask b = new NumberedTask(5_000, 1);
        start(a, producer, topicA, 10_000, false);
        start(b, producer, topicB, 10_000, false);
        assertEveryNumberOnceInOrder(kafka.consume(topicA, 5_000, Duration.ofSeconds(60)), 5_000);
        assertEveryNumberOnceInOrder(kafka.consume(topicB, 5_000, Duration.ofSeconds(60)), 5_000);
        assertThat(producer.bound().peak()).as("records queued at once, worker-wide").isBetween(1, 64);
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.bound().queued() == 0);
    }

    @Test
    void commitRecordIsToldOfEveryAcknowledgedRecordOnTheTasksOwnThread() throws Exception {
        String topic = topic();
        SharedProducer producer = producer(Map.of(), 100_000);
        NumberedTask task = new NumberedTask(2_000, 10);
        start(task, producer, topic, 10_000, true);
        await().atMost(Duration.ofSeconds(60)).until(() -> task.committed.size() >= 2_000);
        Thread.sleep(200);
        assertThat(task.committed).hasSize(2_000);
        assertThat(task.committed.values()).as("each record's metadata").allMatch(md -> md.topic().equals(topic));
        assertThat(task.commitThreads).containsExactly("cr-task-" + topic);
    }

    @Test
    void commitRecordKnownNotToBlockIsCalledInTheAcknowledgementCallbackInEachPartitionsOrder() throws Exception {
        String topic = topic();
        SharedProducer producer = producer(Map.of(), 100_000);
        NumberedTask task = new NumberedTask(5_000, 50);
        ClassicSourceLoop loop = start(task, producer, topic, 10_000, true, true, null);
        await().atMost(Duration.ofSeconds(60)).until(() -> task.committed.size() >= 5_000);
        Thread.sleep(200);
        assertThat(task.committed).hasSize(5_000);
        assertThat(task.committed.values()).as("each record's metadata").allMatch(md -> md.topic().equals(topic) && md.hasOffset());
        assertThat(task.commitThreads).as("the producer's I/O thread, as in Kafka Connect")
                .singleElement().asString().startsWith("kafka-producer-network-thread");
        Map<Integer, Long> last = new HashMap<>();
        for (long n : task.commitOrder) {
            Long before = last.put((int) (n % PARTITIONS), n);
            assertThat(before == null || before < n).as("partition %d: %d after %d", n % PARTITIONS, n, before).isTrue();
        }
        assertThat(onContext(loop::takeCommittable)).as("each source partition's last offset, as without the callback")
                .isEqualTo(lastOffsets(5_000));
        assertThat(failures).isEmpty();
    }

    @Test
    void recordsInFlightStayWithinTheTasksBound() throws Exception {
        String topic = topic();
        SharedProducer producer = producer(Map.of("linger.ms", "50"), 100_000);
        NumberedTask task = new NumberedTask(3_000, 25);
        ClassicSourceLoop loop = start(task, producer, topic, 100, false);
        AtomicLong maxSeen = new AtomicLong();
        long sampler = vertx.setPeriodic(1, t -> maxSeen.accumulateAndGet(loop.inFlight(), Math::max));
        List<ConsumerRecord<byte[], byte[]>> got = kafka.consume(topic, 3_000, Duration.ofSeconds(60));
        vertx.cancelTimer(sampler);
        assertEveryNumberOnceInOrder(got, 3_000);
        // the bound is checked before each poll: it may be passed by at most one poll's records
        assertThat(maxSeen.get()).as("records in flight at most").isBetween(1L, 124L);
    }

    @Test
    void aNewTopicIsCreatedWithItsGroupsSettingsBeforeItsRecordsAreSent() throws Exception {
        String topic = KafkaBroker.uniqueTopic("created");
        SharedProducer producer = producer(Map.of(), 100_000);
        Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
        closing.add(admin);
        TopicCreation creation = TopicCreation.of(admin, true, Map.of("topic.creation.default.partitions", "4",
                "topic.creation.default.replication.factor", "1", "topic.creation.default.cleanup.policy", "compact"));
        NumberedTask task = new NumberedTask(1_000, 20);
        start(task, producer, topic, 10_000, false, creation);
        // read only once it exists: a consumer's metadata request would have the broker auto-create it (one partition)
        await().atMost(Duration.ofSeconds(30)).until(() -> admin.listTopics().names().get().contains(topic));
        assertEveryNumberOnceInOrder(kafka.consume(topic, 1_000, Duration.ofSeconds(60)), 1_000);
        var described = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
        assertThat(described.partitions()).hasSize(PARTITIONS);
        var resource = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
        assertThat(admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource).get("cleanup.policy").value())
                .isEqualTo("compact");
        assertThat(failures).isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    private String topic() throws Exception {
        String topic = KafkaBroker.uniqueTopic("loop");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        return topic;
    }

    private SharedProducer producer(Map<String, String> settings, int bound) {
        Map<String, String> all = new HashMap<>(settings);
        all.put("bootstrap.servers", kafka.bootstrapServers());
        SharedProducer p = new SharedProducer(vertx, ClientConfigs.withSourceProducerDefaults(all), new SharedProducer.QueueBound(bound), "cr-producer-test");
        closing.add(() -> p.close(vertx, Duration.ofSeconds(5)).await(10, TimeUnit.SECONDS));
        return p;
    }

    private ClassicSourceLoop start(NumberedTask task, SharedProducer producer, String topic, int maxInFlight, boolean commitRecord) {
        return start(task, producer, topic, maxInFlight, commitRecord, false, null);
    }

    private ClassicSourceLoop start(NumberedTask task, SharedProducer producer, String topic, int maxInFlight, boolean commitRecord,
                                    TopicCreation topicCreation) {
        return start(task, producer, topic, maxInFlight, commitRecord, false, topicCreation);
    }

    private ClassicSourceLoop start(NumberedTask task, SharedProducer producer, String topic, int maxInFlight, boolean commitRecord,
                                    boolean commitRecordOnAck, TopicCreation topicCreation) {
        task.topic = topic;
        TaskThread thread = new TaskThread("cr-task-" + topic);
        closing.add(thread::shutdown);
        TaskId id = new TaskId(topic, 0);
        ConverterChain converters = new ConverterChain(new StringConverter(), new ByteArrayConverter(), new SimpleHeaderConverter());
        ConnectMetrics metrics = new ConnectMetrics(false);
        ClassicSourceLoop loop = new ClassicSourceLoop(id, task, thread, context, TransformChain.empty(), converters,
                new ErrorHandler(id, ErrorHandlingConfig.NONE, null), producer, topicCreation, maxInFlight,
                commitRecord ? task::commitRecord : null, commitRecordOnAck,
                failures::add, metrics.task(id, true), t -> { });
        context.runOnContext(v -> loop.start());
        return loop;
    }

    private <T> T onContext(java.util.function.Supplier<T> call) throws Exception {
        return onContextCall(() -> Future.succeededFuture(call.get())).await(10, TimeUnit.SECONDS);
    }

    private <T> Future<T> onContextCall(java.util.function.Supplier<Future<T>> call) {
        io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
        context.runOnContext(v -> call.get().onComplete(p));
        return p.future();
    }

    /** Records 0..count-1, each number once, each Kafka partition's numbers increasing. */
    private static void assertEveryNumberOnceInOrder(List<ConsumerRecord<byte[], byte[]>> records, long count) {
        Map<Integer, Long> lastPerPartition = new HashMap<>();
        Set<Long> seen = new java.util.HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            long n = Long.parseLong(new String(r.key()));
            assertThat(seen.add(n)).as("record %d once", n).isTrue();
            Long last = lastPerPartition.put(r.partition(), n);
            assertThat(last == null || last < n).as("partition %d: %d after %d", r.partition(), n, last).isTrue();
        }
        assertThat(seen).hasSize((int) count);
        assertThat(seen.stream().mapToLong(Long::longValue).max().orElse(-1)).isEqualTo(count - 1);
    }

    /** The committable offsets once records 0..count-1 were all acknowledged: each source partition's last. */
    private static Map<Map<String, ?>, Map<String, ?>> lastOffsets(long count) {
        Map<Map<String, ?>, Map<String, ?>> out = new HashMap<>();
        for (long n = Math.max(0, count - NumberedTask.SOURCE_PARTITIONS); n < count; n++) {
            out.put(NumberedTask.sourcePartition(n), Map.of("n", n));
        }
        return out;
    }

    /**
     * Returns {@code perPoll} records per poll, numbered from 0 (key and offset "n"), record n of source
     * partition n % 3 and Kafka partition n % {@value #PARTITIONS}, until {@code count} records.
     */
    static final class NumberedTask extends SourceTask {
        static final int SOURCE_PARTITIONS = 3;
        final AtomicLong polls = new AtomicLong();
        final Map<Long, RecordMetadata> committed = new ConcurrentHashMap<>();
        final Set<String> commitThreads = ConcurrentHashMap.newKeySet();
        final Queue<Long> commitOrder = new ConcurrentLinkedQueue<>();
        private final long count;
        private final int perPoll;
        private long next;
        private long failAt = -1;
        private int payload;
        private long holdAt = -1;
        private CountDownLatch holding;
        private CountDownLatch release;
        volatile String topic;

        NumberedTask(long count, int perPoll) {
            this.count = count;
            this.perPoll = perPoll;
        }

        NumberedTask failAt(long poll) {
            this.failAt = poll;
            return this;
        }

        NumberedTask payload(int bytes) {
            this.payload = bytes;
            return this;
        }

        /** Poll number {@code poll} tells {@code holding}, then waits for {@code release}. */
        NumberedTask holdAt(long poll, CountDownLatch holding, CountDownLatch release) {
            this.holdAt = poll;
            this.holding = holding;
            this.release = release;
            return this;
        }

        static Map<String, ?> sourcePartition(long n) {
            return Map.of("p", (int) (n % SOURCE_PARTITIONS));
        }

        @Override
        public String version() {
            return "1";
        }

        @Override
        public void start(Map<String, String> props) {
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            long p = polls.getAndIncrement();
            if (p == failAt) {
                throw new IllegalStateException("poll " + p + " failed");
            }
            if (p == holdAt) {
                holding.countDown();
                release.await();
            }
            if (next >= count) {
                Thread.sleep(10);
                return null;
            }
            List<SourceRecord> out = new ArrayList<>(perPoll);
            for (int i = 0; i < perPoll && next < count; i++, next++) {
                byte[] value = ByteBuffer.allocate(Math.max(8, payload)).putLong(next).array();
                out.add(new SourceRecord(sourcePartition(next), Map.of("n", next), topic, (int) (next % PARTITIONS),
                        Schema.STRING_SCHEMA, Long.toString(next), Schema.BYTES_SCHEMA, value));
            }
            return out;
        }

        @Override
        public void commitRecord(SourceRecord record, RecordMetadata metadata) {
            commitThreads.add(Thread.currentThread().getName());
            committed.put((Long) record.sourceOffset().get("n"), metadata);
            commitOrder.add((Long) record.sourceOffset().get("n"));
        }

        @Override
        public void stop() {
        }
    }

    /** A producer interceptor that records which thread called {@code send()} for each topic. */
    public static final class ThreadRecorder implements ProducerInterceptor<byte[], byte[]> {
        @Override
        public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
            SENDERS.computeIfAbsent(record.topic(), t -> ConcurrentHashMap.newKeySet()).add(Thread.currentThread().getName());
            return record;
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        }

        @Override
        public void close() {
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }
}
