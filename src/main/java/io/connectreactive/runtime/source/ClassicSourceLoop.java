package io.connectreactive.runtime.source;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import io.connectreactive.kafka.SharedProducer;
import io.connectreactive.kafka.TopicCreation;
import io.connectreactive.metrics.TaskMetrics;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.errors.ErrorHandler;
import io.connectreactive.runtime.exec.TaskThread;
import io.connectreactive.runtime.glue.ConverterChain;
import io.connectreactive.runtime.glue.TransformChain;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * A classic {@link SourceTask}'s records, from {@code poll()} to Kafka, on the task's own
 * {@link TaskThread}: poll, then for each record the connector's transforms and converters (which
 * may block: a Schema Registry converter makes HTTP calls), then the shared producer's
 * {@link SharedProducer#sendNow}, as Kafka Connect's task thread does. The record crosses no other
 * thread of ours; the event loop does no per-record work.
 *
 * <p><b>Threads.</b> The task's thread runs steps: a step polls and sends for up to
 * {@value #STEP_MS} ms, then queues the next step behind whatever else was queued on the thread
 * meanwhile (the task's {@code commit()} after an offset flush, its {@code commitRecord} calls), so
 * those wait at most that long. The producer's I/O thread runs the acknowledgements: it marks the
 * record's offset entry acknowledged in {@link SubmittedOffsets}, gives the record's room back to the
 * worker-wide bound and, when the task overrides {@code commitRecord}, queues the record for it (the
 * next step calls it on the task's thread, so plugin code never runs on the I/O thread) — unless the
 * task's class is one whose {@code commitRecord} is known not to block
 * ({@code runtime.source.commit.record.on.ack}, MirrorMaker 2's source task by default): then the I/O
 * thread calls it in the callback, as Kafka Connect does, and the task's thread, the one a
 * consumer-backed source is bound by, does not spend its time there. The task's
 * context (event loop) does control only: pause and resume, the commit timer's
 * {@link #takeCommittable()}, drain, failure reports. {@link SubmittedOffsets} is the one structure
 * all three touch, under its monitor.
 *
 * <p><b>What may block.</b> Only plugin code, on the task's thread. Sends never block
 * ({@code max.block.ms=0}).
 *
 * <p><b>What waits, and how much.</b> Records polled and not yet sent wait in this task's
 * {@code pending} queue, in order: at most one poll's records, since the next poll comes only once
 * they are sent. They wait (and the task is not polled) while
 * <ul>
 * <li>the worker-wide bound ({@code runtime.source.max.queued.records}) has no room for them: the
 * task's thread asks the bound for room for all of them (taken at once while there is room, no hop);
 * without room the request waits its turn, in FIFO order among tasks, and the grant, on the context,
 * queues a step;
 * <li>the producer refuses a record with a retriable error (its topic is not in the metadata yet,
 * {@code buffer.memory} is full): the task gives its room back and retries after a backoff (20 ms
 * doubling to 1 s; a full buffer always 20 ms) from that record on, in order, logging once after
 * {@value SendStalls#WARN_AFTER_MS} ms and once when it sends again. Other tasks, on their own threads, go on;
 * <li>a new topic is being created ({@code topic.creation.*}).
 * </ul>
 * Besides, the task is not polled while paused, stopping, or while its records in flight reach
 * {@code runtime.source.max.in.flight.records}: an acknowledgement that brings them to half queues a
 * step.
 *
 * <p><b>Offsets.</b> A poll's records are submitted to {@link SubmittedOffsets} in order before any
 * of them is sent; consecutive records of one source partition in a poll share an entry. An offset
 * becomes committable only when its record and every earlier record of its partition were
 * acknowledged, dropped by a transform, or (with {@code errors.tolerance=all}) written to the
 * dead-letter queue or refused by Kafka and skipped (KIP-779). A record Kafka refuses otherwise fails
 * the task, and its offset and every later one of its partition never commit.
 *
 * <p><b>Stopping.</b> Once stopping, the task is not polled again, and the records of a poll that
 * returns after that are dropped, neither sent nor acknowledged (as Kafka Connect drops them); the
 * records already polled are still sent, and {@link #drain()} completes when all are acknowledged.
 */
final class ClassicSourceLoop implements SourceFlow {

    /** How long one step polls and sends before it lets other calls on the task's thread run. */
    static final long STEP_MS = 1;
    private static final long STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(STEP_MS);
    /** Acknowledged records counted in the task's meters at once (the meters are not touched per record). */
    private static final int WRITTEN_REPORT = 64;

    private final TaskId id;
    private final SourceTask task;
    private final TaskThread thread;
    private final Context context;
    private final TransformChain<SourceRecord> transforms;
    private final ConverterChain converters;
    private final ErrorHandler errors;
    private final SharedProducer producer;
    private final SharedProducer.QueueBound bound;
    private final TopicCreation topicCreation;
    private final int maxInFlight;
    /** The task's {@code commitRecord}, or null when the task does not override it. */
    private final BiConsumer<SourceRecord, RecordMetadata> commitRecord;
    /** {@code commitRecord} is known not to block: called in the acknowledgement callback, not queued for the task's thread. */
    private final boolean commitRecordOnAck;
    private final Handler<Throwable> onFailure;
    private final TaskMetrics metrics;
    private final Consumer<String> topicUsed;

    /** Shared by the three threads, under its own monitor. */
    private final SubmittedOffsets offsets = new SubmittedOffsets();
    /** Acknowledged records not yet counted in the meters; under {@code offsets}' monitor. */
    private int unreported;
    /**
     * {@code offsets.inFlight()} as last written under its monitor, for the task's thread to decide
     * whether to poll without taking the monitor the acknowledgements take; what must be exact
     * (drain) reads the offsets themselves.
     */
    private volatile int inFlightNow;

    // flags any thread reads
    private volatile boolean paused;
    private volatile boolean stopping;
    private volatile boolean closed;
    private volatile boolean failed;
    /** The records in flight reached the bound; an acknowledgement that halves them queues a step. */
    private volatile boolean full;
    /** A step is queued or running on the task's thread. */
    private final AtomicBoolean stepQueued = new AtomicBoolean();
    /** Room in the worker-wide bound this task holds for records not yet sent. */
    private final AtomicInteger room = new AtomicInteger();
    /** Acknowledged records for the task's {@code commitRecord}, in acknowledgement order. */
    private final Queue<Acked> toCommit = new ConcurrentLinkedQueue<>();
    /** Topics that exist (or were created) for {@code topic.creation.*}; read on the task's thread. */
    private final Set<String> createdTopics = ConcurrentHashMap.newKeySet();

    // on the task's thread
    private final ArrayDeque<Prepared> pending = new ArrayDeque<>();
    private volatile boolean waitingForRoom;
    private volatile boolean waitingForTopic;
    private volatile boolean retryPending;
    private final SendStalls sendStalls;
    /** Times the producer handed a record back (for tests); read anywhere. */
    private volatile long stalls;
    /** The task's thread while a step runs; a callback on it during {@code send} is a synchronous refusal. */
    private volatile Thread stepThread;
    private Sent sending;
    private Exception refusal;
    /** Records polled in this step, counted in the meters at its end. */
    private int polledInStep;

    /** The task's request waiting in the bound, to withdraw at close; written on the task's thread. */
    private volatile Runnable roomRequest;

    // on the context
    private Promise<Void> drained;

    /**
     * @param commitRecord calls the task's {@code commitRecord}, never throwing, for every acknowledged
     *        or dropped record, on any thread (with the plugin's class loader); null when the task does not override it
     * @param commitRecordOnAck call {@code commitRecord} in the acknowledgement callback rather than on the task's thread
     * @param topicCreation the connector's topic creation, or null
     * @param onFailure told on the context when the task's records can go no further
     * @param metrics the task's meters
     * @param topicUsed told of every acknowledged record's topic (KIP-558 active topics); any thread
     */
    ClassicSourceLoop(TaskId id, SourceTask task, TaskThread thread, Context context, TransformChain<SourceRecord> transforms,
                      ConverterChain converters, ErrorHandler errors, SharedProducer producer, TopicCreation topicCreation,
                      int maxInFlight, BiConsumer<SourceRecord, RecordMetadata> commitRecord, boolean commitRecordOnAck,
                      Handler<Throwable> onFailure, TaskMetrics metrics, Consumer<String> topicUsed) {
        this.id = id;
        this.task = task;
        this.thread = thread;
        this.context = context;
        this.transforms = transforms;
        this.converters = converters;
        this.errors = errors;
        this.producer = producer;
        this.bound = producer.bound();
        this.topicCreation = topicCreation;
        this.maxInFlight = Math.max(1, maxInFlight);
        this.commitRecord = commitRecord;
        this.commitRecordOnAck = commitRecord != null && commitRecordOnAck;
        this.onFailure = onFailure;
        this.metrics = metrics;
        this.topicUsed = topicUsed;
        this.sendStalls = new SendStalls(id);
        metrics.activeRecords(this::inFlight);
    }

    // ------------------------------------------------------------------ control, on the context

    @Override
    public void start() {
        schedule();
    }

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        paused = false;
        schedule();
    }

    @Override
    public int inFlight() {
        synchronized (offsets) {
            return offsets.inFlight();
        }
    }

    @Override
    public Map<Map<String, ?>, Map<String, ?>> takeCommittable() {
        synchronized (offsets) {
            return offsets.takeCommittable();
        }
    }

    @Override
    public void restoreCommittable(Map<Map<String, ?>, Map<String, ?>> failedWrite) {
        synchronized (offsets) {
            offsets.restore(failedWrite);
        }
    }

    /** How many times the producer handed a record back (each a retry after a backoff). */
    long stalls() {
        return stalls;
    }

    /** Stops polling; a poll under way still returns, and its records are dropped. Any thread. */
    void stopPolling() {
        stopping = true;
    }

    @Override
    public Future<Void> drain() {
        stopping = true;
        if (failed || inFlight() == 0) {
            return Future.succeededFuture();
        }
        drained = Promise.promise();
        schedule(); // records polled and not yet sent still go
        return drained.future();
    }

    @Override
    public void close() {
        closed = true;
        stopping = true;
        Runnable request = roomRequest;
        if (request != null && bound.cancel(request)) {
            roomRequest = null;
            waitingForRoom = false;
        }
        bound.release(room.getAndSet(0));
    }

    /** On the context: the bound granted the room asked for. */
    private void granted(int n) {
        roomRequest = null;
        waitingForRoom = false;
        if (closed) {
            bound.release(n);
            return;
        }
        room.addAndGet(n);
        schedule();
    }

    private void checkDrained() {
        if (drained != null && (failed || inFlight() == 0)) {
            drained.tryComplete();
        }
    }

    /** Any thread: the task can go no further; the context hears it once. */
    private void fail(Throwable t) {
        if (failed) {
            return;
        }
        failed = true;
        TaskThread.hop(context, () -> {
            checkDrained();
            if (!stopping) {
                onFailure.handle(t);
            }
        });
    }

    // ------------------------------------------------------------------ the task's thread

    /** Any thread: queues a step on the task's thread unless one is queued or running. */
    private void schedule() {
        if (!closed && !failed && stepQueued.compareAndSet(false, true) && !thread.execute(this::step)) {
            stepQueued.set(false);
        }
    }

    private void step() {
        stepThread = Thread.currentThread();
        long until = System.nanoTime() + STEP_NANOS;
        try {
            do {
                commitAcked();
                if (!sendPending() || !mayPoll()) {
                    break;
                }
            } while (poll() - until < 0);
        } catch (Throwable t) {
            // a failed poll: the records polled before it were sent; nothing is polled again
            fail(t);
        } finally {
            if (polledInStep > 0) {
                metrics.polled(polledInStep);
                polledInStep = 0;
            }
            stepThread = null;
            stepQueued.set(false);
        }
        if (hasWork()) {
            schedule();
        }
    }

    private boolean mayPoll() {
        if (closed || failed || stopping || paused) {
            return false;
        }
        if (inFlightNow >= maxInFlight) {
            full = true;
            // an acknowledgement may have halved them before the flag was seen
            if (inFlightNow >= maxInFlight) {
                return false;
            }
            full = false;
        }
        return true;
    }

    /** On the task's thread, after a step: whether another step is due now (else whatever unblocks it queues one). */
    private boolean hasWork() {
        if (closed || failed) {
            return false;
        }
        if (!toCommit.isEmpty()) {
            return true;
        }
        if (!pending.isEmpty()) {
            return !waitingForRoom && !waitingForTopic && !retryPending;
        }
        return !stopping && !paused && !full;
    }

    /**
     * poll(), then transforms and converters per record (each a stage of the error handler), then the
     * records' offsets. Returns when {@code poll()} returned ({@link System#nanoTime()}), for the step's clock.
     */
    @SuppressWarnings("unchecked")
    private long poll() throws InterruptedException {
        long t0 = System.nanoTime();
        List<SourceRecord> records = task.poll();
        long t1 = System.nanoTime();
        if (records == null || records.isEmpty()) {
            return t1;
        }
        if (stopping || closed) {
            return t1; // polled while the task was being stopped: dropped, as in Kafka Connect
        }
        metrics.pollTime(t1 - t0); // as Kafka Connect's poll-batch-time: polls that returned records
        int n = records.size();
        ProducerRecord<byte[], byte[]>[] converted = new ProducerRecord[n];
        CompletableFuture<Void>[] reports = null;
        for (int i = 0; i < n; i++) {
            SourceRecord record = records.get(i);
            errors.startRecord();
            converted[i] = errors.run(true, record, g -> {
                SourceRecord transformed = transforms.isEmpty() ? record : transforms.apply(record, g);
                return transformed == null ? null : converters.toProducerRecord(transformed, g);
            });
            if (converted[i] == null) {
                CompletableFuture<Void> report = errors.takeReport();
                if (report != null) {
                    if (reports == null) {
                        reports = new CompletableFuture[n];
                    }
                    reports[i] = report;
                }
                if (commitRecord != null) {
                    commitRecord.accept(record, null);
                }
            }
        }
        SubmittedOffsets.Entry[] entries = new SubmittedOffsets.Entry[n];
        synchronized (offsets) {
            if (stopping || closed) {
                // a drain that found nothing in flight may have completed: nothing is submitted after it
                return t1;
            }
            SubmittedOffsets.Entry last = null;
            for (int i = 0; i < n; i++) {
                SourceRecord record = records.get(i);
                if (converted[i] != null && last != null && last.samePartition(record.sourcePartition())) {
                    offsets.extend(last, record.sourceOffset());
                    entries[i] = last;
                    continue;
                }
                entries[i] = offsets.submit(record.sourcePartition(), record.sourceOffset());
                if (converted[i] == null) {
                    last = null; // a later record must not move its offset before this one's
                    if (reports == null || reports[i] == null) {
                        offsets.ack(entries[i]); // dropped by a transform: done for its offset, as in Kafka Connect
                    }
                } else {
                    last = entries[i];
                }
            }
            inFlightNow = offsets.inFlight();
        }
        polledInStep += n;
        metrics.batch(n);
        for (int i = 0; i < n; i++) {
            if (converted[i] != null) {
                pending.addLast(new Prepared(records.get(i), converted[i], entries[i]));
            } else if (reports != null && reports[i] != null) {
                SubmittedOffsets.Entry entry = entries[i];
                // failed, tolerated, written to the dead-letter queue: done for its offset once that write is acknowledged
                reports[i].whenComplete((v, err) -> {
                    if (err != null) {
                        fail(err instanceof CompletionException && err.getCause() != null ? err.getCause() : err);
                    } else {
                        acked(entry, null);
                    }
                });
            }
        }
        sendPending();
        return t1;
    }

    /**
     * Sends the pending records in order while there is room for them and the producer takes them;
     * false when some must wait (then whatever ends the wait queues a step).
     */
    private boolean sendPending() {
        while (!pending.isEmpty()) {
            if (closed || failed || waitingForRoom || waitingForTopic || retryPending) {
                return false;
            }
            if (!takeRoom()) {
                return false;
            }
            Prepared p = pending.peekFirst();
            String topic = p.converted.topic();
            if (topicCreation != null && !createdTopics.contains(topic)) {
                room.incrementAndGet();
                createTopic(topic);
                return false;
            }
            Sent cb = new Sent(p.original, p.entry);
            sending = cb;
            refusal = null;
            producer.sendNow(p.converted, cb);
            sending = null;
            Exception refused = refusal;
            if (refused instanceof RetriableException) {
                room.incrementAndGet();
                stall(refused);
                return false;
            }
            pending.pollFirst();
            if (refused != null) {
                cb.onCompletion(null, refused); // this record is refused (too large, an interceptor's error...)
            } else {
                sendStalls.flowing();
            }
        }
        return true;
    }

    /**
     * Takes room for one record: from what this task holds, else from the bound, for every pending
     * record at once (the bound is thread-safe: no hop while there is room). Without room the request
     * waits in the bound's FIFO, and its grant, on the context, queues a step.
     */
    private boolean takeRoom() {
        while (true) {
            int held = room.get();
            if (held <= 0) {
                break;
            }
            if (room.compareAndSet(held, held - 1)) {
                return true;
            }
        }
        if (waitingForRoom) {
            return false;
        }
        int n = Math.min(pending.size(), bound.max());
        if (!bound.tryAcquire(n)) {
            Runnable request = () -> granted(n);
            waitingForRoom = true; // before asking: the grant may run on the context before acquire returns
            if (!bound.acquire(n, context, request)) {
                roomRequest = request;
                return false;
            }
            waitingForRoom = false;
        }
        room.addAndGet(n - 1); // one of them for this record
        if (closed) {
            bound.release(room.getAndSet(0) + 1); // closed meanwhile: close() may have released before this room was added
            return false;
        }
        return true;
    }

    /** The producer handed a record back (retriable): give the room back, retry from that record after a backoff. */
    private void stall(Exception cause) {
        stalls++;
        bound.release(room.getAndSet(0));
        retryPending = true;
        context.owner().setTimer(sendStalls.nextDelay(cause), t -> {
            retryPending = false;
            schedule();
        });
    }

    /** Creates a new topic of the connector's topic creation on the context; the task's records wait (one topic at a time). */
    private void createTopic(String topic) {
        waitingForTopic = true;
        TaskThread.hop(context, () -> topicCreation.ensure(topic, context).onComplete(ar -> {
            waitingForTopic = false;
            if (ar.failed()) {
                fail(new ConnectException("Task " + id + " could not create topic " + topic + ": " + ar.cause().getMessage(), ar.cause()));
            } else {
                createdTopics.add(topic);
                schedule();
            }
        }));
    }

    /** On the task's thread: tells the task of the records acknowledged since the last step. */
    private void commitAcked() {
        Acked a;
        while ((a = toCommit.poll()) != null) {
            commitRecord.accept(a.record, a.metadata);
        }
    }

    // ------------------------------------------------------------------ acknowledgements, on the producer's I/O thread

    /** A record is done for its offset (acknowledged, or skipped as errors.tolerance allows); any thread. */
    private void acked(SubmittedOffsets.Entry entry, SourceRecord forCommit, RecordMetadata metadata, boolean sent) {
        int inFlight;
        int report = 0;
        synchronized (offsets) {
            offsets.ack(entry, 1);
            inFlight = offsets.inFlight();
            inFlightNow = inFlight;
            if (sent && (++unreported >= WRITTEN_REPORT || inFlight == 0)) {
                report = unreported;
                unreported = 0;
            }
        }
        if (report > 0) {
            metrics.written(report, inFlight);
        }
        if (forCommit != null) {
            if (commitRecordOnAck) {
                commitRecord.accept(forCommit, metadata);
            } else {
                toCommit.add(new Acked(forCommit, metadata));
                schedule();
            }
        }
        if (full && inFlight <= maxInFlight / 2) {
            full = false;
            schedule();
        }
        if (inFlight == 0 && stopping) {
            TaskThread.hop(context, this::checkDrained);
        }
    }

    private void acked(SubmittedOffsets.Entry entry, SourceRecord forCommit) {
        acked(entry, forCommit, null, false);
    }

    /** A record polled and converted, waiting to be sent. */
    private record Prepared(SourceRecord original, ProducerRecord<byte[], byte[]> converted, SubmittedOffsets.Entry entry) {
    }

    private record Acked(SourceRecord record, RecordMetadata metadata) {
    }

    /** One record's callback: on the producer's I/O thread, or synchronously on the task's thread for a refusal. */
    private final class Sent implements Callback {
        private final SourceRecord original;
        private final SubmittedOffsets.Entry entry;

        Sent(SourceRecord original, SubmittedOffsets.Entry entry) {
            this.original = original;
            this.entry = entry;
        }

        @Override
        public void onCompletion(RecordMetadata md, Exception err) {
            if (err != null && sending == this && Thread.currentThread() == stepThread) {
                refusal = err; // refused in send(): the task's thread decides (retry, or fail this record)
                return;
            }
            bound.release(1);
            if (err == null) {
                topicUsed.accept(md.topic());
                acked(entry, commitRecord != null ? original : null, md, true);
            } else if (errors.toleratesSendFailure(id, 1, err)) {
                // errors.tolerance=all: the record Kafka refused is skipped, its offset commits (KIP-779)
                acked(entry, commitRecord != null ? original : null, null, false);
            } else {
                fail(new ConnectException("Kafka did not accept records of task " + id + ": " + err.getMessage(), err));
            }
        }
    }
}
