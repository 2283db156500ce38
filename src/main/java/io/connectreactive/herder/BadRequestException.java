package io.connectreactive.herder;

import org.apache.kafka.connect.errors.ConnectException;

/** The request itself is wrong (invalid config, name mismatch, malformed body): HTTP 400. */
public class BadRequestException extends ConnectException {
    public BadRequestException(String message) {
        super(message);
    }
}
