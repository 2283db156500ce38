package io.connectreactive.api;

import java.util.List;
import java.util.Map;

import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.SourceTaskContext;

/**
 * A source task that runs on its task's event loop with no thread of its own.
 *
 * <p>A connector returns a subclass of this from {@code taskClass()} exactly as it would return a
 * classic {@link SourceTask}; the runtime sees the type and, instead of calling the blocking
 * {@link #poll()}, calls {@link #open} once and reads the returned stream. The stream must honour
 * {@code pause()}, {@code resume()} and {@code fetch(n)}: the runtime reads it by demand (a few
 * hundred records per turn of the event loop) and asks for nothing while the task's records in
 * flight to Kafka are at their bound. An exception on the stream fails the task. Ending the stream
 * (its end handler) means the task has no more records for now: the task stays RUNNING and its
 * offsets are still committed. Before {@link #close()} the runtime stops reading the stream.
 *
 * <p>The context's {@code offsetStorageReader()} serves stored offsets from memory in this runtime:
 * it may be called on the event loop.
 *
 * <p>Every method here is called on the task's context (an event loop): none may block. Use the
 * {@link io.vertx.core.Vertx} given in {@link ReactiveTaskContext} for timers and file I/O.
 */
public abstract class ReactiveSourceTask extends SourceTask {

    /**
     * Starts the task and returns its records. The stream is read as soon as the future succeeds.
     *
     * @param context the Vert.x instance, the task's Connect context (offset reader, configs)
     * @param props the task configuration produced by the connector's {@code taskConfigs}
     */
    public abstract Future<ReadStream<SourceRecord>> open(ReactiveTaskContext<SourceTaskContext> context,
                                                          Map<String, String> props);

    /** Stops the task: release files and timers. The stream is no longer read. */
    public abstract Future<Void> close();

    /**
     * Called once the offsets of records acknowledged by Kafka were stored (Kafka Connect's
     * {@link SourceTask#commit()}), on the task's context.
     */
    public Future<Void> commitOffsets() {
        return Future.succeededFuture();
    }

    /**
     * Called on the task's context for each record once Kafka acknowledged it ({@code metadata}) or
     * a transform dropped it ({@code metadata == null}). The default does nothing.
     */
    @Override
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
    }

    /** Not used for reactive tasks: the runtime calls {@link #open} instead. */
    @Override
    public final void start(Map<String, String> props) {
        throw new UnsupportedOperationException("a reactive source task is started with open()");
    }

    /** Not used for reactive tasks: the runtime reads the stream returned by {@link #open}. */
    @Override
    public final List<SourceRecord> poll() {
        throw new UnsupportedOperationException("a reactive source task is read through open()'s stream");
    }

    /** Not used for reactive tasks: the runtime calls {@link #close}. */
    @Override
    public final void stop() {
        throw new UnsupportedOperationException("a reactive source task is stopped with close()");
    }
}
