package io.connectreactive.herder;

import java.util.List;
import java.util.Map;

import io.connectreactive.runtime.TargetState;
import io.connectreactive.runtime.TaskId;
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

    Future<Void> deleteConnector(String name);

    Future<ConnectorStateInfo> connectorStatus(String name);

    Future<ConnectorStateInfo.TaskState> taskStatus(TaskId id);

    Future<List<TaskInfo>> taskConfigs(String name);

    Future<Void> pauseConnector(String name);

    Future<Void> resumeConnector(String name);

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

    /** A result and whether it was newly created. */
    record Created<T>(boolean created, T result) {
    }

    /** {@code GET /connectors/{name}}: Kafka Connect's ConnectorInfo. */
    record ConnectorInfo(String name, Map<String, String> config, List<TaskId> tasks, String type) {
    }

    /** One entry of {@code GET /connectors/{name}/tasks}. */
    record TaskInfo(TaskId id, Map<String, String> config) {
    }
}
