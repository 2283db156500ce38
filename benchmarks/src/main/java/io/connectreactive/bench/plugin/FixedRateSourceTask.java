package io.connectreactive.bench.plugin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * One fixed-rate task: record {@code n} is due at {@code start + n / rate} seconds and carries that
 * due time as its Kafka timestamp, so the harness measures from when the record was due, not from
 * when a slow runtime got round to asking for it (no coordinated omission). A classic blocking task:
 * {@code poll()} sleeps until the next record is due (at most 100 ms), then returns every record due
 * by then (at most 500). Value: a string {@code "<task> <n> "} padded with {@code x} to 100 characters.
 * Called on the runtime's task thread.
 */
public final class FixedRateSourceTask extends SourceTask {

    private static final int LINE_CHARS = 100;
    private static final int MAX_BATCH = 500;

    private String topic;
    private double rate;
    private int taskId;
    private Map<String, Integer> partition;
    private long startMs;
    private long next;
    private volatile boolean stopping;

    @Override
    public String version() {
        return "1.0";
    }

    @Override
    public void start(Map<String, String> props) {
        topic = props.get(FixedRateSourceConnector.TOPIC);
        rate = Double.parseDouble(props.getOrDefault(FixedRateSourceConnector.RATE, "100"));
        taskId = Integer.parseInt(props.getOrDefault(FixedRateSourceConnector.TASK_ID, "0"));
        partition = Map.of("task", taskId);
        startMs = System.currentTimeMillis();
        next = 0;
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        long now = System.currentTimeMillis();
        long nextDue = dueMs(next);
        if (nextDue > now) {
            Thread.sleep(Math.min(100, nextDue - now));
            if (stopping) {
                return null;
            }
            now = System.currentTimeMillis();
        }
        List<SourceRecord> records = new ArrayList<>();
        while (records.size() < MAX_BATCH && dueMs(next) <= now) {
            records.add(new SourceRecord(partition, Map.of("n", next), topic, null, null, null,
                    Schema.STRING_SCHEMA, value(next), dueMs(next)));
            next++;
        }
        return records.isEmpty() ? null : records;
    }

    private long dueMs(long n) {
        return startMs + (long) Math.floor(n * 1000.0 / rate);
    }

    private String value(long n) {
        StringBuilder sb = new StringBuilder(LINE_CHARS).append(taskId).append(' ').append(n).append(' ');
        while (sb.length() < LINE_CHARS) {
            sb.append('x');
        }
        return sb.toString();
    }

    @Override
    public void stop() {
        stopping = true;
    }
}
