package io.connectreactive.runtime.source;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.errors.ErrorHandler;
import io.connectreactive.runtime.exec.TaskThread;
import io.connectreactive.runtime.glue.ConverterChain;
import io.connectreactive.runtime.glue.TransformChain;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adapts a classic {@link SourceTask} into a stream: its blocking {@code poll()} runs on the task's
 * own {@link TaskThread}, and right after it, on the same thread, the polled records go through the
 * connector's transforms and converters (which may block: a Schema Registry converter makes HTTP
 * calls), so no plugin code of a classic task runs on the event loop. A record a transform drops is
 * told to the task's {@code commitRecord(record, null)} there and then, as Kafka Connect does.
 *
 * <p>The thread polls ahead: while the stream is not paused and fewer than {@value #AHEAD} prepared
 * records wait, it polls again at once, without waiting for the event loop to take the last batch
 * (a task that returns one record per poll, as Kafka's {@code SchemaSourceTask} does, would
 * otherwise pay two thread hand-offs per record). Each poll is a separate step on the thread, so a
 * {@code commit()} or {@code commitRecord} queued meanwhile runs between two polls. Prepared batches
 * wait in a queue and reach the task's context in order, several per hop, where they are emitted to
 * the {@linkplain #preparedHandler prepared-record handler} as demand allows. While paused,
 * {@code poll()} is not called again (the backpressure of a classic task): at most one poll under
 * way, plus {@value #AHEAD} records, wait. A failed poll ends the stream after the records polled
 * before it were emitted.
 *
 * <p>Called on the task's context, except that the task's {@code stop()} is called from elsewhere,
 * concurrently with {@code poll()}, as Kafka Connect does to wake a waiting poll.
 */
final class ClassicSourceStream implements ReadStream<SourceRecord> {

    private static final Logger LOG = LoggerFactory.getLogger(ClassicSourceStream.class);

    /** Prepared records that may wait for the event loop before the thread stops polling ahead. */
    static final int AHEAD = 512;

    /** The shortest time between two drains the thread asks for: records arriving faster are gathered ({@link #drainHop}). */
    static final long GATHER_MS = 1;
    private static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(GATHER_MS);

    /**
     * Receives a polled record and its transformed, converted form (null when a transform dropped
     * it, or when it failed and the failure is tolerated: then {@code reported} is the write to the
     * dead-letter queue, else null).
     */
    interface PreparedHandler {
        void accept(SourceRecord original, ProducerRecord<byte[], byte[]> converted, CompletableFuture<Void> reported);
    }

    /** One poll's records and what they became; or the poll's failure. */
    private record Batch(List<SourceRecord> records, ProducerRecord<byte[], byte[]>[] converted,
                         CompletableFuture<Void>[] reported, Throwable failure) {
        int size() {
            return records.size();
        }
    }

    private final TaskId id;
    private final SourceTask task;
    private final TaskThread thread;
    private final Context context;
    private final TransformChain<SourceRecord> transforms;
    private final ConverterChain converters;
    private final boolean commitDropped;
    private final ErrorHandler errors;
    /** The task's meters (poll time), set before the first poll; read on the task's thread. */
    volatile io.connectreactive.metrics.TaskMetrics metrics;

    // shared between the task's thread and its context
    private final Queue<Batch> ready = new ConcurrentLinkedQueue<>();
    /** Records in {@link #ready}. */
    private final AtomicInteger queued = new AtomicInteger();
    /** A poll step is queued or running on the thread. */
    private final AtomicBoolean polling = new AtomicBoolean();
    /** A drain of {@link #ready} is scheduled on the context. */
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile boolean paused;
    private volatile boolean closed;

    // on the context
    private Batch current;
    private int next;
    private PreparedHandler handler;
    private Handler<Throwable> exceptionHandler;
    private long demand = Long.MAX_VALUE;
    private boolean emitting;
    /** When the last drain the thread asked for ran (System.nanoTime). */
    private long lastDrain = System.nanoTime() - GATHER_NANOS;
    /** Drains the thread asked for that ran (for tests); read anywhere. */
    private volatile long drains;

    /**
     * @param commitDropped whether to call {@code commitRecord(record, null)} for records a transform
     *        drops (the task overrides {@code commitRecord})
     */
    ClassicSourceStream(TaskId id, SourceTask task, TaskThread thread, Context context, TransformChain<SourceRecord> transforms,
                        ConverterChain converters, boolean commitDropped, ErrorHandler errors) {
        this.errors = errors;
        this.id = id;
        this.task = task;
        this.thread = thread;
        this.context = context;
        this.transforms = transforms;
        this.converters = converters;
        this.commitDropped = commitDropped;
    }

    /** Where the records go; the pipeline sets it instead of {@link #handler}. */
    void preparedHandler(PreparedHandler handler) {
        this.handler = handler;
        if (handler != null) {
            drain();
        }
    }

    @Override
    public ReadStream<SourceRecord> exceptionHandler(Handler<Throwable> handler) {
        this.exceptionHandler = handler;
        return this;
    }

    /** Unsupported: records come prepared, through {@link #preparedHandler}. */
    @Override
    public ReadStream<SourceRecord> handler(Handler<SourceRecord> handler) {
        throw new UnsupportedOperationException("use preparedHandler");
    }

    @Override
    public ReadStream<SourceRecord> pause() {
        demand = 0;
        paused = true;
        return this;
    }

    @Override
    public ReadStream<SourceRecord> resume() {
        return fetch(Long.MAX_VALUE);
    }

    @Override
    public ReadStream<SourceRecord> fetch(long amount) {
        demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
        paused = false;
        drain();
        return this;
    }

    @Override
    public ReadStream<SourceRecord> endHandler(Handler<Void> endHandler) {
        return this;
    }

    /** How many drains the thread asked for have run (each a wake-up of the event loop). */
    long drains() {
        return drains;
    }

    /** Stops polling; a poll under way still completes (its records are dropped, not acknowledged). */
    void close() {
        closed = true;
        ready.clear();
        current = null;
    }

    /** On the context: emits what was polled, as far as demand goes, then lets the thread poll ahead again. */
    private void drain() {
        if (emitting) {
            return;
        }
        emitting = true;
        try {
            while (!closed && handler != null) {
                if (current == null || next >= current.size()) {
                    Batch batch = ready.peek();
                    if (batch == null) {
                        break;
                    }
                    if (batch.failure() != null) {
                        closed = true;
                        if (exceptionHandler != null) {
                            exceptionHandler.handle(batch.failure());
                        }
                        return;
                    }
                    if (demand == 0) {
                        break;
                    }
                    ready.poll();
                    queued.addAndGet(-batch.size());
                    current = batch;
                    next = 0;
                    startPolling();
                    continue;
                }
                if (demand == 0) {
                    break;
                }
                if (demand != Long.MAX_VALUE) {
                    demand--;
                }
                int i = next++;
                handler.accept(current.records().get(i), current.converted()[i],
                        current.reported() == null ? null : current.reported()[i]);
            }
        } finally {
            emitting = false;
        }
        startPolling();
    }

    private boolean mayPollAhead() {
        return !closed && !paused && handler != null && queued.get() < AHEAD;
    }

    /** Any thread: queues a poll step unless one is queued or running, or the stream may not poll now. */
    private void startPolling() {
        if (mayPollAhead() && polling.compareAndSet(false, true) && !thread.execute(this::pollStep)) {
            polling.set(false);
        }
    }

    /** On the task's thread: one poll, its records queued for the context; then the next step, if the stream may poll ahead. */
    private void pollStep() {
        if (closed || paused) {
            // paused since this step was queued: no poll (a fetch meanwhile finds polling still set, so look again)
            polling.set(false);
            startPolling();
            return;
        }
        try {
            Batch batch = pollAndPrepare();
            if (batch != null && !closed) {
                ready.add(batch);
                queued.addAndGet(batch.size());
                scheduleDrain();
            }
        } catch (Throwable t) {
            // the stream ends here: polling stays set, so no further poll step starts
            ready.add(new Batch(List.of(), null, null, t));
            scheduleDrain();
            return;
        }
        polling.set(false);
        startPolling();
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            TaskThread.hop(context, this::drainHop);
        }
    }

    /**
     * On the context, when the thread asked for a drain: drains at once, unless the last drain was
     * less than {@value #GATHER_MS} ms ago. Then records are arriving faster than one per
     * {@value #GATHER_MS} ms, and a timer drains at the end of that period what came meanwhile; the
     * drain stays scheduled, so the thread does not hop again. A task returning one record per
     * {@code poll()} at 60,000 polls a second otherwise wakes the event loop, and through it the
     * producer's sender, for every record. A slower task is drained at once.
     */
    private void drainHop() {
        long now = System.nanoTime();
        long wait = lastDrain + GATHER_NANOS - now;
        if (wait > 0 && !closed) {
            context.owner().setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)), t -> drainGathered());
            return;
        }
        drainGathered();
    }

    private void drainGathered() {
        drains++;
        lastDrain = System.nanoTime();
        drainScheduled.set(false);
        drain();
    }

    /**
     * On the task's thread: poll(), then transforms and converters for each record, each a stage of
     * the error handler (a retry waits here, on the task's own thread). Null when the poll returned nothing.
     */
    @SuppressWarnings("unchecked")
    private Batch pollAndPrepare() throws InterruptedException {
        long t0 = System.nanoTime();
        List<SourceRecord> records = task.poll();
        if (records == null || records.isEmpty()) {
            return null;
        }
        io.connectreactive.metrics.TaskMetrics m = metrics;
        if (m != null) {
            // as Kafka Connect's poll-batch-time: polls that returned records
            m.pollTime(System.nanoTime() - t0);
        }
        ProducerRecord<byte[], byte[]>[] out = new ProducerRecord[records.size()];
        CompletableFuture<Void>[] reports = null;
        for (int i = 0; i < out.length; i++) {
            SourceRecord record = records.get(i);
            errors.startRecord();
            out[i] = errors.run(true, record, g -> {
                SourceRecord transformed = transforms.isEmpty() ? record : transforms.apply(record, g);
                return transformed == null ? null : converters.toProducerRecord(transformed, g);
            });
            if (out[i] == null) {
                CompletableFuture<Void> report = errors.takeReport();
                if (report != null) {
                    if (reports == null) {
                        reports = new CompletableFuture[out.length];
                    }
                    reports[i] = report;
                }
                if (commitDropped) {
                    commitDropped(record);
                }
            }
        }
        return new Batch(records, out, reports, null);
    }

    private void commitDropped(SourceRecord record) {
        try {
            task.commitRecord(record, null);
        } catch (Exception e) {
            LOG.warn("commitRecord of task {} failed: {}", id, e.toString());
        }
    }
}
