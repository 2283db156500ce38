package io.connectreactive.runtime.source;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.connectreactive.kafka.SharedProducer;
import io.connectreactive.kafka.TopicCreation;
import io.connectreactive.runtime.TaskId;
import io.connectreactive.runtime.glue.ConverterChain;
import io.connectreactive.runtime.glue.TransformChain;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The source pipeline of one task: records from the task's stream are converted, tracked in
 * {@link SubmittedOffsets} and handed to the shared producer in batches (one batch per turn of the
 * event loop). The stream is read by demand: {@value #FETCH} records per turn of the event loop, so
 * no turn runs long and other tasks on the same loop get their share. While the task's records in
 * flight are at {@code maxInFlight} no more are asked for; reading resumes when they fall to half.
 * Acknowledgements come back per batch and advance the committable offsets.
 *
 * <p>Everything here runs on the task's context.
 */
final class SourcePipeline {

    /** What to tell the task about acknowledged records; runs on the task's context. */
    interface RecordAcks {
        void acked(SourceRecord record, RecordMetadata metadata);
    }

    private final TaskId id;
    private final Context context;
    private final ReadStream<SourceRecord> stream;
    private final ConverterChain converters;
    private final TransformChain<SourceRecord> transforms;
    private final TopicCreation topicCreation;
    private final java.util.Set<String> knownTopics = new java.util.HashSet<>();
    private int topicsBeingCreated;
    private final SharedProducer producer;
    private final int maxInFlight;
    private final RecordAcks acks;
    private final boolean acksOnIoThread;
    private final Handler<Throwable> onFailure;
    private final SubmittedOffsets offsets = new SubmittedOffsets();
    /** Records asked of the stream per turn of the event loop. */
    static final int FETCH = 512;

    private List<SourceRecord> sources = new ArrayList<>();
    private List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    /** One entry per run of records of the same partition in the pending batch: acked together. */
    private List<SubmittedOffsets.Entry> entries = new ArrayList<>();
    private SubmittedOffsets.Entry lastEntry;
    private boolean sendScheduled;
    private boolean fetchScheduled;
    private long requested;
    private boolean userPaused;
    private boolean fullPaused;
    private boolean stopped;
    private Promise<Void> drained;
    private java.util.function.Consumer<String> topicUsed = topic -> { };

    /**
     * @param acks called per acknowledged record, or null
     * @param acksOnIoThread true to call {@code acks} on the producer's I/O thread (classic tasks, as
     *        Kafka Connect calls {@code commitRecord}), false to call it on the context
     */
    SourcePipeline(TaskId id, Context context, ReadStream<SourceRecord> stream, TransformChain<SourceRecord> transforms,
                   TopicCreation topicCreation, ConverterChain converters, SharedProducer producer, int maxInFlight, RecordAcks acks,
                   boolean acksOnIoThread, Handler<Throwable> onFailure) {
        this.id = id;
        this.context = context;
        this.stream = stream;
        this.converters = converters;
        this.transforms = transforms;
        this.topicCreation = topicCreation;
        this.producer = producer;
        this.maxInFlight = maxInFlight;
        this.acks = acks;
        this.acksOnIoThread = acksOnIoThread;
        this.onFailure = onFailure;
    }

    /** Tells {@code recorder} the topic of every acknowledged record (KIP-558 active topics). */
    void trackTopics(java.util.function.Consumer<String> recorder) {
        this.topicUsed = recorder;
    }

    void start() {
        stream.exceptionHandler(this::fail);
        stream.endHandler(v -> { });
        stream.pause();
        stream.handler(this::onRecord);
        requestMore();
    }

    /** Pauses reading (the connector was paused). */
    void pause() {
        userPaused = true;
        stopReading();
    }

    void resume() {
        userPaused = false;
        requestMore();
    }

    private void stopReading() {
        stream.pause();
        requested = 0;
    }

    /** Asks the stream for the next {@value #FETCH} records, on a later turn of the event loop. */
    private void requestMore() {
        if (fetchScheduled || userPaused || fullPaused || stopped) {
            return;
        }
        fetchScheduled = true;
        context.runOnContext(v -> {
            fetchScheduled = false;
            if (requested == 0 && !userPaused && !fullPaused && !stopped) {
                requested = FETCH;
                stream.fetch(FETCH);
            }
        });
    }

    int inFlight() {
        return offsets.inFlight();
    }

    Map<Map<String, ?>, Map<String, ?>> takeCommittable() {
        return offsets.takeCommittable();
    }

    void restoreCommittable(Map<Map<String, ?>, Map<String, ?>> failed) {
        offsets.restore(failed);
    }

    /** Stops reading and completes once every record in flight is acknowledged (or failed). */
    Future<Void> drain() {
        stopped = true;
        stopReading();
        sendBatch();
        if (offsets.inFlight() == 0) {
            return Future.succeededFuture();
        }
        drained = Promise.promise();
        return drained.future();
    }

    private void onRecord(SourceRecord record) {
        if (stopped) {
            return;
        }
        if (requested > 0 && --requested == 0) {
            requestMore();
        }
        ProducerRecord<byte[], byte[]> converted;
        try {
            SourceRecord transformed = transforms.isEmpty() ? record : transforms.apply(record);
            if (transformed == null) {
                // dropped by a transform: it counts as done for its partition's offset, as in Kafka Connect
                offsets.ack(offsets.submit(record.sourcePartition(), record.sourceOffset()));
                lastEntry = null; // a later record must not move its offset before this one's
                if (acks != null && !acksOnIoThread) {
                    acks.acked(record, null);
                }
                return;
            }
            converted = converters.toProducerRecord(transformed);
        } catch (RuntimeException e) {
            fail(new org.apache.kafka.connect.errors.DataException(
                    "Could not transform or convert a record of task " + id + " for topic " + record.topic() + ": " + e.getMessage(), e));
            return;
        }
        if (topicCreation != null && knownTopics.add(converted.topic())) {
            createTopic(converted.topic());
        }
        if (acks != null) {
            sources.add(record);
        }
        records.add(converted);
        if (lastEntry != null && lastEntry.samePartition(record.sourcePartition())) {
            offsets.extend(lastEntry, record.sourceOffset());
        } else {
            lastEntry = offsets.submit(record.sourcePartition(), record.sourceOffset());
            entries.add(lastEntry);
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

    /** Records wait (in the pending batch, within the in-flight bound) until their new topic exists. */
    private void createTopic(String topic) {
        topicsBeingCreated++;
        topicCreation.ensure(topic, context).onComplete(ar -> {
            topicsBeingCreated--;
            if (ar.failed()) {
                fail(new org.apache.kafka.connect.errors.ConnectException(
                        "Task " + id + " could not create topic " + topic + ": " + ar.cause().getMessage(), ar.cause()));
            } else {
                sendBatch();
            }
        });
    }

    private void sendBatch() {
        sendScheduled = false;
        if (records.isEmpty() || topicsBeingCreated > 0) {
            return;
        }
        List<SourceRecord> batchSources = sources;
        List<SubmittedOffsets.Entry> batchEntries = entries;
        SharedProducer.Batch batch = new SharedProducer.Batch(records, context, b -> onAcked(b, batchSources, batchEntries));
        if (acks != null && acksOnIoThread) {
            batch.onEachAck((i, md) -> acks.acked(batchSources.get(i), md));
        }
        sources = new ArrayList<>();
        records = new ArrayList<>();
        entries = new ArrayList<>();
        lastEntry = null;
        producer.send(batch);
    }

    private void onAcked(SharedProducer.Batch batch, List<SourceRecord> batchSources, List<SubmittedOffsets.Entry> batchEntries) {
        Throwable failure = batch.failure();
        if (failure == null) {
            // the whole batch was acknowledged; after a failure none of its offsets becomes committable
            for (SubmittedOffsets.Entry e : batchEntries) {
                offsets.ack(e);
            }
        }
        String lastTopic = null;
        for (int i = 0; i < batch.size(); i++) {
            RecordMetadata md = batch.metadata(i);
            if (md == null) {
                continue;
            }
            if (!md.topic().equals(lastTopic)) {
                lastTopic = md.topic();
                topicUsed.accept(lastTopic);
            }
            if (acks != null && !acksOnIoThread) {
                acks.acked(batchSources.get(i), md);
            }
        }
        if (failure != null) {
            fail(new org.apache.kafka.connect.errors.ConnectException(
                    "Kafka did not accept records of task " + id + ": " + failure.getMessage(), failure));
        }
        if (drained != null) {
            if (offsets.inFlight() == 0 || failure != null) {
                drained.tryComplete();
            }
            return;
        }
        if (fullPaused && offsets.inFlight() <= maxInFlight / 2) {
            fullPaused = false;
            requestMore();
        }
    }

    private void fail(Throwable t) {
        if (stopped) {
            return;
        }
        stopped = true;
        stopReading();
        onFailure.handle(t);
    }
}
