package io.connectreactive.storage;

import java.util.List;
import java.util.Map;

import io.connectreactive.model.TargetState;
import io.vertx.core.Future;

/**
 * Connector configurations, target states and task configurations. The standalone backend keeps
 * them in a local file; a clustered one will keep them in Kafka Connect's config topic.
 *
 * <p>Reads are served from memory; writes complete once durable. Called on the herder's context.
 */
public interface ConfigStore {

    Future<Void> start();

    /**
     * Releases what the backend holds (a shared backend's clients and threads). A local backend has
     * nothing to release.
     */
    default Future<Void> stop() {
        return Future.succeededFuture();
    }

    /** Every stored connector, by name, in creation order. */
    Map<String, ConnectorEntry> connectors();

    Future<Void> putConnector(String name, Map<String, String> config, TargetState targetState);

    Future<Void> putTargetState(String name, TargetState targetState);

    Future<Void> putTaskConfigs(String name, List<Map<String, String>> taskConfigs);

    Future<Void> removeConnector(String name);

    /**
     * Kafka Connect's KIP-745 restart request ({@code restart-connector-<name>} in the config topic):
     * every worker restarts what it runs of the connector. Only a shared (clustered) backend has them.
     */
    default Future<Void> putRestartRequest(RestartRequest request) {
        return Future.failedFuture(new UnsupportedOperationException("restart requests need a shared config store"));
    }

    /**
     * Kafka Connect's task-count record of a source connector ({@code tasks-fencing-<name>}, KIP-618): how
     * many of its tasks may have run with transactional producers since the last round of zombie fencing;
     * null when there is none. Kept after the connector is removed, as Kafka Connect keeps it. Only a shared
     * (clustered) backend has them.
     */
    default Integer taskCountRecord(String name) {
        return null;
    }

    /**
     * Whether task configs of the connector were committed after its last task-count record (Kafka
     * Connect's {@code pendingFencing}): its tasks need a round of zombie fencing before they start.
     */
    default boolean pendingFencing(String name) {
        return false;
    }

    /** How many complete sets of task configs of the connector were read (Kafka Connect's task config generation). */
    default int taskConfigGeneration(String name) {
        return 0;
    }

    /** Writes the connector's task-count record ({@link #taskCountRecord}); completes once read back. */
    default Future<Void> putTaskCountRecord(String name, int taskCount) {
        return Future.failedFuture(new UnsupportedOperationException("task-count records need a shared config store"));
    }

    /**
     * Tells a shared store whether this worker is its cluster's leader (and not fenced). While
     * {@code exactly.once.source.support} is {@code preparing} or {@code enabled}, only the leader writes
     * connector configs, task configs, task-count records and restart requests, each in a transaction of
     * Kafka Connect's leader id ({@code connect-cluster-<group.id>}), which fences the writer of the
     * leader before it; target states stay writable by any worker. A store without a leader ignores it.
     */
    default void leader(boolean leader) {
    }

    /**
     * Completes once every change written before this call, by any worker, was read and reported to
     * the listener (Kafka Connect's read-to-end). A local backend is always up to date.
     */
    default Future<Void> refresh() {
        return Future.succeededFuture();
    }

    /**
     * Registers the one listener told of changes read from the store, whoever made them (this worker
     * included), on the context that called {@link #start()}, after {@link #connectors()} shows them.
     * A local backend has no other writer and never calls it.
     */
    default void listen(Listener listener) {
    }

    /** Told of changes read from a shared store, in the order they were written. */
    interface Listener {

        /** The connector's config was created, changed or removed (then absent from {@link #connectors()}). */
        void connectorConfigChanged(String name);

        /** The connector's target state changed. */
        void targetStateChanged(String name);

        /** A new, complete set of task configs of the connector was committed. */
        void taskConfigsChanged(String name);

        void restartRequested(RestartRequest request);
    }

    /** {@code POST /connectors/{name}/restart?onlyFailed=&includeTasks=} as stored for every worker. */
    record RestartRequest(String connector, boolean onlyFailed, boolean includeTasks) {
    }

    /**
     * One stored connector.
     *
     * @param config the connector config exactly as submitted
     * @param targetState what the operator asked for
     * @param taskConfigs the task configs last generated from it
     */
    record ConnectorEntry(Map<String, String> config, TargetState targetState, List<Map<String, String>> taskConfigs) {
        public ConnectorEntry {
            config = Map.copyOf(config);
            taskConfigs = taskConfigs.stream().map(Map::copyOf).toList();
        }
    }
}
