package io.connectreactive.herder;

import org.apache.kafka.connect.errors.ConnectException;

/** The request conflicts with what the cluster is doing (a rebalance, new task configs): HTTP 409, as Kafka Connect answers. */
public class ConflictException extends ConnectException {
    public ConflictException(String message) {
        super(message);
    }
}
