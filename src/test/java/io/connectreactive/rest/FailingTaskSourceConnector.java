package io.connectreactive.rest;

import io.connectreactive.testing.TestConnectors;

import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * A test source connector whose connector starts fine but whose one task throws
 * {@link ConnectException} ({@value #MESSAGE}) from {@code start()}: the task must be reported FAILED
 * with its stack trace in {@code trace}.
 */
public class FailingTaskSourceConnector extends TestConnectors.Source {

    public static final String MESSAGE = "task start failed on purpose";

    @Override
    public Class<? extends Task> taskClass() {
        return FailingTask.class;
    }

    /** Throws from {@code start()}. */
    public static class FailingTask extends SourceTask {
        @Override
        public void start(Map<String, String> props) {
            throw new ConnectException(MESSAGE);
        }

        @Override
        public List<SourceRecord> poll() {
            return null;
        }

        @Override
        public void stop() {
        }

        @Override
        public String version() {
            return "1.0-test";
        }
    }
}
