package io.connectreactive.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.testing.TestConnectors;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * A test source of {@code tasks.max} tasks: task {@code i} emits {@code "i:0"}, {@code "i:1"}, … to
 * {@code topic} at about {@code rate} records per second, with source partition {@code {"seq": i}} and
 * offset {@code {"n": n}}, and resumes after its stored offset wherever it runs. A gap in a task's
 * numbers is a lost record.
 */
public class SequenceSource extends TestConnectors.Source {

    @Override
    public Class<? extends Task> taskClass() {
        return SequenceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> c = new HashMap<>(props);
            c.put("seq", String.valueOf(i));
            out.add(c);
        }
        return out;
    }

    /** One numbered sequence. */
    public static class SequenceTask extends SourceTask {
        private String topic;
        private int seq;
        private long next;
        private long intervalNanos;
        private long due;

        @Override
        public String version() {
            return TestConnectors.VERSION;
        }

        @Override
        public void start(Map<String, String> props) {
            topic = props.get("topic");
            seq = Integer.parseInt(props.get("seq"));
            intervalNanos = 1_000_000_000L / Integer.parseInt(props.getOrDefault("rate", "200"));
            Map<String, Object> offset = context.offsetStorageReader().offset(Map.of("seq", seq));
            next = offset == null ? 0 : ((Number) offset.get("n")).longValue() + 1;
            due = System.nanoTime();
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            long now = System.nanoTime();
            if (now < due) {
                Thread.sleep(Math.max(1, (due - now) / 1_000_000));
                return null;
            }
            List<SourceRecord> out = new ArrayList<>();
            while (due <= now && out.size() < 100) {
                out.add(new SourceRecord(Map.of("seq", seq), Map.of("n", next), topic, null, null, null,
                        Schema.STRING_SCHEMA, seq + ":" + next));
                next++;
                due += intervalNanos;
            }
            return out;
        }

        @Override
        public void stop() {
        }
    }
}
