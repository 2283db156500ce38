package io.connectreactive.model;

/** The state a connector or task reports in its status (Kafka Connect's {@code AbstractStatus.State}). */
public enum State {
    UNASSIGNED, RUNNING, PAUSED, FAILED, RESTARTING, STOPPED
}
