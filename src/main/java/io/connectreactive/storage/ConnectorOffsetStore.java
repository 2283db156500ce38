package io.connectreactive.storage;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.vertx.core.Future;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offsets of a source connector that has its own offsets topic ({@code offsets.storage.topic},
 * KIP-618), as Kafka Connect's {@code ConnectorOffsetBackingStore} with a connector store and a worker
 * store: the connector's topic is the primary store, the worker's offsets the fallback and a secondary copy.
 *
 * <ul>
 *   <li>Reads: the connector's topic's offset of a partition, else the worker's (a partition the
 *       connector's topic does not hold, or holds as a tombstone); {@link #offsets} is the union, the
 *       connector's topic winning.
 *   <li>Writes: removals (null offsets) go to the worker's offsets first, and only once they are durable
 *       does the whole write go to the connector's topic (else a removed partition would come back from
 *       the fallback); then, without waiting, the other offsets are copied to the worker's offsets, and a
 *       failure of that copy is only logged. The write's future is the connector topic's.
 *   <li>Transactions ({@link TransactionalOffsets}, an exactly-once task): the records are the connector
 *       topic's, in the task's transaction; removals are written to the worker's offsets first, blocking
 *       the caller (the task's thread) up to {@code removalTimeoutMs}; once the transaction committed,
 *       the other offsets are copied to the worker's offsets, best effort.
 * </ul>
 *
 * <p>{@link #start()} and {@link #stop()} start and stop the connector's store only: the worker's is
 * shared and started by the worker. Thread-safe, as both stores are.
 */
public final class ConnectorOffsetStore implements OffsetStore, TransactionalOffsets {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorOffsetStore.class);

    private final OffsetStore connectorStore;
    private final TransactionalOffsets connectorTransactions;
    private final OffsetStore workerStore;
    private final long removalTimeoutMs;

    /**
     * @param connectorStore the store on the connector's own topic, not started yet
     * @param workerStore the worker's offset store, started
     * @param removalTimeoutMs how long a transactional write waits for its removals in the worker's offsets
     */
    public <S extends OffsetStore & TransactionalOffsets> ConnectorOffsetStore(S connectorStore, OffsetStore workerStore,
                                                                               long removalTimeoutMs) {
        this.connectorStore = connectorStore;
        this.connectorTransactions = connectorStore;
        this.workerStore = workerStore;
        this.removalTimeoutMs = removalTimeoutMs;
    }

    @Override
    public Future<Void> start() {
        return connectorStore.start();
    }

    @Override
    public Map<String, Object> offset(String connector, Map<String, ?> partition) {
        Map<String, Object> own = connectorStore.offset(connector, partition);
        return own != null ? own : workerStore.offset(connector, partition);
    }

    @Override
    public Map<Map<String, Object>, Map<String, Object>> offsets(String connector) {
        Map<Map<String, Object>, Map<String, Object>> out = new HashMap<>(workerStore.offsets(connector));
        out.putAll(connectorStore.offsets(connector));
        return out;
    }

    @Override
    public Future<Void> write(String connector, Map<Map<String, ?>, Map<String, ?>> offsets) {
        Map<Map<String, ?>, Map<String, ?>> removals = removals(offsets);
        Future<Void> removed = removals.isEmpty() ? Future.succeededFuture()
                : workerStore.write(connector, removals).recover(err -> Future.failedFuture(new ConnectException(
                        "Could not remove offsets of connector " + connector + " from the worker's offsets first; "
                                + "they are not written to " + topic() + " either", err)));
        return removed.compose(v -> connectorStore.write(connector, offsets))
                .onSuccess(v -> copyToWorker(connector, offsets));
    }

    @Override
    public String topic() {
        return connectorTransactions.topic();
    }

    @Override
    public Staged stage(String connector, Map<Map<String, ?>, Map<String, ?>> offsets) {
        Map<Map<String, ?>, Map<String, ?>> removals = removals(offsets);
        if (!removals.isEmpty()) {
            awaitRemovals(connector, removals);
        }
        Staged staged = connectorTransactions.stage(connector, offsets);
        return new Staged() {
            @Override
            public List<ProducerRecord<byte[], byte[]>> records() {
                return staged.records();
            }

            @Override
            public void committed(List<RecordMetadata> metadata) {
                staged.committed(metadata);
                copyToWorker(connector, offsets);
            }
        };
    }

    @Override
    public Future<Void> refresh() {
        return Future.all(connectorStore.refresh(), workerStore.refresh()).mapEmpty();
    }

    @Override
    public Future<Void> stop() {
        return connectorStore.stop();
    }

    /** On the task's thread: Kafka Connect waits for these before the transaction's offsets are sent. */
    private void awaitRemovals(String connector, Map<Map<String, ?>, Map<String, ?>> removals) {
        try {
            workerStore.write(connector, removals).toCompletionStage().toCompletableFuture()
                    .get(removalTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while removing offsets of connector " + connector + " from the worker's offsets", e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new ConnectException("Could not remove offsets of connector " + connector + " from the worker's offsets "
                    + "before writing them to " + topic(), cause);
        }
    }

    /** The secondary write: not waited for, a failure only logged, as in Kafka Connect. */
    private void copyToWorker(String connector, Map<Map<String, ?>, Map<String, ?>> offsets) {
        Map<Map<String, ?>, Map<String, ?>> regular = new HashMap<>();
        offsets.forEach((partition, offset) -> {
            if (offset != null) {
                regular.put(partition, offset);
            }
        });
        if (regular.isEmpty()) {
            return;
        }
        workerStore.write(connector, regular).onFailure(err -> LOG.warn(
                "Could not copy offsets of connector {} from {} to the worker's offsets (secondary write): {}",
                connector, topic(), err.toString()));
    }

    private static Map<Map<String, ?>, Map<String, ?>> removals(Map<Map<String, ?>, Map<String, ?>> offsets) {
        Map<Map<String, ?>, Map<String, ?>> out = new HashMap<>();
        offsets.forEach((partition, offset) -> {
            if (offset == null) {
                out.put(partition, null);
            }
        });
        return out;
    }
}
