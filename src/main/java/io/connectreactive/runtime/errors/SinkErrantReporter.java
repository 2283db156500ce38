package io.connectreactive.runtime.errors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * The {@link ErrantRecordReporter} of a sink task (KIP-610). A reported record goes, with its
 * original consumed bytes (or, for a record the task made itself, the converters run backwards),
 * to the error log and the dead-letter queue as configured; its future completes when the
 * dead-letter queue acknowledged it, and commits of its partition wait for that
 * ({@link PendingReports}). With {@code errors.tolerance=none} {@link #report} throws, which fails
 * the task, as in Kafka Connect.
 *
 * <p>Called by the task, on its own thread (classic) or its context (reactive).
 */
public final class SinkErrantReporter implements ErrantRecordReporter {

    private final ErrorHandler errors;
    private final PendingReports pending;
    private final Function<SinkRecord, ConsumerRecord<byte[], byte[]>> toBytes;

    /**
     * @param toBytes the converters backwards, for records that did not come from our converters
     */
    public SinkErrantReporter(ErrorHandler errors, PendingReports pending, Function<SinkRecord, ConsumerRecord<byte[], byte[]>> toBytes) {
        this.errors = errors;
        this.pending = pending;
        this.toBytes = toBytes;
    }

    @Override
    public Future<Void> report(SinkRecord record, Throwable error) {
        ConsumerRecord<byte[], byte[]> original = record instanceof ErrantSinkRecord e ? e.original() : toBytes.apply(record);
        CompletableFuture<Void> write = errors.reportFromTask(original, error);
        pending.add(new TopicPartition(original.topic(), original.partition()), write);
        return write;
    }
}
