package io.connectreactive.runtime.source;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.metrics.ConnectMetrics;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.errors.ErrorHandler;
import io.connectreactive.runtime.errors.ErrorHandlingConfig;
import io.connectreactive.runtime.exec.TaskThread;
import io.connectreactive.runtime.glue.ConverterChain;
import io.connectreactive.runtime.glue.TransformChain;
import io.connectreactive.storage.kafka.KafkaOffsetStore;
import io.connectreactive.testing.KafkaBroker;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
 * An exactly-once task's records and offsets go to Kafka in its producer's transactions: against
 * the real broker, with real transactional producers, a real offsets topic read
 * {@code read_committed} and several source and Kafka partitions. A zombie fenced mid-stream by a
 * newer producer of the same transactional id, each transaction boundary (poll, interval,
 * connector-defined commits and aborts), pause and stop, and a record for the offsets topic.
 */
@ExtendWith(KafkaBroker.class)
class ExactlyOnceSourceLoopTest {

    private static final int PARTITIONS = 4;
    private static final int SOURCE_PARTITIONS = 3;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private Vertx vertx;
    private Context context;
    private KafkaBroker kafka;
    private String topic;
    private WorkerConfig config;

    @BeforeEach
    void setUp(KafkaBroker kafka) throws Exception {
        this.kafka = kafka;
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
        topic = KafkaBroker.uniqueTopic("eos");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, String> props = new HashMap<>();
        props.put(WorkerConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        props.put(WorkerConfig.GROUP_ID, KafkaBroker.uniqueTopic("eos-group"));
        props.put(WorkerConfig.CONFIG_STORAGE_TOPIC, topic + "-configs");
        props.put(WorkerConfig.OFFSET_STORAGE_TOPIC, topic + "-offsets");
        props.put(WorkerConfig.STATUS_STORAGE_TOPIC, topic + "-status");
        props.put(WorkerConfig.OFFSET_STORAGE_PARTITIONS, "5");
        config = new WorkerConfig(props);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        vertx.close().await();
    }

    @Test
    void aZombieFencedMidStreamLeavesEveryRecordOnceForAReadCommittedConsumer() throws Exception {
        Run first = start(new Numbered(6_000, 7), ExactlyOnceSourceLoop.Boundary.POLL, null);
        await().atMost(Duration.ofSeconds(60)).until(() -> first.task.polls.get() > 150);

        // a new generation of the same task (another worker, say): its producer fences the first one's
        Run second = start(null, ExactlyOnceSourceLoop.Boundary.POLL, store -> new Numbered(6_000, 7).from(resumePoint(store)));

        List<ConsumerRecord<byte[], byte[]>> committed = readCommitted(6_000);
        assertEveryNumberOnce(committed, 6_000);
        assertThat(failures).as("the first task's failure").hasSize(1);
        // fenced: the zombie's next transactional call is refused as fenced, or, when that call is an EndTxn the
        // coordinator gets while it bumps the epoch for the new producer, answered with the broker's unknown error
        // (a race of the 4.x coordinator under transactions V2, of the family of KAFKA-20785; seen once under load)
        assertThat(failures.get(0).getMessage()).containsAnyOf("was fenced out",
                "Unhandled error in EndTxnResponse: The server experienced an unexpected error");
        assertThat(second.loop.inFlight()).as("the second task committed its last records").isZero();
        assertThat(second.task.polls.get()).isPositive();
    }

    @Test
    void intervalBoundariesCommitSeveralPollsPerTransactionAndAStopCommitsTheLast() throws Exception {
        Run run = start(new Numbered(2_000, 5).pauseEvery(1), ExactlyOnceSourceLoop.Boundary.INTERVAL, null, 300);
        assertEveryNumberOnce(readCommitted(2_000), 2_000);
        long polls = run.task.polls.get();
        assertThat((long) run.task.commits.get()).as("task commits, one per transaction").isPositive().isLessThan(polls / 10);
        var size = run.metrics.registry().find("kafka.connect.source.task.transaction.size").summary();
        assertThat(size.count()).as("transactions metered").isEqualTo(run.task.commits.get());
        assertThat(size.totalAmount()).as("records in them").isEqualTo(2_000);
        assertThat(run.metrics.scrape()).contains("kafka_connect_source_task_transaction_size_min");

        Numbered endless = new Numbered(Long.MAX_VALUE, 5).pauseEvery(1);
        Run open = start(endless, ExactlyOnceSourceLoop.Boundary.INTERVAL, null, 600_000, topic + "-2");
        await().atMost(Duration.ofSeconds(30)).until(() -> endless.polls.get() > 20);
        assertThat(countCommitted(topic + "-2")).as("nothing visible while the transaction is open").isZero();
        open.loop.stopPolling();
        onContextCall(open.loop::drain).await(30, TimeUnit.SECONDS);
        long polled = endless.next;
        List<ConsumerRecord<byte[], byte[]>> committed = consume(topic + "-2", Integer.MAX_VALUE, Duration.ofSeconds(3));
        assertThat(numbers(committed)).as("the stop committed the open transaction (a poll returning after the stop is dropped)")
                .isEqualTo(new HashSet<>(range(0, committed.size())));
        assertThat((long) committed.size()).isBetween(polled - 5, polled).isPositive();
        assertThat(endless.commits.get()).isEqualTo(1);
    }

    @Test
    void aPauseCommitsTheOpenTransaction() throws Exception {
        Numbered endless = new Numbered(Long.MAX_VALUE, 5).pauseEvery(1);
        Run run = start(endless, ExactlyOnceSourceLoop.Boundary.INTERVAL, null, 600_000);
        await().atMost(Duration.ofSeconds(30)).until(() -> endless.polls.get() > 20);
        context.runOnContext(v -> run.loop.pause());
        await().atMost(Duration.ofSeconds(30)).until(() -> endless.commits.get() == 1 || !failures.isEmpty());
        assertThat(failures).isEmpty();
        long sent = endless.next;
        assertThat(countCommitted(topic)).isEqualTo(sent);
        Thread.sleep(200);
        assertThat(endless.next).as("not polled while paused").isEqualTo(sent);
        assertThat(failures).isEmpty();
    }

    @Test
    void connectorDefinedBoundariesCommitWhereTheTaskAsksAndAbortedRecordsAreNeverSeenNorReadAgain() throws Exception {
        TaskTransactionContext tx = new TaskTransactionContext();
        // commits after every poll of 50 records, except that it aborts the batch holding records 200..249
        Numbered task = new Numbered(1_000, 50).onBatch(n -> {
            if (n == 250) {
                tx.abortTransaction();
            } else {
                tx.commitTransaction();
            }
        });
        Run run = start(task, ExactlyOnceSourceLoop.Boundary.CONNECTOR, null, 0, topic, tx);
        List<ConsumerRecord<byte[], byte[]>> committed = readCommitted(950);
        Set<Long> numbers = numbers(committed);
        assertThat(numbers).hasSize(950).doesNotContainAnyElementsOf(range(200, 250));
        assertThat(numbers).containsAll(range(0, 200)).containsAll(range(250, 1_000));
        await().atMost(Duration.ofSeconds(10)).until(() -> resumePoint(run.store) == 1_000);
        assertThat(failures).isEmpty();
    }

    @Test
    void aRecordForTheOffsetsTopicFailsTheTask() throws Exception {
        Numbered task = new Numbered(10, 1);
        task.topicOverride = config.getString(WorkerConfig.OFFSET_STORAGE_TOPIC);
        start(task, ExactlyOnceSourceLoop.Boundary.POLL, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> !failures.isEmpty());
        assertThat(failures.get(0)).hasMessageContaining("may not produce to their own offsets topics");
    }

    // ------------------------------------------------------------------ helpers

    private record Run(Numbered task, ExactlyOnceSourceLoop loop, KafkaOffsetStore store, ConnectMetrics metrics) {
    }

    private Run start(Numbered task, ExactlyOnceSourceLoop.Boundary boundary, Function<KafkaOffsetStore, Numbered> fromStore) throws Exception {
        return start(task, boundary, fromStore, 0);
    }

    private Run start(Numbered task, ExactlyOnceSourceLoop.Boundary boundary, Function<KafkaOffsetStore, Numbered> fromStore,
                      long intervalMs) throws Exception {
        return start(task, boundary, fromStore, intervalMs, topic);
    }

    private Run start(Numbered task, ExactlyOnceSourceLoop.Boundary boundary, Function<KafkaOffsetStore, Numbered> fromStore,
                      long intervalMs, String toTopic) throws Exception {
        return start(fromStore == null ? task : null, boundary, fromStore, intervalMs, toTopic, null);
    }

    private Run start(Numbered given, ExactlyOnceSourceLoop.Boundary boundary, Function<KafkaOffsetStore, Numbered> fromStore,
                      long intervalMs, String toTopic, TaskTransactionContext tx) throws Exception {
        if (!toTopic.equals(topic)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(toTopic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
        }
        TaskId id = new TaskId(topic, 0);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "eos-test-" + toTopic + "-0");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        closing.add(() -> producer.close(Duration.ofSeconds(5)));
        // as a worker starts an exactly-once task: its producer first (fencing an older one of the same
        // transactional id), then the offsets, read to the end, then the task
        producer.initTransactions();
        KafkaOffsetStore store = new KafkaOffsetStore(vertx, config, true);
        onContextCall(store::start).await(60, TimeUnit.SECONDS);
        closing.add(() -> onContextCall(store::stop).await(30, TimeUnit.SECONDS));
        Numbered task = given != null ? given : fromStore.apply(store);
        task.topic = task.topicOverride != null ? task.topicOverride : toTopic;
        TaskThread thread = new TaskThread("cr-task-" + toTopic + "-" + closing.size());
        closing.add(thread::shutdown);
        CompletableFuture<ExactlyOnceSourceLoop> loop = new CompletableFuture<>();
        ConnectMetrics metrics = new ConnectMetrics(false);
        thread.execute(() -> {
            try {
                ConverterChain converters = new ConverterChain(new StringConverter(), new ByteArrayConverter(), new SimpleHeaderConverter());
                loop.complete(new ExactlyOnceSourceLoop(id, task, thread, context, TransformChain.empty(), converters,
                        new ErrorHandler(id, ErrorHandlingConfig.NONE, null), producer, boundary, intervalMs, tx, store, null,
                        null, task.commits::incrementAndGet, failures::add, metrics.task(id, true), t -> { }));
            } catch (Throwable t) {
                loop.completeExceptionally(t);
            }
        });
        ExactlyOnceSourceLoop started = loop.get(60, TimeUnit.SECONDS);
        context.runOnContext(v -> started.start());
        return new Run(task, started, store, metrics);
    }

    /** Where a task resumes: after the highest number whose offset committed (transactions commit prefixes). */
    private long resumePoint(KafkaOffsetStore store) {
        long next = 0;
        for (int p = 0; p < SOURCE_PARTITIONS; p++) {
            Map<String, Object> offset = store.offset(topic, Map.of("p", p));
            if (offset != null) {
                next = Math.max(next, ((Number) offset.get("n")).longValue() + 1);
            }
        }
        return next;
    }

    private List<ConsumerRecord<byte[], byte[]>> readCommitted(int count) {
        return consume(topic, count, Duration.ofSeconds(90));
    }

    private long countCommitted(String t) {
        return consume(t, Integer.MAX_VALUE, Duration.ofSeconds(3)).size();
    }

    /** The records of {@code t} a read_committed consumer sees, until {@code count} of them or the timeout. */
    private List<ConsumerRecord<byte[], byte[]>> consume(String t, int count, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                partitions.add(new TopicPartition(t, i));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static Set<Long> numbers(List<ConsumerRecord<byte[], byte[]>> records) {
        Set<Long> out = new HashSet<>();
        records.forEach(r -> out.add(Long.parseLong(new String(r.key()))));
        return out;
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long n = from; n < to; n++) {
            out.add(n);
        }
        return out;
    }

    private static void assertEveryNumberOnce(List<ConsumerRecord<byte[], byte[]>> records, long count) {
        Map<Long, Integer> seen = new HashMap<>();
        records.forEach(r -> seen.merge(Long.parseLong(new String(r.key())), 1, Integer::sum));
        assertThat(seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList())
                .as("numbers a read_committed consumer saw twice").isEmpty();
        assertThat(seen).hasSize((int) count);
    }

    private <T> T onContext(java.util.function.Supplier<T> call) throws Exception {
        return onContextCall(() -> Future.succeededFuture(call.get())).await(10, TimeUnit.SECONDS);
    }

    private <T> Future<T> onContextCall(java.util.function.Supplier<Future<T>> call) {
        Promise<T> p = Promise.promise();
        context.runOnContext(v -> call.get().onComplete(p));
        return p.future();
    }

    /**
     * Records numbered from {@code from} (key and offset "n"), {@code perPoll} per poll, record n of
     * source partition n % 3 and Kafka partition n % 4, until {@code count}.
     */
    static final class Numbered extends SourceTask {
        final AtomicLong polls = new AtomicLong();
        final AtomicInteger commits = new AtomicInteger();
        private final long count;
        private final int perPoll;
        private java.util.function.LongConsumer onBatch = n -> { };
        private long pauseEveryPolls;
        volatile long next;
        volatile String topic;
        String topicOverride;

        Numbered(long count, int perPoll) {
            this.count = count;
            this.perPoll = perPoll;
        }

        Numbered from(long n) {
            next = n;
            return this;
        }

        /** Called on the task's thread with the number after each batch, before the batch is returned. */
        Numbered onBatch(java.util.function.LongConsumer call) {
            onBatch = call;
            return this;
        }

        /** Sleeps 1 ms before every {@code polls}-th poll. */
        Numbered pauseEvery(long polls) {
            pauseEveryPolls = polls;
            return this;
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
            long p = polls.incrementAndGet();
            if (pauseEveryPolls > 0 && p % pauseEveryPolls == 0) {
                Thread.sleep(1);
            }
            if (next >= count) {
                Thread.sleep(10);
                return null;
            }
            List<SourceRecord> out = new ArrayList<>(perPoll);
            long n = next;
            for (int i = 0; i < perPoll && n < count; i++, n++) {
                out.add(new SourceRecord(Map.of("p", (int) (n % SOURCE_PARTITIONS)), Map.of("n", n), topic, (int) (n % PARTITIONS),
                        Schema.STRING_SCHEMA, Long.toString(n), Schema.BYTES_SCHEMA, new byte[16]));
            }
            next = n;
            onBatch.accept(n);
            return out;
        }

        @Override
        public void stop() {
        }
    }
}
