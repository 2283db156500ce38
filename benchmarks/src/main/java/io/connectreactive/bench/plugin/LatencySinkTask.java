package io.connectreactive.bench.plugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * One latency-measuring sink task. Records whose value is {@code "m..."} (measured; the harness sends
 * {@code "w..."} during its warm-up) count: per record, now minus its Kafka timestamp goes into a
 * histogram of 1 ms buckets below 1 s and 100 ms buckets up to 60 s. On {@code stop()} the task writes
 * {@code task-<id>.txt} to {@code latency.dir}: the count, then {@code bucketMs count} lines. Called on the
 * runtime's task thread.
 */
public final class LatencySinkTask extends SinkTask {

    private static final int FINE = 1_000;
    private static final int COARSE = 600;

    private final long[] buckets = new long[FINE + COARSE + 1];
    private long measured;
    private Path out;

    @Override
    public String version() {
        return "1.0";
    }

    @Override
    public void start(Map<String, String> props) {
        out = Path.of(props.get(LatencySinkConnector.DIR)).resolve("task-" + props.getOrDefault(LatencySinkConnector.TASK_ID, "0") + ".txt");
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        long now = System.currentTimeMillis();
        for (SinkRecord r : records) {
            Object v = r.value();
            if (r.timestamp() == null || !(v instanceof String s) || !s.startsWith("m")) {
                continue;
            }
            long ms = Math.max(0, now - r.timestamp());
            int bucket = ms < FINE ? (int) ms : (int) Math.min(FINE + (ms - FINE) / 100, FINE + COARSE);
            buckets[bucket]++;
            measured++;
        }
    }

    @Override
    public void stop() {
        if (out == null) {
            return;
        }
        StringBuilder b = new StringBuilder().append(measured).append('\n');
        for (int i = 0; i < buckets.length; i++) {
            if (buckets[i] > 0) {
                long ms = i < FINE ? i : FINE + (long) (i - FINE) * 100;
                b.append(ms).append(' ').append(buckets[i]).append('\n');
            }
        }
        try {
            Files.createDirectories(out.getParent());
            Files.writeString(out, b.toString(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
