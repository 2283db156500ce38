package io.connectreactive.herder;

import java.util.List;

/**
 * {@code GET /connectors/{name}/status}: Kafka Connect's ConnectorStateInfo.
 *
 * @param type "source", "sink" or "unknown"
 */
public record ConnectorStateInfo(String name, ConnectorState connector, List<TaskState> tasks, String type) {

    /** The connector's state; {@code trace} only when FAILED. */
    public record ConnectorState(String state, String workerId, String trace) {
    }

    /** A task's state; {@code trace} only when FAILED. */
    public record TaskState(int id, String state, String workerId, String trace) {
    }
}
