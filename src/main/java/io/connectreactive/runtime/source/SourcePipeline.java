package io.connectreactive.runtime.source;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

import io.connectreactive.kafka.SharedProducer;
import io.connectreactive.kafka.TopicCreation;
import io.connectreactive.metrics.TaskMetrics;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.errors.ErrorHandler;
import io.connectreactive.runtime.glue.ConverterChain;
import io.connectreactive.runtime.glue.TransformChain;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The source pipeline of one reactive task ({@code io.connectreactive.api.ReactiveSourceTask}):
 * records from the task's stream are transformed and converted here, on the event loop, tracked in
 * {@link SubmittedOffsets} and handed to the producer in batches (one batch per turn of the event
 * loop). A classic task's records take another way, on its own thread ({@link ClassicSourceLoop}).
 * The stream is read by demand: {@value #FETCH} records per turn of the event loop, so no turn runs
 * long and other tasks on the same loop get their share.
 *
 * <p>Bounds: while the task's records in flight are at {@code maxInFlight} no more are asked for;
 * reading resumes when they fall to half. Before a batch is handed over, room for it is taken in the
 * worker-wide {@link SharedProducer.QueueBound}; without room the task stops reading and waits its
 * turn. When the producer hands records back unsent (their topic is not in the metadata, the buffer
 * is full), the task stops reading, gathers every record handed back in order and resends them
 * after a backoff (20 ms doubling to 1 s), ahead of newer records; it says why in its log once when
 * that lasts over {@value SendStalls#WARN_AFTER_MS} ms (a new topic's metadata usually arrives sooner), and
 * once when it sends again. Acknowledgements come back per batch and advance the committable
 * offsets; the task's {@code commitRecord} is told per batch, in the order the records were read.
 *
 * <p>Everything here runs on the task's context.
 */
final class SourcePipeline implements SourceFlow {

    /** What to tell the task about acknowledged (or dropped, with null metadata) records; called on the task's context, in order. */
    interface RecordAcks {
        void acked(List<SourceRecord> records, List<RecordMetadata> metadata);
    }

    /** Records asked of the stream per turn of the event loop. */
    static final int FETCH = 512;

    private final TaskId id;
    private final Context context;
    private final ReadStream<SourceRecord> stream;
    private final ConverterChain converters;
    private final TransformChain<SourceRecord> transforms;
    private final TopicCreation topicCreation;
    private final Set<String> knownTopics = new HashSet<>();
    private int topicsBeingCreated;
    private final SharedProducer producer;
    private final SharedProducer.QueueBound bound;
    private final SharedProducer.Lane lane;
    private final int maxInFlight;
    private final RecordAcks acks;
    private final Handler<Throwable> onFailure;
    private final ErrorHandler errors;
    /** A reactive task's record whose stage is retried on a timer, then the records read meanwhile (at most {@value #FETCH}). */
    private final ArrayDeque<SourceRecord> retrying = new ArrayDeque<>();
    private boolean retryPending;
    private final SubmittedOffsets offsets = new SubmittedOffsets();
    private final Runnable roomHandler = this::onRoom;

    /** Records read and not yet handed to the producer, in order. */
    private Outbox pending;
    /** Records handed back unsent, in order, while the lane is stalled. */
    private Outbox handedBack;
    private SubmittedOffsets.Entry lastEntry;
    /** Batches handed to the producer, in order, whose acks the task has not yet been told of (only with {@code acks}). */
    private final ArrayDeque<Outbox> unacked = new ArrayDeque<>();
    private long lastSentSeq;
    private boolean sendScheduled;
    private boolean fetchScheduled;
    private long requested;
    private boolean userPaused;
    private boolean fullPaused;
    /** Waiting for room in the worker-wide bound, for this many records. */
    private int waitingForRoom;
    /** The producer handed records back; set until they are resent. */
    private boolean stalled;
    private boolean retryScheduled;
    private final SendStalls stalls;
    /** The first batch sent after the last resend: once one of these is acknowledged in full, the task is unstuck. */
    private long resentFromSeq = Long.MAX_VALUE;
    private Throwable stallCause;
    private boolean stopped;
    private boolean failed;
    private Promise<Void> drained;
    private Consumer<String> topicUsed = topic -> { };
    private TaskMetrics metrics;
    /** Records read and not yet counted in {@code metrics} (counted per batch). */
    private int polledUncounted;

    /**
     * @param acks called per batch of acknowledged records, or null
     */
    SourcePipeline(TaskId id, Context context, ReadStream<SourceRecord> stream, TransformChain<SourceRecord> transforms,
                   TopicCreation topicCreation, ConverterChain converters, SharedProducer producer, int maxInFlight, RecordAcks acks,
                   Handler<Throwable> onFailure, ErrorHandler errors) {
        this.errors = errors;
        this.id = id;
        this.context = context;
        this.stream = stream;
        this.converters = converters;
        this.transforms = transforms;
        this.topicCreation = topicCreation;
        this.producer = producer;
        this.bound = producer.bound();
        this.lane = new SharedProducer.Lane(context, this::onStalled);
        this.stalls = new SendStalls(id);
        this.maxInFlight = maxInFlight;
        this.acks = acks;
        this.onFailure = onFailure;
        this.pending = new Outbox(acks != null);
    }

    /** Tells {@code recorder} the topic of every acknowledged record (KIP-558 active topics). */
    void trackTopics(Consumer<String> recorder) {
        this.topicUsed = recorder;
    }

    /** Counts the task's records per batch (source-task-metrics); before {@link #start()}. */
    void metrics(TaskMetrics m) {
        this.metrics = m;
        m.activeRecords(offsets::inFlight);
    }

    @Override
    public void start() {
        stream.exceptionHandler(this::fail);
        stream.endHandler(v -> { });
        stream.pause();
        stream.handler(this::onRecord);
        requestMore();
    }

    @Override
    public void pause() {
        userPaused = true;
        stopReading();
    }

    @Override
    public void resume() {
        userPaused = false;
        requestMore();
    }

    private void stopReading() {
        stream.pause();
        requested = 0;
    }

    private boolean mayRead() {
        return !userPaused && !fullPaused && !stopped && !failed && waitingForRoom == 0 && !stalled && !retryPending;
    }

    /** Asks the stream for the next {@value #FETCH} records, on a later turn of the event loop. */
    private void requestMore() {
        if (fetchScheduled || !mayRead()) {
            return;
        }
        fetchScheduled = true;
        context.runOnContext(v -> {
            fetchScheduled = false;
            if (requested == 0 && mayRead()) {
                requested = FETCH;
                stream.fetch(FETCH);
            }
        });
    }

    @Override
    public int inFlight() {
        return offsets.inFlight();
    }

    @Override
    public Map<Map<String, ?>, Map<String, ?>> takeCommittable() {
        return offsets.takeCommittable();
    }

    @Override
    public void restoreCommittable(Map<Map<String, ?>, Map<String, ?>> failed) {
        offsets.restore(failed);
    }

    @Override
    public Future<Void> drain() {
        stopped = true;
        stopReading();
        sendBatch();
        if (offsets.inFlight() == 0 || failed) {
            return Future.succeededFuture();
        }
        drained = Promise.promise();
        return drained.future();
    }

    @Override
    public void close() {
        failed = true;
        stopReading();
        if (waitingForRoom > 0 && bound.cancel(roomHandler)) {
            waitingForRoom = 0;
        }
    }

    /** A reactive task's record: transformed and converted here, on the event loop. */
    private void onRecord(SourceRecord record) {
        if (stopped || failed) {
            return;
        }
        if (retryPending) {
            retrying.add(record);
            return;
        }
        errors.startRecord();
        prepare(record);
    }

    /**
     * Transforms and converts a reactive task's record, each stage through the error handler; a
     * stage to retry stops reading and tries the record again on a timer (never waiting here).
     */
    private void prepare(SourceRecord record) {
        ProducerRecord<byte[], byte[]> converted;
        try {
            converted = errors.run(false, record, g -> {
                SourceRecord transformed = transforms.isEmpty() ? record : transforms.apply(record, g);
                return transformed == null ? null : converters.toProducerRecord(transformed, g);
            });
        } catch (ErrorHandler.RetryLater later) {
            retryPending = true;
            retrying.addFirst(record);
            stopReading();
            context.owner().setTimer(Math.max(1, later.delayMs()), t -> retryRecord());
            return;
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        accept(record, converted, converted == null ? errors.takeReport() : null);
    }

    /** The retry timer: the record again, then those read meanwhile, in order. */
    private void retryRecord() {
        retryPending = false;
        if (stopped || failed) {
            retrying.clear();
            return;
        }
        prepare(retrying.pollFirst());
        while (!retryPending && !retrying.isEmpty() && !failed) {
            errors.startRecord();
            prepare(retrying.pollFirst());
        }
        if (!retryPending) {
            requestMore();
        }
    }

    /**
     * A record read from the task, with what it became after transforms and conversion; null when
     * a transform dropped it.
     */
    private void accept(SourceRecord record, ProducerRecord<byte[], byte[]> converted, CompletableFuture<Void> reported) {
        if (stopped || failed) {
            return;
        }
        if (requested > 0 && --requested == 0) {
            requestMore();
        }
        if (converted == null && reported != null) {
            // failed, tolerated, written to the dead-letter queue: done for its offset once that write is acknowledged
            SubmittedOffsets.Entry entry = offsets.submit(record.sourcePartition(), record.sourceOffset());
            lastEntry = null;
            reported.whenComplete((v, err) -> context.runOnContext(x -> reportDone(record, entry, err)));
            return;
        }
        if (converted == null) {
            countPolled(1);
            // dropped by a transform: it counts as done for its partition's offset, as in Kafka Connect
            offsets.ack(offsets.submit(record.sourcePartition(), record.sourceOffset()));
            lastEntry = null; // a later record must not move its offset before this one's
            if (acks != null) {
                acks.acked(List.of(record), Collections.singletonList(null));
            }
            return;
        }
        if (topicCreation != null && knownTopics.add(converted.topic())) {
            createTopic(converted.topic());
        }
        polledUncounted++;
        pending.add(converted, record);
        if (lastEntry != null && lastEntry.samePartition(record.sourcePartition())) {
            offsets.extend(lastEntry, record.sourceOffset());
            pending.extendLast();
        } else {
            lastEntry = offsets.submit(record.sourcePartition(), record.sourceOffset());
            pending.newEntry(lastEntry);
        }
        if (offsets.inFlight() >= maxInFlight && !fullPaused) {
            fullPaused = true;
            stopReading();
        }
        if (!sendScheduled) {
            sendScheduled = true;
            context.runOnContext(v -> sendBatch());
        }
    }

    /** A record's dead-letter-queue write completed: its offset may commit, or the task fails. */
    private void reportDone(SourceRecord record, SubmittedOffsets.Entry entry, Throwable err) {
        if (err != null) {
            fail(err instanceof CompletionException && err.getCause() != null ? err.getCause() : err);
            return;
        }
        offsets.ack(entry);
        if (acks != null) {
            acks.acked(List.of(record), Collections.singletonList(null));
        }
        afterAcks();
    }

    /** Records wait (in the pending batch, within the in-flight bound) until their new topic exists. */
    private void createTopic(String topic) {
        topicsBeingCreated++;
        topicCreation.ensure(topic, context).onComplete(ar -> {
            topicsBeingCreated--;
            if (ar.failed()) {
                fail(new ConnectException(
                        "Task " + id + " could not create topic " + topic + ": " + ar.cause().getMessage(), ar.cause()));
            } else {
                sendBatch();
            }
        });
    }

    /** Hands the pending records to the producer, once there is room for them in the worker-wide bound. */
    private void sendBatch() {
        sendScheduled = false;
        countPolled(0);
        if (pending.size() == 0 || topicsBeingCreated > 0 || failed || stalled || waitingForRoom > 0) {
            return;
        }
        while (pending.size() > 0) {
            int n = Math.min(pending.size(), bound.max());
            if (!bound.acquire(n, context, roomHandler)) {
                waitingForRoom = n;
                stopReading();
                return;
            }
            handOver(n);
        }
    }

    /** Room for {@link #waitingForRoom} records was taken for this task. */
    private void onRoom() {
        int n = waitingForRoom;
        waitingForRoom = 0;
        if (failed || stalled || pending.size() < n) {
            bound.release(n);
        } else {
            handOver(n);
        }
        if (pending.size() > 0) {
            sendBatch();
        }
        requestMore();
    }

    private void countPolled(int more) {
        if (metrics != null && polledUncounted + more > 0) {
            metrics.polled(polledUncounted + more);
            metrics.batch(polledUncounted + more);
        }
        polledUncounted = 0;
    }

    private void handOver(int n) {
        Outbox batch;
        if (n == pending.size()) {
            batch = pending;
            pending = new Outbox(acks != null);
            lastEntry = null;
        } else {
            batch = pending.takeFirst(n);
        }
        batch.seq = ++lastSentSeq;
        if (acks != null) {
            unacked.addLast(batch);
        }
        producer.send(new SharedProducer.Batch(batch.records, lane, batch, this::onAcked).holding(bound));
    }

    /** The producer handed back records of {@code batch} (from {@code sent()} on); called in the order batches were sent. */
    private void onStalled(SharedProducer.Batch b) {
        Outbox batch = (Outbox) b.tag();
        if (failed) {
            return;
        }
        if (!stalled) {
            stalled = true;
            stopReading();
            handedBack = new Outbox(acks != null);
            stalls.began();
        }
        stallCause = b.stallCause();
        handedBack.appendFrom(batch, b.sent());
        if (batch.seq == lastSentSeq && !retryScheduled) {
            // every batch sent after the first one handed back came back too: resend them all, in order, later
            retryScheduled = true;
            context.owner().setTimer(stalls.nextDelay(stallCause), t -> retry());
        }
    }

    /** Resends what the producer handed back, ahead of what was read since. */
    private void retry() {
        retryScheduled = false;
        if (failed) {
            return;
        }
        stalled = false;
        resentFromSeq = lastSentSeq + 1;
        lane.resume();
        Outbox again = handedBack;
        handedBack = null;
        if (again != null && again.size() > 0) {
            again.appendFrom(pending, 0);
            pending = again;
            // lastEntry stays the last entry of pending: it is the last of the joined outbox
        }
        sendBatch();
        requestMore();
    }

    private void onAcked(SharedProducer.Batch b) {
        Outbox batch = (Outbox) b.tag();
        Throwable failure = b.failure();
        int sent = b.sent();
        batch.sent = sent;
        if (failure != null && errors.toleratesSendFailure(id, failedRecords(b, sent), failure)) {
            failure = null; // errors.tolerance=all: the records Kafka refused are skipped, their offsets commit (KIP-779)
        }
        if (failure == null) {
            // a failed batch's offsets never become committable
            batch.ackFirst(offsets, sent);
            if (metrics != null) {
                metrics.written(sent, offsets.inFlight());
            }
            if (sent == b.size() && !stalled && batch.seq >= resentFromSeq) {
                stalls.flowing();
            }
        }
        String lastTopic = null;
        for (int i = 0; i < sent; i++) {
            RecordMetadata md = b.metadata(i);
            if (md == null) {
                continue;
            }
            if (!md.topic().equals(lastTopic)) {
                lastTopic = md.topic();
                topicUsed.accept(lastTopic);
            }
        }
        if (acks != null) {
            batch.metadata = b;
            tellAcked();
        }
        if (failure != null) {
            fail(new ConnectException(
                    "Kafka did not accept records of task " + id + ": " + failure.getMessage(), failure));
        }
        afterAcks();
    }

    /** Records in flight went down: a drain may be over, reading may go on. */
    private void afterAcks() {
        if (drained != null) {
            if (offsets.inFlight() == 0 || failed) {
                drained.tryComplete();
            }
            return;
        }
        if (fullPaused && offsets.inFlight() <= maxInFlight / 2) {
            fullPaused = false;
            requestMore();
        }
    }

    private static int failedRecords(SharedProducer.Batch b, int sent) {
        int failed = 0;
        for (int i = 0; i < sent; i++) {
            if (b.metadata(i) == null) {
                failed++;
            }
        }
        return Math.max(1, failed);
    }

    /** Tells the task of acknowledged records, batch by batch in the order sent. */
    private void tellAcked() {
        while (!unacked.isEmpty() && unacked.peekFirst().metadata != null) {
            Outbox done = unacked.pollFirst();
            if (done.metadata.failure() != null || done.sent == 0) {
                continue;
            }
            int n = done.sent;
            RecordMetadata[] md = new RecordMetadata[n];
            for (int i = 0; i < n; i++) {
                md[i] = done.metadata.metadata(i);
            }
            acks.acked(n == done.sources.size() ? done.sources : done.sources.subList(0, n), Arrays.asList(md));
        }
    }

    private void fail(Throwable t) {
        if (failed) {
            return;
        }
        failed = true;
        stopReading();
        if (drained != null) {
            drained.tryComplete();
        }
        if (!stopped) {
            onFailure.handle(t);
        }
    }

    /**
     * Records in order with their source records (when the task wants {@code commitRecord}) and
     * their offset entries: each entry stands for a run of records of one source partition, and
     * {@code counts} says how many of its records are in this outbox (an entry may be split across
     * two batches when the producer hands a batch's tail back).
     */
    static final class Outbox {
        final ArrayList<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        final ArrayList<SourceRecord> sources;
        final ArrayList<SubmittedOffsets.Entry> entries = new ArrayList<>();
        int[] counts = new int[8];
        long seq;
        int sent;
        SharedProducer.Batch metadata;

        Outbox(boolean keepSources) {
            this.sources = keepSources ? new ArrayList<>() : null;
        }

        int size() {
            return records.size();
        }

        void add(ProducerRecord<byte[], byte[]> record, SourceRecord source) {
            records.add(record);
            if (sources != null) {
                sources.add(source);
            }
        }

        void newEntry(SubmittedOffsets.Entry e) {
            addEntry(e, 1);
        }

        void extendLast() {
            counts[entries.size() - 1]++;
        }

        private void addEntry(SubmittedOffsets.Entry e, int count) {
            int i = entries.size();
            entries.add(e);
            if (i == counts.length) {
                counts = Arrays.copyOf(counts, i * 2);
            }
            counts[i] = count;
        }

        /** Appends {@code other}'s records from {@code from} on, with their entries (the first perhaps in part). */
        void appendFrom(Outbox other, int from) {
            int size = other.size();
            if (from >= size) {
                return;
            }
            records.addAll(from == 0 ? other.records : other.records.subList(from, size));
            if (sources != null) {
                sources.addAll(from == 0 ? other.sources : other.sources.subList(from, size));
            }
            int index = 0;
            for (int i = 0; i < other.entries.size(); i++) {
                int c = other.counts[i];
                int end = index + c;
                if (end > from) {
                    addEntry(other.entries.get(i), end - Math.max(index, from));
                }
                index = end;
            }
        }

        /** Removes and returns the first {@code n} records (fewer than all). */
        Outbox takeFirst(int n) {
            Outbox first = new Outbox(sources != null);
            first.records.addAll(records.subList(0, n));
            records.subList(0, n).clear();
            if (sources != null) {
                first.sources.addAll(sources.subList(0, n));
                sources.subList(0, n).clear();
            }
            int index = 0;
            int i = 0;
            while (index < n) {
                int c = counts[i];
                int take = Math.min(c, n - index);
                first.addEntry(entries.get(i), take);
                index += take;
                if (take < c) {
                    counts[i] = c - take;
                    break;
                }
                i++;
            }
            // drop the entries wholly taken
            entries.subList(0, i).clear();
            counts = Arrays.copyOfRange(counts, i, Math.max(i + 8, counts.length));
            return first;
        }

        /** Acknowledges the first {@code n} records' entries (in part for an entry with records beyond). */
        void ackFirst(SubmittedOffsets offsets, int n) {
            int left = n;
            for (int i = 0; i < entries.size() && left > 0; i++) {
                int take = Math.min(counts[i], left);
                offsets.ack(entries.get(i), take);
                left -= take;
            }
        }
    }
}
