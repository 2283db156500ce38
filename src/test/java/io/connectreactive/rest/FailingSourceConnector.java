package io.connectreactive.rest;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * A test source connector whose own {@code start()} throws {@link ConnectException}
 * ({@value #MESSAGE}): the connector must be reported FAILED with a {@code trace} and no tasks.
 */
public class FailingSourceConnector extends SourceConnector {

    public static final String MESSAGE = "connector start failed on purpose";

    @Override
    public void start(Map<String, String> props) {
        throw new ConnectException(MESSAGE);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return IdleSourceConnector.IdleTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of(Map.of());
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef();
    }

    @Override
    public String version() {
        return "1.0-test";
    }
}
