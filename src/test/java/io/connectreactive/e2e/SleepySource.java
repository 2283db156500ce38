package io.connectreactive.e2e;

import java.util.List;
import java.util.Map;

import io.connectreactive.testing.TestConnectors;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * A classic source of {@code tasks.max} tasks whose {@code poll()} sleeps {@code sleep.ms} (default 50),
 * then returns one record {@code "<task> <n>"} to {@code topic}: tasks that spend their life blocked
 * in {@code poll()}, as many real plugins do.
 */
public class SleepySource extends TestConnectors.Source {

    @Override
    public Class<? extends Task> taskClass() {
        return SleepyTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return TestConnectors.indexedTaskConfigs(props, maxTasks);
    }

    /** The classic task. */
    public static class SleepyTask extends SourceTask {
        private String topic;
        private String task;
        private long sleepMs;
        private long n;

        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {
            topic = props.get("topic");
            task = props.get("task.index");
            sleepMs = Long.parseLong(props.getOrDefault("sleep.ms", "50"));
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            Thread.sleep(sleepMs);
            long i = n++;
            return List.of(new SourceRecord(Map.of("task", task), Map.of("n", i), topic, null,
                    Schema.STRING_SCHEMA, task + " " + i));
        }

        @Override
        public void stop() {
        }
    }
}
