package io.connectreactive.e2e;

import io.connectreactive.testing.TestConnectors;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.connector.ConnectorContext;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/** Test connectors that use the parts of Kafka Connect's contexts a connector depends on. */
final class ContractConnectors {

    private ContractConnectors() {
    }

    /** A source whose task count changes when it asks for reconfiguration, and whose tasks record commitRecord/commit. */
    public static class ReconfiguringSource extends TestConnectors.Source {
        static final AtomicInteger TASKS = new AtomicInteger(1);
        static final AtomicReference<ConnectorContext> CONTEXT = new AtomicReference<>();
        static final Map<String, List<String>> COMMIT_RECORD_THREADS = new ConcurrentHashMap<>();
        /** The values of the records commitRecord was told of without metadata (dropped, or skipped as errors.tolerance allows). */
        static final Map<String, List<Object>> COMMIT_RECORD_UNWRITTEN = new ConcurrentHashMap<>();
        static final Map<String, List<String>> COMMIT_THREADS = new ConcurrentHashMap<>();

        @Override
        public void start(Map<String, String> props) {
            super.start(props);
            CONTEXT.set(context);
        }

        @Override
        public Class<? extends Task> taskClass() {
            return EmittingTask.class;
        }

        @Override
        public List<Map<String, String>> taskConfigs(int maxTasks) {
            return TestConnectors.indexedTaskConfigs(props, Math.min(maxTasks, TASKS.get()));
        }

    }

    /** Emits 10 records once, then idles; with {@code oversized.index}, that record's value has 10,000 characters. */
    public static class EmittingTask extends SourceTask {
        private String name;
        private String topic;
        private int oversized = -1;
        private boolean done;

        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {
            name = props.get("name") + "-" + props.get("task.index");
            topic = props.get("topic");
            oversized = Integer.parseInt(props.getOrDefault("oversized.index", "-1"));
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            if (done) {
                Thread.sleep(50); // a classic task may block in poll(): it has its own thread
                return null;
            }
            done = true;
            List<SourceRecord> out = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String value = name + ":" + i;
                out.add(new SourceRecord(Map.of("task", name), Map.of("i", i), topic, null, null, null, Schema.STRING_SCHEMA,
                        i == oversized ? value + "x".repeat(10_000) : value));
            }
            return out;
        }

        @Override
        public void commitRecord(SourceRecord record, RecordMetadata metadata) {
            ReconfiguringSource.COMMIT_RECORD_THREADS.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>())
                    .add(Thread.currentThread().getName());
            if (metadata == null) {
                ReconfiguringSource.COMMIT_RECORD_UNWRITTEN.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(record.value());
            }
        }

        @Override
        public void commit() {
            ReconfiguringSource.COMMIT_THREADS.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>())
                    .add(Thread.currentThread().getName());
        }

        @Override
        public void stop() {
        }
    }

    /**
     * A sink that rewinds its partition once (SinkTaskContext.offset), pauses and resumes it, and
     * asks for a commit after every batch (requestCommit).
     */
    public static class RewindingSink extends TestConnectors.Sink {
        static final List<Object> VALUES = new CopyOnWriteArrayList<>();
        static final AtomicInteger PAUSES = new AtomicInteger();

        @Override
        public Class<? extends Task> taskClass() {
            return RewindingTask.class;
        }

    }

    /** The sink task. */
    public static class RewindingTask extends SinkTask {
        private boolean rewound;

        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {
        }

        @Override
        public void put(Collection<SinkRecord> records) {
            for (SinkRecord r : records) {
                RewindingSink.VALUES.add(r.value());
            }
            if (!records.isEmpty()) {
                SinkRecord last = records.stream().reduce((a, b) -> b).get();
                TopicPartition tp = new TopicPartition(last.topic(), last.kafkaPartition());
                if (!rewound && RewindingSink.VALUES.size() >= 5) {
                    rewound = true;
                    context.offset(tp, 0L);
                }
                context.pause(tp);
                RewindingSink.PAUSES.incrementAndGet();
                context.resume(tp);
                context.requestCommit();
            }
        }

        @Override
        public void stop() {
        }
    }

    /** A source whose task registers a metric of its own (KIP-877) when it starts. */
    public static class MeteredSource extends TestConnectors.Source {
        @Override
        public Class<? extends Task> taskClass() {
            return MeteredTask.class;
        }
    }

    /** Registers the gauge "polls" and counts its polls in it. */
    public static class MeteredTask extends SourceTask {
        private final AtomicInteger polls = new AtomicInteger();

        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {
            org.apache.kafka.common.metrics.PluginMetrics metrics = context.pluginMetrics();
            if (metrics != context.pluginMetrics()) {
                throw new IllegalStateException("pluginMetrics() must give the task one instance");
            }
            metrics.addMetric(metrics.metricName("polls", "polls of this task", new java.util.LinkedHashMap<>()),
                    (org.apache.kafka.common.metrics.Gauge<Integer>) (config, now) -> polls.get());
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            polls.incrementAndGet();
            Thread.sleep(20); // a classic task may block in poll(): it has its own thread
            return null;
        }

        @Override
        public void stop() {
        }
    }
}
