package io.connectreactive.runtime.sink;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * One sink task's view of the consumer that feeds it: a {@link SinkConsumerLoop} of its own (one
 * group member per task, as Kafka Connect) or its place in its connector's {@link SharedSinkConsumer}
 * (one member and one polling thread for all of a connector's tasks on this worker, the layout of
 * {@code runtime.sink.consumers=connector}). Either way the
 * consumer's thread hands batches and rebalance events to the task's {@link Handler}, and the task's
 * side sends it commands from any thread; the guarantees are the same.
 */
interface SinkConsumer {

    /** Batches handed out and not yet {@link #release() released}: at this bound the task's partitions are paused. */
    int MAX_OUTSTANDING = 2;

    /** A seek the task asked for; {@code epoch} orders them per partition. */
    record Seek(long offset, long epoch) {
    }

    /**
     * A poll's records: {@code generation} counts the rebalance events of this task the consumer saw
     * before the poll returned, {@code epochs} is the last seek epoch applied per partition of the records.
     */
    record Batch(long generation, Map<TopicPartition, Long> epochs, ConsumerRecords<byte[], byte[]> records) {
    }

    /**
     * The task's side. Every method is called on the consumer thread and must return at once:
     * the work happens on the task's context; the consumer thread waits for the returned stage.
     */
    interface Handler {
        /** A batch (empty ones only when {@code handEmpty}); must be {@link #release() released} once done. */
        void batch(Batch batch);

        /** The partitions are being revoked: answer the offsets to commit for them (after preCommit). */
        CompletionStage<Map<TopicPartition, OffsetAndMetadata>> revoking(Set<TopicPartition> partitions, long generation);

        /** After the commit of a revocation: close the partitions in the task. */
        CompletionStage<Void> revoked(Set<TopicPartition> partitions);

        /** The partitions were lost (the member was evicted): nothing may be committed; close them. */
        CompletionStage<Void> lost(Set<TopicPartition> partitions, long generation);

        /** The partitions are assigned at these positions: open them, answer the rewinds to apply. */
        CompletionStage<Map<TopicPartition, Seek>> assigned(Map<TopicPartition, Long> positions, long generation);

        /** The consumer died of an unexpected error (not called after {@link #close()}). */
        void failed(Throwable error);
    }

    /** The name of the consumer's thread, for the task's start line. */
    String thread();

    /** Starts feeding the task; completes once the consumer exists and is subscribed. Called once, from any thread. */
    CompletableFuture<Void> start();

    /** The task's own consumer, for its metrics, once started; null when the consumer is shared (its meters are the connector's). */
    KafkaConsumer<byte[], byte[]> client();

    /** Returns a handed-out batch: the task is done with it. Any thread. */
    void release();

    /** Moves the partition's position; applied unless a later seek of it was applied already. Any thread. */
    void seek(TopicPartition tp, Seek seek);

    /** The task paused / resumed these partitions. Any thread. */
    void pause(Set<TopicPartition> partitions, boolean pause);

    /** The connector is paused (every partition of the task) or resumed. Any thread. */
    void pauseAll(boolean pause);

    /** Fetches nothing for the task while held (a retry back-off, a stop); polls go on. Any thread. */
    void hold(boolean hold);

    /**
     * Commits the offsets of the partitions the task still owns; {@code generation} &gt;= 0 drops the
     * commit when a rebalance of the task happened since (the revocation committed already).
     * Synchronously when {@code sync}, else asynchronously. Any thread; completes on the consumer thread.
     */
    CompletableFuture<Void> commit(Map<TopicPartition, OffsetAndMetadata> offsets, long generation, boolean sync);

    /** Stops feeding the task and commits nothing; its partitions leave it (the member leaves the group when it is the task's own). Any thread. */
    CompletableFuture<Void> close();
}
