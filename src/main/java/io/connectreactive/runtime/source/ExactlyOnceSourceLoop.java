package io.connectreactive.runtime.source;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import io.connectreactive.kafka.TopicCreation;
import io.connectreactive.metrics.TaskMetrics;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.errors.ErrorHandler;
import io.connectreactive.runtime.exec.TaskThread;
import io.connectreactive.runtime.glue.ConverterChain;
import io.connectreactive.runtime.glue.TransformChain;
import io.connectreactive.storage.TransactionalOffsets;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A classic {@link SourceTask} run exactly once (KIP-618): its records and their source offsets go
 * to Kafka in the transactions of the task's own transactional producer, so that a
 * {@code read_committed} consumer sees each record once whatever happens to the worker. Everything
 * per record runs on the task's {@link TaskThread}, as in Kafka Connect: poll, transforms,
 * converters, {@code send}; at each transaction boundary the offsets of the records dispatched since
 * the last one are written to the offsets topic ({@link TransactionalOffsets}) in the same
 * transaction, and {@code commitTransaction()} blocks that thread until Kafka took all of it. Then
 * the task hears {@code commitRecord} for each record and {@code commit()}. The event loop does
 * control only (pause, resume, drain, failure reports).
 *
 * <p><b>Boundaries</b> ({@code transaction.boundary}):
 * <ul>
 * <li>{@code poll}: every poll that returned records is one transaction;
 * <li>{@code interval}: a transaction is committed after the first poll that returns once
 * {@code transaction.boundary.interval.ms} went by since the last commit (empty polls included);
 * <li>{@code connector}: the task commits or aborts through its {@link TaskTransactionContext},
 * for its current batch or at a record. An aborted transaction's records are never seen by a
 * {@code read_committed} consumer; their offsets still commit (in a transaction of their own), so the
 * task does not read them again.
 * </ul>
 * A record a transform drops, or that {@code errors.tolerance=all} skips, is done for its offset: it
 * commits with the transaction. A record the producer refuses fails the transaction and the task; a
 * task may not write to its own offsets topic.
 *
 * <p><b>Pausing, stopping, failing.</b> A pause commits the open transaction first (so that it neither
 * hangs nor outlives the producer's transaction timeout), except with connector-defined boundaries the
 * task did not ask to commit. After a stop, a poll that returns is dropped, and the open transaction
 * is committed (with {@code poll} and {@code interval}; with {@code connector} only when the task asked
 * for it, else aborted); {@link #drain()} completes then. A failed or abandoned task commits nothing
 * more: its open transaction is aborted by Kafka (when the next producer of the same transactional id
 * starts, or at the transaction timeout).
 */
final class ExactlyOnceSourceLoop implements SourceFlow {

    private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceSourceLoop.class);
    /** How long one step polls before it lets other calls queued on the task's thread run. */
    private static final long STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(ClassicSourceLoop.STEP_MS);

    /** Kafka Connect's {@code transaction.boundary}. */
    enum Boundary {
        POLL, INTERVAL, CONNECTOR;

        static Boundary of(String value) {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        }
    }

    private final TaskId id;
    private final SourceTask task;
    private final TaskThread thread;
    private final Context context;
    private final TransformChain<SourceRecord> transforms;
    private final ConverterChain converters;
    private final ErrorHandler errors;
    private final Producer<byte[], byte[]> producer;
    private final Boundary boundary;
    private final long intervalMs;
    private final TaskTransactionContext transactionContext;
    private final TransactionalOffsets offsetStore;
    private final TopicCreation topicCreation;
    /** The task's {@code commitRecord}, or null when the task does not override it. */
    private final BiConsumer<SourceRecord, RecordMetadata> commitRecord;
    private final Runnable commitTask;
    private final Handler<Throwable> onFailure;
    private final TaskMetrics metrics;
    private final Consumer<String> topicUsed;

    private volatile boolean paused;
    private volatile boolean stopping;
    private volatile boolean closed;
    private volatile boolean failed;
    /** The final transaction after a stop is done. */
    private volatile boolean finished;
    /** Records dispatched in the open transaction; read anywhere. */
    private volatile int transactionSize;
    private final AtomicBoolean stepQueued = new AtomicBoolean();
    private final Set<String> createdTopics = ConcurrentHashMap.newKeySet();

    // on the task's thread
    private boolean transactionOpen;
    /** Source partition → the offset of its last record dispatched (or done) since the last commit. */
    private final Map<Map<String, ?>, Map<String, ?>> offsets = new HashMap<>();
    /** The records of the open transaction, for commitRecord once it committed. */
    private final List<Sent> dispatched = new ArrayList<>();
    /** Dead-letter-queue writes of records skipped in the open transaction: acknowledged before their offsets commit. */
    private final List<CompletableFuture<Void>> reports = new ArrayList<>();
    private long lastCommitMs;

    // on the context
    private Promise<Void> drained;

    /**
     * @param producer the task's own transactional producer, {@code initTransactions()} done
     * @param intervalMs the interval of {@code transaction.boundary=interval}
     * @param transactionContext the task's context for {@code transaction.boundary=connector}, else null
     * @param topicCreation the connector's topic creation, or null
     * @param commitRecord calls the task's {@code commitRecord}, never throwing; null when the task does not override it
     * @param commitTask calls the task's {@code commit()}, never throwing
     * @param onFailure told on the context when the task's records can go no further
     * @param topicUsed told of every acknowledged record's topic (KIP-558 active topics); any thread
     */
    ExactlyOnceSourceLoop(TaskId id, SourceTask task, TaskThread thread, Context context, TransformChain<SourceRecord> transforms,
                          ConverterChain converters, ErrorHandler errors, Producer<byte[], byte[]> producer, Boundary boundary,
                          long intervalMs, TaskTransactionContext transactionContext, TransactionalOffsets offsetStore,
                          TopicCreation topicCreation, BiConsumer<SourceRecord, RecordMetadata> commitRecord, Runnable commitTask,
                          Handler<Throwable> onFailure, TaskMetrics metrics, Consumer<String> topicUsed) {
        if (boundary == Boundary.CONNECTOR && transactionContext == null) {
            throw new IllegalArgumentException("connector-defined transaction boundaries need the task's transaction context");
        }
        this.id = id;
        this.task = task;
        this.thread = thread;
        this.context = context;
        this.transforms = transforms;
        this.converters = converters;
        this.errors = errors;
        this.producer = producer;
        this.boundary = boundary;
        this.intervalMs = intervalMs;
        this.transactionContext = transactionContext;
        this.offsetStore = offsetStore;
        this.topicCreation = topicCreation;
        this.commitRecord = commitRecord;
        this.commitTask = commitTask;
        this.onFailure = onFailure;
        this.metrics = metrics;
        this.topicUsed = topicUsed;
        this.lastCommitMs = System.currentTimeMillis();
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
        schedule(); // a step commits the open transaction
    }

    @Override
    public void resume() {
        paused = false;
        schedule();
    }

    /** The records of the open transaction. */
    @Override
    public int inFlight() {
        return transactionSize;
    }

    /** Nothing: offsets commit with the transactions. */
    @Override
    public Map<Map<String, ?>, Map<String, ?>> takeCommittable() {
        return Map.of();
    }

    @Override
    public void restoreCommittable(Map<Map<String, ?>, Map<String, ?>> failed) {
    }

    /** Stops polling; a poll under way still returns, and its records are dropped. Any thread. */
    void stopPolling() {
        stopping = true;
    }

    @Override
    public Future<Void> drain() {
        stopping = true;
        if (failed || finished || closed) {
            return Future.succeededFuture();
        }
        drained = Promise.promise();
        schedule();
        return drained.future();
    }

    @Override
    public void close() {
        closed = true;
        stopping = true;
    }

    private void completeDrain() {
        if (drained != null) {
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
            completeDrain();
            if (!stopping) {
                onFailure.handle(t);
            }
        });
    }

    // ------------------------------------------------------------------ the task's thread

    private void schedule() {
        if (!closed && !failed && !finished && stepQueued.compareAndSet(false, true) && !thread.execute(this::step)) {
            stepQueued.set(false);
        }
    }

    /** On the task's thread, after a step: whether another is due (polling, stopping, or a pause's commit). */
    private boolean wantsStep() {
        if (closed || failed || finished) {
            return false;
        }
        return stopping || !paused || boundary != Boundary.CONNECTOR && (transactionOpen || !offsets.isEmpty());
    }

    private void step() {
        long until = System.nanoTime() + STEP_NANOS;
        try {
            while (!closed && !failed && !finished) {
                if (stopping) {
                    finish();
                    break;
                }
                if (paused) {
                    if (boundary != Boundary.CONNECTOR || transactionContext.takeCommitBatch()) {
                        commit();
                    }
                    break;
                }
                pollOnce();
                if (System.nanoTime() - until >= 0) {
                    break;
                }
            }
        } catch (Throwable t) {
            fail(t);
        } finally {
            stepQueued.set(false);
        }
        if (wantsStep()) {
            schedule();
        }
    }

    /** After a stop: the last transaction, then the drain completes. */
    private void finish() {
        if (boundary != Boundary.CONNECTOR || transactionContext.takeCommitBatch()) {
            commit();
        } else {
            abort("the task was stopped before it committed its transaction");
        }
        finished = true;
        TaskThread.hop(context, this::completeDrain);
    }

    private void pollOnce() throws Exception {
        long t0 = System.nanoTime();
        List<SourceRecord> records = task.poll();
        if (stopping || closed) {
            return; // polled while the task was being stopped: dropped, as in Kafka Connect
        }
        if (records != null && !records.isEmpty()) {
            metrics.pollTime(System.nanoTime() - t0);
            metrics.batch(records.size());
            metrics.polled(records.size());
            for (SourceRecord record : records) {
                dispatch(record);
            }
        }
        batchDispatched();
    }

    /** One record: transforms, converters, then into the open transaction (begun if needed). */
    private void dispatch(SourceRecord record) throws Exception {
        errors.startRecord();
        ProducerRecord<byte[], byte[]> converted = errors.run(true, record, g -> {
            SourceRecord transformed = transforms.isEmpty() ? record : transforms.apply(record, g);
            return transformed == null ? null : converters.toProducerRecord(transformed, g);
        });
        Sent sent = new Sent(record);
        if (converted == null) {
            // dropped by a transform, or skipped (errors.tolerance=all): done for its offset
            CompletableFuture<Void> report = errors.takeReport();
            if (report != null) {
                reports.add(report);
            }
        } else {
            String topic = converted.topic();
            if (topic.equals(offsetStore.topic())) {
                throw new ConnectException("Source tasks may not produce to their own offsets topics when exactly-once support is enabled");
            }
            ensureTopic(topic);
            begin();
            try {
                producer.send(converted, sent);
            } catch (KafkaException e) {
                throw failure("Unrecoverable exception trying to send", e);
            }
            transactionSize++;
        }
        if (record.sourcePartition() != null) {
            offsets.put(record.sourcePartition(), record.sourceOffset());
        }
        dispatched.add(sent);
        if (boundary == Boundary.CONNECTOR) {
            if (transactionContext.takeAbortOn(record)) {
                abort("the task asked to abort at a record of topic " + record.topic());
                commit(); // the offsets of the aborted records, so that the task does not read them again
            } else if (transactionContext.takeCommitOn(record)) {
                commit();
            }
        }
    }

    /** After a poll's records (or an empty poll): the boundary of the transaction. */
    private void batchDispatched() {
        switch (boundary) {
            case POLL -> commit();
            case INTERVAL -> {
                if (System.currentTimeMillis() - lastCommitMs >= intervalMs) {
                    commit();
                }
            }
            case CONNECTOR -> {
                if (transactionContext.takeAbortBatch()) {
                    abort("the task asked to abort its batch");
                    commit();
                } else if (transactionContext.takeCommitBatch()) {
                    commit();
                }
            }
        }
    }

    private void begin() {
        if (!transactionOpen) {
            producer.beginTransaction();
            transactionOpen = true;
        }
    }

    /**
     * Commits the records dispatched since the last commit and their offsets, in one transaction,
     * then tells the task; nothing when there is neither. Throws when the transaction failed.
     */
    private void commit() {
        if (!transactionOpen && offsets.isEmpty() && dispatched.isEmpty()) {
            lastCommitMs = System.currentTimeMillis();
            return;
        }
        long t0 = System.nanoTime();
        int size = transactionSize;
        try {
            for (CompletableFuture<Void> report : reports) {
                report.get(); // skipped records written to the dead-letter queue before their offsets commit
            }
            TransactionalOffsets.Staged staged = offsets.isEmpty() ? null : offsetStore.stage(id.connector(), new HashMap<>(offsets));
            List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>();
            if (staged != null) {
                begin();
                staged.records().forEach(r -> acks.add(producer.send(r)));
            }
            if (transactionOpen) {
                producer.commitTransaction(); // blocks until Kafka took the records and the offsets
                transactionOpen = false;
            }
            if (staged != null) {
                List<RecordMetadata> metadata = new ArrayList<>(acks.size());
                for (java.util.concurrent.Future<RecordMetadata> ack : acks) {
                    metadata.add(ack.get());
                }
                staged.committed(metadata);
            }
        } catch (ExecutionException e) {
            metrics.offsetCommit(System.nanoTime() - t0, false);
            abortQuietly();
            throw failure("Failed to flush offsets and/or records for task " + id, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while committing the transaction of task " + id, e);
        } catch (RuntimeException e) {
            metrics.offsetCommit(System.nanoTime() - t0, false);
            abortQuietly();
            throw failure("Failed to flush offsets and/or records for task " + id, e);
        }
        metrics.offsetCommit(System.nanoTime() - t0, true);
        if (size > 0) {
            metrics.written(size, 0);
        }
        metrics.transactionCommitted(size);
        transactionSize = 0;
        offsets.clear();
        reports.clear();
        lastCommitMs = System.currentTimeMillis();
        if (commitRecord != null) {
            for (Sent s : dispatched) {
                commitRecord.accept(s.record, s.metadata);
            }
        }
        dispatched.clear();
        commitTask.run();
    }

    /** Aborts the open transaction: its records are dropped; their offsets stay, for the next commit. */
    private void abort(String why) {
        if (transactionOpen) {
            LOG.info("Task {} aborts its transaction of {} records: {}", id, transactionSize, why);
            producer.abortTransaction();
            transactionOpen = false;
        }
        transactionSize = 0;
        dispatched.clear();
    }

    private void abortQuietly() {
        if (!transactionOpen) {
            return;
        }
        transactionOpen = false;
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            LOG.debug("Task {} could not abort its transaction: {}", id, e.toString());
        }
    }

    private ConnectException failure(String message, Throwable error) {
        if (error instanceof ProducerFencedException || error.getCause() instanceof ProducerFencedException) {
            return new ConnectException("Task " + id + " was fenced out: a newer producer with its transactional id started "
                    + "(another worker runs the task now); its open transaction is aborted", error);
        }
        if (error instanceof InvalidProducerEpochException || error.getCause() instanceof InvalidProducerEpochException
                || error instanceof InvalidTxnStateException || error.getCause() instanceof InvalidTxnStateException) {
            // Kafka 4's transactions (KIP-890) tell a fenced producer so as well, or that its transaction's state is no longer valid
            return new ConnectException("Task " + id + " was fenced out, or its producer transaction expired: either a newer "
                    + "producer with its transactional id started (another worker runs the task now), or the task could not "
                    + "finish writing its records before the transaction timeout. In the latter case, tune the connector's "
                    + "producer for higher throughput, increase its transaction.timeout.ms, decrease the transaction boundary "
                    + "interval, or use the 'poll' transaction boundary. Its open transaction is aborted", error);
        }
        return new ConnectException(message + ": " + error.getMessage(), error);
    }

    /** A new topic of the connector's topic creation: created (on the context) before its first record goes. */
    private void ensureTopic(String topic) throws Exception {
        if (topicCreation == null || createdTopics.contains(topic)) {
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        TaskThread.hop(context, () -> topicCreation.ensure(topic, context).onComplete(ar -> {
            if (ar.succeeded()) {
                done.complete(null);
            } else {
                done.completeExceptionally(ar.cause());
            }
        }));
        try {
            done.get();
        } catch (ExecutionException e) {
            throw new ConnectException("Task " + id + " could not create topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
        }
        createdTopics.add(topic);
    }

    /** A record of the open transaction: its acknowledgement, on the producer's I/O thread. */
    private final class Sent implements Callback {
        private final SourceRecord record;
        private volatile RecordMetadata metadata;

        Sent(SourceRecord record) {
            this.record = record;
        }

        @Override
        public void onCompletion(RecordMetadata md, Exception err) {
            if (err == null) {
                metadata = md;
                topicUsed.accept(md.topic());
            }
            // an error fails the transaction: commitTransaction() throws it on the task's thread
        }
    }
}
