package io.connectreactive.runtime.errors;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.connectreactive.testing.TestConnectors;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.storage.StringConverter;
import org.apache.kafka.connect.transforms.Transformation;

/** Test plugins for error handling; their state is static, keyed by connector name. */
public final class ErrorTestPlugins {

    private ErrorTestPlugins() {
    }

    /** Values the sink tasks were given, per connector. */
    public static final Map<String, List<Object>> VALUES = new ConcurrentHashMap<>();
    /** Futures the sink tasks' reporter returned, per connector. */
    public static final Map<String, List<Future<Void>>> REPORTED = new ConcurrentHashMap<>();
    /** Set when a preCommit covered a reported record whose dead-letter write was not yet acknowledged. */
    public static final Map<String, AtomicBoolean> COMMITTED_TOO_EARLY = new ConcurrentHashMap<>();
    /** Calls of the flaky transform per record value. */
    public static final Map<String, AtomicInteger> FLAKY_CALLS = new ConcurrentHashMap<>();

    /** A sink of {@code tasks.max} classic tasks; with {@code report=true} it reports records whose value contains "bad". */
    public static class ErrantSink extends TestConnectors.Sink {
        @Override
        public List<Map<String, String>> taskConfigs(int maxTasks) {
            List<Map<String, String>> out = new ArrayList<>();
            for (int i = 0; i < maxTasks; i++) {
                out.add(props);
            }
            return out;
        }

        @Override
        public Class<? extends Task> taskClass() {
            return ErrantTask.class;
        }
    }

    public static class ErrantTask extends SinkTask {
        private String name;
        private boolean report;
        private ErrantRecordReporter reporter;
        /** Reported records' partition and offset with their futures. */
        private final List<Object[]> reported = new ArrayList<>();

        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {
            name = props.get("name");
            report = Boolean.parseBoolean(props.get("report"));
            reporter = context.errantRecordReporter();
        }

        @Override
        public void put(Collection<SinkRecord> records) {
            for (SinkRecord r : records) {
                if (report && String.valueOf(r.value()).contains("bad")) {
                    Future<Void> f = reporter.report(r, new DataException("bad record " + r.kafkaOffset()));
                    REPORTED.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(f);
                    reported.add(new Object[]{new TopicPartition(r.topic(), r.kafkaPartition()), r.kafkaOffset(), f});
                } else {
                    VALUES.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(r.value());
                }
            }
        }

        @Override
        public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
            for (Object[] r : reported) {
                OffsetAndMetadata o = offsets.get((TopicPartition) r[0]);
                if (o != null && o.offset() > (Long) r[1] && !((Future<?>) r[2]).isDone()) {
                    COMMITTED_TOO_EARLY.computeIfAbsent(name, n -> new AtomicBoolean()).set(true);
                }
            }
            return offsets;
        }

        @Override
        public void stop() {
        }
    }

    /** Throws a DataException for records whose value contains "boom"; passes the others. */
    public static class ThrowingTransform<R extends ConnectRecord<R>> implements Transformation<R> {
        @Override
        public R apply(R record) {
            if (String.valueOf(record.value()).contains("boom")) {
                throw new DataException("cannot transform " + record.value());
            }
            return record;
        }

        @Override
        public ConfigDef config() {
            return new ConfigDef();
        }

        @Override
        public void close() {
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }

    /** Throws a RetriableException the first two times it sees a value containing "flaky". */
    public static class FlakyTransform<R extends ConnectRecord<R>> implements Transformation<R> {
        @Override
        public R apply(R record) {
            String v = String.valueOf(record.value());
            if (v.contains("flaky") && FLAKY_CALLS.computeIfAbsent(v, k -> new AtomicInteger()).incrementAndGet() <= 2) {
                throw new RetriableException("not yet: " + v);
            }
            return record;
        }

        @Override
        public ConfigDef config() {
            return new ConfigDef();
        }

        @Override
        public void close() {
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }

    /** A string converter that refuses values containing "bad" (to Kafka). */
    public static class PickyConverter extends StringConverter {
        @Override
        public byte[] fromConnectData(String topic, Schema schema, Object value) {
            if (value != null && value.toString().contains("bad")) {
                throw new DataException("refused " + value);
            }
            return super.fromConnectData(topic, schema, value);
        }
    }

    /** A source of one classic task sending {@code count} strings "v<i>" (every {@code bad.every}th "bad<i>") once. */
    public static class CountingSource extends TestConnectors.Source {
        @Override
        public Class<? extends Task> taskClass() {
            return CountingTask.class;
        }
    }

    public static class CountingTask extends SourceTask {
        private String topic;
        private int count;
        private int badEvery;
        private boolean sent;

        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {
            topic = props.get("topic");
            count = Integer.parseInt(props.get("count"));
            badEvery = Integer.parseInt(props.get("bad.every"));
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            if (sent) {
                Thread.sleep(50);
                return null;
            }
            sent = true;
            List<SourceRecord> out = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String value = i % badEvery == badEvery - 1 ? "bad" + i : "v" + i;
                out.add(new SourceRecord(Map.of("p", "x"), Map.of("n", i), topic, null, null, null, Schema.STRING_SCHEMA, value));
            }
            return out;
        }

        @Override
        public void stop() {
        }
    }

    /** Starts of {@link FlakyStartTask} per connector. */
    public static final Map<String, AtomicInteger> STARTS = new ConcurrentHashMap<>();

    /** A source whose task throws in start() the first {@code fail.starts} times, then idles. */
    public static class FlakyStartSource extends TestConnectors.Source {
        @Override
        public Class<? extends Task> taskClass() {
            return FlakyStartTask.class;
        }
    }

    public static class FlakyStartTask extends SourceTask {
        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {
            int n = STARTS.computeIfAbsent(props.get("name"), k -> new AtomicInteger()).incrementAndGet();
            if (n <= Integer.parseInt(props.get("fail.starts"))) {
                throw new IllegalStateException("start attempt " + n + " fails");
            }
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            Thread.sleep(50);
            return null;
        }

        @Override
        public void stop() {
        }
    }

    /** Starts of the throwing tasks per connector. */
    public static final Map<String, AtomicInteger> THROWING_STARTS = new ConcurrentHashMap<>();

    /** A sink whose task throws in the method named by {@code throw.in} (start, put, version, stop). */
    public static class ThrowingSink extends TestConnectors.Sink {
        @Override
        public Class<? extends Task> taskClass() {
            return ThrowingSinkTask.class;
        }
    }

    public static class ThrowingSinkTask extends SinkTask {
        private String in = "";

        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {
            in = props.get("throw.in");
            THROWING_STARTS.computeIfAbsent(props.get("name"), k -> new AtomicInteger()).incrementAndGet();
            if ("start".equals(in)) {
                throw new IllegalStateException("boom in start");
            }
        }

        @Override
        public void put(Collection<SinkRecord> records) {
            if ("put".equals(in) && !records.isEmpty()) {
                throw new IllegalStateException("boom in put");
            }
        }

        @Override
        public void stop() {
            if ("stop".equals(in)) {
                throw new IllegalStateException("boom in stop");
            }
        }
    }

    /** A source whose task throws in the method named by {@code throw.in} (start, poll). */
    public static class ThrowingSource extends TestConnectors.Source {
        @Override
        public Class<? extends Task> taskClass() {
            return ThrowingSourceTask.class;
        }
    }

    public static class ThrowingSourceTask extends SourceTask {
        private String in = "";

        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {
            in = props.get("throw.in");
            if ("start".equals(in)) {
                throw new IllegalStateException("boom in start");
            }
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            if ("poll".equals(in)) {
                throw new IllegalStateException("boom in poll");
            }
            Thread.sleep(50);
            return null;
        }

        @Override
        public void stop() {
        }
    }

    /** A sink task whose version() throws. */
    public static class VersionlessSink extends TestConnectors.Sink {
        @Override
        public Class<? extends Task> taskClass() {
            return VersionlessTask.class;
        }
    }

    public static class VersionlessTask extends ThrowingSinkTask {
        @Override
        public String version() {
            throw new IllegalStateException("boom in version");
        }
    }
}
