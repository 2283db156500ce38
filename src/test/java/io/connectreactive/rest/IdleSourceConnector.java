package io.connectreactive.rest;

import io.connectreactive.testing.TestConnectors;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * A test source connector that starts {@code tasks.max} tasks which produce nothing: each
 * {@code poll()} waits briefly and returns null. Its tasks stay RUNNING, which makes it a stable
 * subject for the REST API's status, pause and restart endpoints. Each task config carries
 * {@code task.index}.
 */
public class IdleSourceConnector extends TestConnectors.Source {

    @Override
    public Class<? extends Task> taskClass() {
        return IdleTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>();
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> c = new HashMap<>();
            c.put("task.index", String.valueOf(i));
            c.put("connector.name", props.get("name"));
            configs.add(c);
        }
        return configs;
    }

    /** A task that never produces: {@code poll()} waits up to 50 ms and returns null. */
    public static class IdleTask extends SourceTask {
        private final CountDownLatch stopped = new CountDownLatch(1);

        @Override
        public void start(Map<String, String> props) {
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            stopped.await(50, TimeUnit.MILLISECONDS);
            return null;
        }

        @Override
        public void stop() {
            stopped.countDown();
        }

        @Override
        public String version() {
            return "1.0-test";
        }
    }
}
