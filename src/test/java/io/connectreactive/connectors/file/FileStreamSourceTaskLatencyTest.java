package io.connectreactive.connectors.file;

import static io.connectreactive.connectors.file.TaskHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.vertx.core.streams.ReadStream;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * How fast a tailing task notices appends after being idle, and (on demand, with
 * {@code -Dconnectors.file.perf=true}) how fast it reads a large file. The median is held to the
 * target; the 99th percentile only to a loose bound, so that a loaded build machine (where the event
 * loop itself waits for a CPU) does not fail it. The measured numbers are printed.
 */
class FileStreamSourceTaskLatencyTest {

    private static final int APPENDS = 60;
    /** Longer than the 10 ms re-check cap, so every append finds the task idle. */
    private static final long APPEND_INTERVAL_MS = 12;

    @TempDir
    Path dir;

    private TaskHarness harness;
    private FileStreamSourceTask task;

    @BeforeEach
    void startVertx() {
        harness = new TaskHarness();
    }

    @AfterEach
    void closeTaskAndVertx() throws Exception {
        if (task != null) {
            harness.call(task::close);
        }
        harness.close();
    }

    @Test
    void emitsAnAppendedLineWithinMillisecondsWithFileEvents() throws Exception {
        long[] latencies = measureAppendLatencies(true);

        report("file events", latencies);
        assertThat(percentile(latencies, 50)).isLessThan(Duration.ofMillis(20).toNanos());
        assertThat(percentile(latencies, 99)).isLessThan(Duration.ofMillis(500).toNanos());
    }

    @Test
    void emitsAnAppendedLineWithinMillisecondsByRecheckingWithoutFileEvents() throws Exception {
        long[] latencies = measureAppendLatencies(false);

        report("re-check only", latencies);
        assertThat(percentile(latencies, 50)).isLessThan(Duration.ofMillis(20).toNanos());
        assertThat(percentile(latencies, 99)).isLessThan(Duration.ofMillis(500).toNanos());
    }

    @Test
    @EnabledIfSystemProperty(named = "connectors.file.perf", matches = "true")
    void readsAMillionLinesQuickly() throws Exception {
        int lines = 1_000_000;
        Path file = dir.resolve("million.txt");
        byte[] payload = "x".repeat(90).getBytes(StandardCharsets.US_ASCII);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            for (int i = 0; i < lines; i++) {
                out.write(payload);
                out.write(String.format("%09d\n", i).getBytes(StandardCharsets.US_ASCII));
            }
        }
        task = new FileStreamSourceTask(InputStream.nullInputStream(), true);
        ReadStream<SourceRecord> stream = harness.call(() -> task.open(
                harness.taskContext(CannedSourceTaskContext.empty()), Map.of("file", file.toString(), "topic", "t")));
        AtomicInteger count = new AtomicInteger();
        AtomicLong done = new AtomicLong();

        long start = System.nanoTime();
        harness.run(() -> stream.handler(record -> {
            if (count.incrementAndGet() == lines) {
                done.set(System.nanoTime());
            }
        }));
        eventually().atMost(Duration.ofSeconds(60)).until(() -> done.get() != 0);

        double seconds = (done.get() - start) / 1e9;
        System.out.printf("read %d lines (%d MB) in %.2f s: %.0f records/s, %.0f MB/s%n",
                lines, Files.size(file) >> 20, seconds, lines / seconds, Files.size(file) / seconds / (1 << 20));
    }

    /** Appends one line every {@link #APPEND_INTERVAL_MS} ms and measures append → record. */
    private long[] measureAppendLatencies(boolean fileEvents) throws Exception {
        Path file = Files.writeString(dir.resolve("tailed.txt"), "");
        task = new FileStreamSourceTask(InputStream.nullInputStream(), fileEvents);
        ReadStream<SourceRecord> stream = harness.call(() -> task.open(
                harness.taskContext(CannedSourceTaskContext.empty()), Map.of("file", file.toString(), "topic", "t")));
        AtomicLongArray appendedAt = new AtomicLongArray(APPENDS);
        AtomicLongArray emittedAt = new AtomicLongArray(APPENDS);
        AtomicInteger received = new AtomicInteger();
        harness.run(() -> stream.handler(record -> {
            emittedAt.set(Integer.parseInt((String) record.value()), System.nanoTime());
            received.incrementAndGet();
        }));

        AtomicInteger next = new AtomicInteger();
        long timer = harness.vertx.setPeriodic(APPEND_INTERVAL_MS, id -> harness.vertx.executeBlocking(() -> {
            int i = next.getAndIncrement();
            if (i < APPENDS) {
                appendedAt.set(i, System.nanoTime());
                append(file, i + "\n");
            }
            return null;
        }));
        try {
            eventually().until(() -> received.get() == APPENDS);
        } finally {
            harness.vertx.cancelTimer(timer);
        }

        long[] latencies = new long[APPENDS];
        for (int i = 0; i < APPENDS; i++) {
            latencies[i] = Math.max(0, emittedAt.get(i) - appendedAt.get(i));
        }
        return latencies;
    }

    private static void append(Path file, String content) {
        try {
            Files.writeString(file, content, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long percentile(long[] values, int percentile) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)];
    }

    private static void report(String mode, long[] latencies) {
        System.out.printf("append-to-record latency (%s): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", mode,
                percentile(latencies, 50) / 1e6, percentile(latencies, 99) / 1e6,
                Arrays.stream(latencies).max().orElse(0) / 1e6);
    }
}
