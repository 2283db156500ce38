package io.connectreactive.runtime.source;

import java.util.List;
import java.util.concurrent.CompletableFuture;

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
 * own {@link TaskThread} only while the stream has demand, and right after it, on the same thread,
 * the polled records go through the connector's transforms and converters (which may block: a
 * Schema Registry converter makes HTTP calls), so no plugin code of a classic task runs on the event
 * loop. A record a transform drops is told to the task's {@code commitRecord(record, null)} there
 * and then, as Kafka Connect does. The polled records and what they became are emitted on the
 * task's context to the {@linkplain #preparedHandler prepared-record handler}. While paused,
 * {@code poll()} is not called (the backpressure of a classic task); records of a poll that arrive
 * during a pause wait, bounded by one poll.
 *
 * <p>Called on the task's context, except that the task's {@code stop()} is called from elsewhere,
 * concurrently with {@code poll()}, as Kafka Connect does to wake a waiting poll.
 */
final class ClassicSourceStream implements ReadStream<SourceRecord> {

    private static final Logger LOG = LoggerFactory.getLogger(ClassicSourceStream.class);

    /**
     * Receives a polled record and its transformed, converted form (null when a transform dropped
     * it, or when it failed and the failure is tolerated: then {@code reported} is the write to the
     * dead-letter queue, else null).
     */
    interface PreparedHandler {
        void accept(SourceRecord original, ProducerRecord<byte[], byte[]> converted, CompletableFuture<Void> reported);
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
    /** The last poll's records and their converted forms, emitted from {@link #next}. */
    private List<SourceRecord> polled = List.of();
    private ProducerRecord<byte[], byte[]>[] converted;
    /** Per polled record, the report of a tolerated failure, or null; null when none failed. */
    private CompletableFuture<Void>[] reported;
    private int next;
    private PreparedHandler handler;
    private Handler<Throwable> exceptionHandler;
    private long demand = Long.MAX_VALUE;
    private boolean polling;
    private boolean closed;
    private boolean emitting;

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
        return this;
    }

    @Override
    public ReadStream<SourceRecord> resume() {
        return fetch(Long.MAX_VALUE);
    }

    @Override
    public ReadStream<SourceRecord> fetch(long amount) {
        demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
        drain();
        return this;
    }

    @Override
    public ReadStream<SourceRecord> endHandler(Handler<Void> endHandler) {
        return this;
    }

    /** Stops polling; a poll under way still completes (its records are dropped, not acknowledged). */
    void close() {
        closed = true;
        polled = List.of();
        next = 0;
    }

    private void drain() {
        if (emitting) {
            return;
        }
        emitting = true;
        try {
            while (demand > 0 && next < polled.size() && !closed && handler != null) {
                if (demand != Long.MAX_VALUE) {
                    demand--;
                }
                int i = next++;
                handler.accept(polled.get(i), converted[i], reported == null ? null : reported[i]);
            }
        } finally {
            emitting = false;
        }
        if (demand > 0 && next >= polled.size() && !polling && !closed && handler != null) {
            poll();
        }
    }

    private void poll() {
        polling = true;
        thread.call(context, this::pollAndPrepare).onComplete(ar -> {
            polling = false;
            if (closed) {
                return;
            }
            if (ar.failed()) {
                closed = true;
                if (exceptionHandler != null) {
                    exceptionHandler.handle(ar.cause());
                }
                return;
            }
            List<SourceRecord> records = ar.result();
            if (records != null) {
                polled = records;
                next = 0;
            }
            drain();
        });
    }

    /**
     * On the task's thread: poll(), then transforms and converters for each record, each a stage of
     * the error handler (a retry waits here, on the task's own thread).
     */
    @SuppressWarnings("unchecked")
    private List<SourceRecord> pollAndPrepare() throws InterruptedException {
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
        // written here, read on the context after the hop (which orders them)
        converted = out;
        reported = reports;
        return records;
    }

    private void commitDropped(SourceRecord record) {
        try {
            task.commitRecord(record, null);
        } catch (Exception e) {
            LOG.warn("commitRecord of task {} failed: {}", id, e.toString());
        }
    }
}
