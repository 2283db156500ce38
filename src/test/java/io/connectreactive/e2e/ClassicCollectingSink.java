package io.connectreactive.e2e;

import io.connectreactive.testing.TestConnectors;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/** A classic (blocking put) test sink that collects record values and the threads that ran put/preCommit. */
public class ClassicCollectingSink extends TestConnectors.Sink {

    public static final Map<String, List<Object>> VALUES = new ConcurrentHashMap<>();
    public static final Map<String, List<String>> THREADS = new ConcurrentHashMap<>();
    public static final Map<String, List<Map<TopicPartition, OffsetAndMetadata>>> PRE_COMMITS = new ConcurrentHashMap<>();

    @Override
    public Class<? extends Task> taskClass() {
        return CollectingTask.class;
    }

    /** The classic task. */
    public static class CollectingTask extends SinkTask {
        private String name;

        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {
            name = props.get("name");
        }

        @Override
        public void put(Collection<SinkRecord> records) {
            THREADS.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(Thread.currentThread().getName());
            List<Object> values = VALUES.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>());
            records.forEach(r -> values.add(r.value()));
        }

        @Override
        public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
            PRE_COMMITS.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(Map.copyOf(currentOffsets));
            return currentOffsets;
        }

        @Override
        public void stop() {
        }
    }
}
