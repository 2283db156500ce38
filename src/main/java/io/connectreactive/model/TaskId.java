package io.connectreactive.model;

/** A task of a connector: Kafka Connect's {@code ConnectorTaskId}, printed as {@code <connector>-<task>}. */
public record TaskId(String connector, int task) {
    @Override
    public String toString() {
        return connector + "-" + task;
    }
}
