package io.connectreactive.runtime.source;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.connectreactive.testing.TestConnectors;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * A classic test source of {@code tasks.max} tasks: task {@code i} of connector {@code c} emits
 * {@code count} records to {@code topic}, key {@code "c-i"} (so each task's records share one Kafka
 * partition), value {@code "i:n"}, source partition {@code {"seq": "c-i"}} and offset {@code {"n": n}},
 * resuming after its stored offset, {@code batch} records per poll (each poll waiting {@code poll.delay.ms}
 * first, 0 by default); with {@code header.pid=true} each record has a header {@code pid}, the id of the
 * worker process that produced it. Its {@code commitRecord} records,
 * per task, the thread it ran on and the offset it was told of.
 */
public class SequenceSource extends SourceConnector {

    /** Per task ("c-i"): the threads commitRecord ran on, in call order. */
    public static final Map<String, List<String>> COMMIT_THREADS = new ConcurrentHashMap<>();
    /** Per task ("c-i"): the offsets commitRecord was told of, in call order. */
    public static final Map<String, List<Long>> COMMITTED = new ConcurrentHashMap<>();
    /** Per task ("c-i"): how many times poll() ran. */
    public static final Map<String, java.util.concurrent.atomic.AtomicLong> POLLS = new ConcurrentHashMap<>();

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        this.props = new HashMap<>(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return SequenceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return TestConnectors.indexedTaskConfigs(props, maxTasks);
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef()
                .define("topic", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "topic")
                .define("count", ConfigDef.Type.INT, ConfigDef.Importance.HIGH, "records per task");
    }

    @Override
    public String version() {
        return TestConnectors.VERSION;
    }

    /** The classic task. */
    public static class SequenceTask extends SourceTask {
        private String topic;
        private String name;
        private int index;
        private int count;
        private int batch;
        private long pollDelayMs;
        private long next;
        private Map<String, String> partition;
        private String pid;
        private volatile boolean stopped;

        @Override
        public String version() {
            return TestConnectors.VERSION;
        }

        @Override
        public void start(Map<String, String> props) {
            topic = props.get("topic");
            index = Integer.parseInt(props.get("task.index"));
            name = props.get("name") + "-" + index;
            count = Integer.parseInt(props.get("count"));
            batch = Integer.parseInt(props.getOrDefault("batch", "100"));
            pollDelayMs = Long.parseLong(props.getOrDefault("poll.delay.ms", "0"));
            partition = Map.of("seq", name);
            pid = Boolean.parseBoolean(props.get("header.pid")) ? String.valueOf(ProcessHandle.current().pid()) : null;
            Map<String, Object> offset = context.offsetStorageReader().offset(partition);
            next = offset == null ? 0 : ((Number) offset.get("n")).longValue() + 1;
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            POLLS.computeIfAbsent(name, n -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
            if (next >= count) {
                synchronized (this) {
                    if (!stopped) {
                        wait(100);
                    }
                }
                return null;
            }
            if (pollDelayMs > 0) {
                synchronized (this) {
                    if (!stopped) {
                        wait(pollDelayMs); // a source that produces at a steady pace
                    }
                }
            }
            List<SourceRecord> out = new ArrayList<>();
            for (int i = 0; i < batch && next < count; i++, next++) {
                out.add(new SourceRecord(partition, Map.of("n", next), topic, null,
                        Schema.STRING_SCHEMA, name, Schema.STRING_SCHEMA, index + ":" + next, null,
                        pid == null ? null : new org.apache.kafka.connect.header.ConnectHeaders().addString("pid", pid)));
            }
            return out;
        }

        @Override
        public void commitRecord(SourceRecord record, RecordMetadata metadata) {
            COMMIT_THREADS.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(Thread.currentThread().getName());
            COMMITTED.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(((Number) record.sourceOffset().get("n")).longValue());
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
