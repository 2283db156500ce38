package io.connectreactive.herder;

import java.util.List;
import java.util.Map;

import io.connectreactive.kafka.ClusterMonitor;
import io.connectreactive.model.TargetState;
import io.connectreactive.model.TaskId;
import io.vertx.core.Future;

/**
 * The control plane: what the REST API asks of a worker. Every method returns a Future and never
 * throws; a failed future carries {@link org.apache.kafka.connect.errors.NotFoundException} (404),
 * {@link org.apache.kafka.connect.errors.AlreadyExistsException} (409) or
 * {@link BadRequestException} (400) for the caller's mistakes. The standalone implementation runs
 * everything on one worker; a clustered one will forward writes to its leader.
 */
public interface Herder {

    Future<Void> start();

    Future<Void> stop();

    /** True once {@link #start()} completed: stored connectors were started ({@code GET /health}). */
    boolean started();

    /**
     * Why this clustered worker has fenced itself (it reaches no majority of its cluster, so it runs no
     * connectors or tasks), or null while it has not.
     */
    default String fenced() {
        return null;
    }

    /** What the worker cannot reach in its Kafka cluster, and since when; null while it answers. */
    default ClusterMonitor.Outage kafkaOutage() {
        return null;
    }

    /**
     * Where REST writes go instead of this worker: the REST URL of the cluster's leader when this
     * worker is a follower in a cluster, else null (this worker handles them).
     */
    default String leaderUrl() {
        return null;
    }

    /** The Kafka cluster's id, for {@code GET /}. */
    String kafkaClusterId();

    Future<List<String>> connectors();

    Future<ConnectorInfo> connectorInfo(String name);

    Future<Map<String, String>> connectorConfig(String name);

    /**
     * Creates or (when {@code allowReplace}) updates a connector after validating its config.
     *
     * @param initialState the target state of a new connector
     */
    Future<Created<ConnectorInfo>> putConnectorConfig(String name, Map<String, String> config, boolean allowReplace,
                                                      TargetState initialState);

    /**
     * Kafka Connect's {@code PATCH /connectors/{name}/config} (KIP-477): merges {@code patch} into the
     * stored config (a null value removes the key), validates the result as a PUT does and applies it.
     * Fails with NotFoundException when the connector does not exist.
     */
    Future<ConnectorInfo> patchConnectorConfig(String name, Map<String, String> patch);

    Future<Void> deleteConnector(String name);

    Future<ConnectorStateInfo> connectorStatus(String name);

    Future<ConnectorStateInfo.TaskState> taskStatus(TaskId id);

    Future<List<TaskInfo>> taskConfigs(String name);

    Future<Void> pauseConnector(String name);

    Future<Void> resumeConnector(String name);

    /**
     * KIP-875's {@code PUT /connectors/{name}/stop}: shuts the connector and its tasks down, stores an
     * empty list of task configs and the target state STOPPED. Idempotent.
     */
    Future<Void> stopConnector(String name);

    /** The connector's offsets, in any state (KIP-875). */
    Future<List<ConnectorOffset>> connectorOffsets(String name);

    /**
     * Alters some of a STOPPED connector's offsets (a null offset removes its partition's); completes
     * with Kafka Connect's message. BadRequestException when the connector is not STOPPED.
     */
    Future<String> alterConnectorOffsets(String name, Map<Map<String, ?>, Map<String, ?>> offsets);

    /** Resets every offset of a STOPPED connector; completes with Kafka Connect's message. */
    Future<String> resetConnectorOffsets(String name);

    /**
     * The topics the connector used since it was created or last reset (KIP-558), sorted; empty for
     * an unknown connector, as in Kafka Connect. ForbiddenException when topic tracking is disabled.
     */
    Future<List<String>> connectorActiveTopics(String name);

    /** Empties the connector's active topics. ForbiddenException when tracking or its reset is disabled. */
    Future<Void> resetConnectorActiveTopics(String name);

    Future<Void> restartConnector(String name);

    Future<Void> restartTask(TaskId id);

    /**
     * Kafka Connect's {@code POST /connectors/{name}/restart?includeTasks=&onlyFailed=} (KIP-745):
     * restarts the connector unless {@code onlyFailed} and it is not FAILED, and, with
     * {@code includeTasks}, its tasks (only the FAILED ones when {@code onlyFailed}).
     *
     * @return the connector's status as it was, with the instances being restarted shown RESTARTING
     */
    Future<ConnectorStateInfo> restartConnectorAndTasks(String name, boolean onlyFailed, boolean includeTasks);

    /**
     * Kafka Connect's internal {@code PUT /connectors/{name}/fence} (KIP-618): the cluster's leader runs a
     * round of zombie fencing for the source connector if its task configs changed since the last one
     * (fences the transactional producers of its previous generation of tasks, then writes the task-count
     * record). NotFoundException for an unknown connector, BadRequestException for a sink, ConflictException
     * on a worker that is not the leader or when new task configs came meanwhile. A standalone worker has no
     * exactly-once source support and fails, as Kafka Connect's does.
     */
    default Future<Void> fenceZombies(String name) {
        return Future.failedFuture(new UnsupportedOperationException(
                "Kafka Connect in standalone mode does not support exactly-once source connectors."));
    }

    /** A result and whether it was newly created. */
    record Created<T>(boolean created, T result) {
    }

    /** {@code GET /connectors/{name}}: Kafka Connect's ConnectorInfo. */
    record ConnectorInfo(String name, Map<String, String> config, List<TaskId> tasks, String type) {
    }

    /** One entry of {@code GET /connectors/{name}/offsets}; {@code offset} null only in requests. */
    record ConnectorOffset(Map<String, ?> partition, Map<String, ?> offset) {
    }

    /** One entry of {@code GET /connectors/{name}/tasks}. */
    record TaskInfo(TaskId id, Map<String, String> config) {
    }
}
