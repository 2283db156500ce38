package io.connectreactive.herder;

import org.apache.kafka.connect.errors.ConnectException;

/** The worker's configuration does not allow the request (e.g. topic tracking is disabled): HTTP 403. */
public class ForbiddenException extends ConnectException {
    public ForbiddenException(String message) {
        super(message);
    }
}
