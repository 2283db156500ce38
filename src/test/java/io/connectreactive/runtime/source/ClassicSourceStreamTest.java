package io.connectreactive.runtime.source;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.errors.ErrorHandler;
import io.connectreactive.runtime.errors.ErrorHandlingConfig;
import io.connectreactive.runtime.exec.TaskThread;
import io.connectreactive.runtime.glue.ConverterChain;
import io.connectreactive.runtime.glue.TransformChain;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The classic source stream polls ahead of the event loop, within its bound, and keeps the order of
 * records and of a failure: a real Vert.x context, a real task thread and JsonConverter, a task that
 * returns one record per poll (as Kafka's {@code SchemaSourceTask} does).
 */
class ClassicSourceStreamTest {

    private Vertx vertx;
    private Context context;
    private TaskThread thread;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
        thread = new TaskThread("cr-task-test-0");
    }

    @AfterEach
    void tearDown() {
        thread.shutdown();
        vertx.close().await();
    }

    @Test
    void aOneRecordPollTaskIsPolledAheadWhileTheEventLoopIsBusyButNoFurtherThanTheBound() throws Exception {
        OneRecordTask task = new OneRecordTask(Long.MAX_VALUE);
        ClassicSourceStream stream = stream(task);
        List<Long> received = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        context.runOnContext(v -> {
            stream.preparedHandler((record, converted, reported) -> received.add((Long) record.sourceOffset().get("n")));
            stream.fetch(Long.MAX_VALUE);
            // hold the event loop: the thread keeps polling meanwhile, up to the bound
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().atMost(5, TimeUnit.SECONDS).until(() -> task.polls.get() - received.size() >= ClassicSourceStream.AHEAD);
        Thread.sleep(200);
        // what the context took before it was held is in received; the rest waits
        assertThat(task.polls.get() - received.size())
                .as("records polled while the event loop could take nothing: the bound and the poll that crossed it")
                .isBetween((long) ClassicSourceStream.AHEAD, (long) ClassicSourceStream.AHEAD + 1);
        release.countDown();
        await().atMost(10, TimeUnit.SECONDS).until(() -> received.size() >= 5_000);
        List<Long> snapshot = List.copyOf(received);
        List<Long> expected = new ArrayList<>();
        for (long n = 0; n < snapshot.size(); n++) {
            expected.add(n);
        }
        assertThat(snapshot).as("every polled record once, in poll order").isEqualTo(expected);
    }

    @Test
    void pausingStopsPollingWithinTheBoundAndResumingGoesOnInOrder() throws Exception {
        OneRecordTask task = new OneRecordTask(Long.MAX_VALUE);
        ClassicSourceStream stream = stream(task);
        List<Long> received = new CopyOnWriteArrayList<>();
        start(stream, (record, converted, reported) -> {
            received.add((Long) record.sourceOffset().get("n"));
            if (received.size() == 1_000) {
                stream.pause();
            }
        });
        await().atMost(10, TimeUnit.SECONDS).until(() -> received.size() >= 1_000);
        Thread.sleep(300);
        long pollsWhilePaused = task.polls.get();
        Thread.sleep(300);
        assertThat(task.polls.get()).as("no poll while paused").isEqualTo(pollsWhilePaused);
        assertThat(pollsWhilePaused - received.size())
                .as("records polled but not emitted while paused: bounded")
                .isLessThanOrEqualTo(ClassicSourceStream.AHEAD + 1);
        assertThat(received).hasSize(1_000);
        context.runOnContext(v -> stream.resume());
        await().atMost(10, TimeUnit.SECONDS).until(() -> received.size() >= 3_000);
        for (int i = 0; i < 3_000; i++) {
            assertThat(received.get(i)).isEqualTo(i);
        }
    }

    @Test
    void aFailedPollEndsTheStreamAfterEveryRecordPolledBeforeIt() {
        OneRecordTask task = new OneRecordTask(700);
        ClassicSourceStream stream = stream(task);
        List<Long> received = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong receivedAtFailure = new AtomicLong(-1);
        context.runOnContext(v -> {
            stream.exceptionHandler(e -> {
                receivedAtFailure.set(received.size());
                failure.set(e);
            });
            stream.preparedHandler((record, converted, reported) -> received.add((Long) record.sourceOffset().get("n")));
            stream.fetch(Long.MAX_VALUE);
        });
        await().atMost(10, TimeUnit.SECONDS).until(() -> failure.get() != null);
        assertThat(failure.get()).hasMessage("poll 700 failed");
        assertThat(receivedAtFailure.get()).as("records emitted before the failure was told").isEqualTo(700);
        assertThat(task.polls.get()).as("no poll after the failed one").isEqualTo(701);
    }

    @Test
    void recordsOfAOneRecordPollTaskReachTheEventLoopInGathersNotOneWakeUpEach() {
        // 20 µs per poll, as a task building one record per poll: slower than the event loop takes them, so
        // without gathering every record would be a drain of its own
        OneRecordTask task = new OneRecordTask(Long.MAX_VALUE, 20, 0);
        ClassicSourceStream stream = stream(task);
        List<Long> received = new CopyOnWriteArrayList<>();
        start(stream, (record, converted, reported) -> received.add((Long) record.sourceOffset().get("n")));
        await().atMost(30, TimeUnit.SECONDS).until(() -> received.size() >= 20_000);
        long records = received.size();
        long drains = stream.drains();
        // at most one drain per millisecond once the task runs faster than that, as it does here
        assertThat(drains).as("event-loop drains for %d records", records).isLessThan(records / 5);
        List<Long> snapshot = List.copyOf(received);
        for (int i = 0; i < snapshot.size(); i++) {
            assertThat(snapshot.get(i)).isEqualTo(i);
        }
    }

    @Test
    void aRecordOfASlowTaskIsDrainedAtOnceNotHeldForAGather() {
        // one record per 20 ms
        OneRecordTask task = new OneRecordTask(Long.MAX_VALUE, 0, 20);
        ClassicSourceStream stream = stream(task);
        List<Long> delaysMs = new CopyOnWriteArrayList<>();
        start(stream, (record, converted, reported) ->
                delaysMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - (Long) record.sourceOffset().get("at"))));
        await().atMost(20, TimeUnit.SECONDS).until(() -> delaysMs.size() >= 20);
        List<Long> sorted = new ArrayList<>(delaysMs);
        sorted.sort(null);
        // each poll's record comes 20 ms after the last: drained right away (a gather would hold it ~1-2 ms;
        // the slack is for a loaded machine)
        assertThat(sorted.get(sorted.size() / 2)).as("median poll → handler delay, ms").isLessThan(5);
        assertThat(stream.drains()).as("one drain per record").isGreaterThanOrEqualTo(sorted.size() - 1L);
    }

    /** On the context: records go to {@code handler}, with unbounded demand. */
    private void start(ClassicSourceStream stream, ClassicSourceStream.PreparedHandler handler) {
        context.runOnContext(v -> {
            stream.preparedHandler(handler);
            stream.fetch(Long.MAX_VALUE);
        });
    }

    private ClassicSourceStream stream(SourceTask task) {
        JsonConverter key = new JsonConverter();
        key.configure(Map.of("schemas.enable", "true"), true);
        JsonConverter value = new JsonConverter();
        value.configure(Map.of("schemas.enable", "true"), false);
        ConverterChain converters = new ConverterChain(key, value, new SimpleHeaderConverter());
        TaskId id = new TaskId("test", 0);
        return new ClassicSourceStream(id, task, thread, context, TransformChain.empty(), converters, false,
                new ErrorHandler(id, ErrorHandlingConfig.NONE, null));
    }

    /**
     * Returns one record per poll (poll n carries offset n, and in "at" when poll() returned it, System.nanoTime);
     * its poll number {@code failAt} throws.
     */
    private static final class OneRecordTask extends SourceTask {
        final AtomicLong polls = new AtomicLong();
        private final long failAt;
        private final long spinNanos;
        private final long sleepMs;

        OneRecordTask(long failAt) {
            this(failAt, 0, 0);
        }

        /** Each poll also spins {@code spinMicros}, then sleeps {@code sleepMs}, before it returns. */
        OneRecordTask(long failAt, long spinMicros, long sleepMs) {
            this.failAt = failAt;
            this.spinNanos = TimeUnit.MICROSECONDS.toNanos(spinMicros);
            this.sleepMs = sleepMs;
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
            long until = System.nanoTime() + spinNanos;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            if (sleepMs > 0) {
                Thread.sleep(sleepMs);
            }
            long n = polls.getAndIncrement();
            if (n == failAt) {
                throw new IllegalStateException("poll " + n + " failed");
            }
            return List.of(new SourceRecord(Map.of("p", 0), Map.of("n", n, "at", System.nanoTime()), "t", null,
                    Schema.STRING_SCHEMA, "record " + n));
        }

        @Override
        public void stop() {
        }
    }
}
