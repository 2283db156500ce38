package io.connectreactive.storage;

import java.util.Map;

import io.vertx.core.Future;

/**
 * Source offsets: per connector, per source partition, the last offset whose record (and every
 * earlier record of that partition) Kafka acknowledged.
 *
 * <p>Backends keep every offset in memory once {@link #start()} completed, so {@link #offset} never
 * blocks and may be called from any thread (it serves {@code OffsetStorageReader}). Writes are
 * durable when their future completes. Thread-safe.
 */
public interface OffsetStore {

    /** Loads the stored offsets. */
    Future<Void> start();

    /** The stored offset of {@code partition} of {@code connector}, or null. */
    Map<String, Object> offset(String connector, Map<String, ?> partition);

    /** Every stored partition and offset of {@code connector}. */
    Map<Map<String, Object>, Map<String, Object>> offsets(String connector);

    /**
     * Stores {@code offsets} (partition → offset; a null offset removes the partition). The future
     * completes once they are durable.
     */
    Future<Void> write(String connector, Map<Map<String, ?>, Map<String, ?>> offsets);

    /**
     * Completes once every offset written before this call, by any worker, is readable here (Kafka
     * Connect's read-to-end before a task starts where another worker may have run it). A local
     * backend is always up to date.
     */
    default Future<Void> refresh() {
        return Future.succeededFuture();
    }

    /** Completes once pending writes are durable. */
    Future<Void> stop();
}
