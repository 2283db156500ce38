package io.connectreactive.api;

import java.util.Collection;
import java.util.Map;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.sink.SinkTaskContext;

/**
 * A sink task that runs on its task's event loop with no thread of its own.
 *
 * <p>A connector returns a subclass of this from {@code taskClass()}. The runtime calls
 * {@link #open(ReactiveTaskContext, Map)} once, then {@link #write} for each batch; it does not
 * hand over the next batch until the returned future completes (flow control). Periodically it calls
 * {@link #flushOffsets} and commits the returned offsets to the consumer group. A task that works
 * on after {@code write} returned (requests of its own in flight) and fails there for good fails
 * {@link #failure()}'s future: the runtime then reports the task FAILED with that cause.
 *
 * <p>Every method is called on the task's context (an event loop): none may block.
 */
public abstract class ReactiveSinkTask extends SinkTask {

    /** Starts the task. */
    public abstract Future<Void> open(ReactiveTaskContext<SinkTaskContext> context, Map<String, String> props);

    /**
     * Writes one batch. A failed future with a {@link org.apache.kafka.connect.errors.RetriableException}
     * makes the runtime hand the same batch again after a back-off; any other failure fails the task.
     */
    public abstract Future<Void> write(Collection<SinkRecord> records);

    /**
     * Makes everything written so far durable and returns the offsets that may be committed (the
     * next offset to read per partition). The default returns {@code currentOffsets} unchanged.
     */
    public Future<Map<TopicPartition, OffsetAndMetadata>> flushOffsets(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        return Future.succeededFuture(currentOffsets);
    }

    /**
     * A future the task fails when it fails on its own, between the runtime's calls (a write that
     * failed for good after {@link #write} returned): the runtime, which asks for it once after
     * {@link #open} succeeded, then fails the task with its cause. Completing it successfully means
     * nothing. The default never completes.
     */
    public Future<Void> failure() {
        return Promise.<Void>promise().future();
    }

    /** Stops the task: release files and timers. */
    public abstract Future<Void> close();

    /** Not used for reactive tasks: the runtime calls {@link #open(ReactiveTaskContext, Map)}. */
    @Override
    public final void start(Map<String, String> props) {
        throw new UnsupportedOperationException("a reactive sink task is started with open()");
    }

    /** Not used for reactive tasks: the runtime calls {@link #write}. */
    @Override
    public final void put(Collection<SinkRecord> records) {
        throw new UnsupportedOperationException("a reactive sink task is given records through write()");
    }

    /** Not used for reactive tasks: the runtime calls {@link #close()}. */
    @Override
    public final void stop() {
        throw new UnsupportedOperationException("a reactive sink task is stopped with close()");
    }
}
