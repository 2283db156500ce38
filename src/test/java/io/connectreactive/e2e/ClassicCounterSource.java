package io.connectreactive.e2e;

import io.connectreactive.testing.TestConnectors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * A classic (blocking poll) test source: emits the numbers {@code 0..count-1} as strings to
 * {@code topic} with source partition {@code {"counter": <connector>}} and offset {@code {"n": i}},
 * resuming after its stored offset. Records the threads its poll ran on.
 */
public class ClassicCounterSource extends TestConnectors.Source {

    /** Threads that ran poll(), per connector name. */
    public static final Map<String, List<String>> POLL_THREADS = new ConcurrentHashMap<>();

    @Override
    public Class<? extends Task> taskClass() {
        return CounterTask.class;
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef()
                .define("topic", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "topic")
                .define("count", ConfigDef.Type.INT, ConfigDef.Importance.HIGH, "how many records");
    }

    /** The classic task. */
    public static class CounterTask extends SourceTask {
        private String topic;
        private String name;
        private int count;
        private int batch;
        private long next;
        private volatile boolean stopped;

        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {
            topic = props.get("topic");
            name = props.get("name");
            count = Integer.parseInt(props.get("count"));
            batch = Integer.parseInt(props.getOrDefault("batch", "100"));
            Map<String, Object> offset = context.offsetStorageReader().offset(Map.of("counter", name));
            next = offset == null ? 0 : ((Number) offset.get("n")).longValue() + 1;
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            POLL_THREADS.computeIfAbsent(name, n -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(Thread.currentThread().getName());
            if (next >= count) {
                synchronized (this) {
                    if (!stopped) {
                        wait(100);
                    }
                }
                return null;
            }
            List<SourceRecord> out = new ArrayList<>();
            for (int i = 0; i < batch && next < count; i++, next++) {
                out.add(new SourceRecord(Map.of("counter", name), Map.of("n", next), topic, null,
                        null, null, Schema.STRING_SCHEMA, String.valueOf(next)));
            }
            return out;
        }

        @Override
        public void stop() {
            synchronized (this) {
                stopped = true;
                notifyAll();
            }
        }
    }
}
