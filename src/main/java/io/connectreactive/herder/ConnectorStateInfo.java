package io.connectreactive.herder;

import java.util.List;

/**
 * {@code GET /connectors/{name}/status}: Kafka Connect's ConnectorStateInfo.
 *
 * @param type "source", "sink" or "unknown"
 */
public record ConnectorStateInfo(String name, ConnectorState connector, List<TaskState> tasks, String type) {

    /**
     * The connector's state; {@code trace} only when FAILED; {@code version} the running plugin's
     * {@code version()} (Kafka Connect 4.1+, KIP-891), null when unknown.
     */
    public record ConnectorState(String state, String workerId, String trace, String version) {
        public ConnectorState(String state, String workerId, String trace) {
            this(state, workerId, trace, null);
        }

        public ConnectorState withState(String newState) {
            return new ConnectorState(newState, workerId, null, version);
        }
    }

    /** A task's state; {@code trace} only when FAILED; {@code version} as for the connector. */
    public record TaskState(int id, String state, String workerId, String trace, String version) {
        public TaskState(int id, String state, String workerId, String trace) {
            this(id, state, workerId, trace, null);
        }

        public TaskState withState(String newState) {
            return new TaskState(id, newState, workerId, null, version);
        }
    }
}
