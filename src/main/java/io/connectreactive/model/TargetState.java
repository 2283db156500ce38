package io.connectreactive.model;

/** What the operator asked a connector to be: Kafka Connect's target states. */
public enum TargetState {
    STARTED, PAUSED, STOPPED
}
