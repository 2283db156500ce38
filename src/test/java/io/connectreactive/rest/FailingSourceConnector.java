package io.connectreactive.rest;

import io.connectreactive.testing.TestConnectors;

import java.util.Map;

import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * A test source connector whose own {@code start()} throws {@link ConnectException}
 * ({@value #MESSAGE}): the connector must be reported FAILED with a {@code trace} and no tasks.
 */
public class FailingSourceConnector extends TestConnectors.Source {

    public static final String MESSAGE = "connector start failed on purpose";

    @Override
    public void start(Map<String, String> props) {
        throw new ConnectException(MESSAGE);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return IdleSourceConnector.IdleTask.class;
    }

}
