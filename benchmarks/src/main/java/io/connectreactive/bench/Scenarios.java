package io.connectreactive.bench;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The four end-to-end scenarios of issue 3, kept by issue 9 and labelled as what they are: our
 * reactive file connectors (the {@code FileStreamSource}/{@code FileStreamSink} aliases resolve to
 * connect-reactive's built-in ones) against Kafka's connect-file on Kafka Connect's class path.
 * Each runs {@code setup.runs()} rounds; in each round every contender runs once, the order rotated
 * (A B C, B C A, C A B, ...) to cancel machine drift.
 * Every worker run is a fresh worker JVM with its own work directory against the shared broker.
 * Runs on the harness's main thread (the latency scenario adds one consumer thread).
 */
final class Scenarios {

    static final String SOURCE = "builtin-source";
    static final String SINK = "builtin-sink";
    static final String LATENCY = "builtin-latency";
    static final String FOOTPRINT = "footprint";

    /** What runs on each side, per scenario: printed with the results. */
    static final Map<String, String> DESCRIPTIONS = Map.of(
            SOURCE, "connect-reactive's own reactive FileStreamSource (its built-in connector, `FileStreamSource` alias) against Apache's "
                    + "connect-file FileStreamSource on Kafka Connect's class path: two different connectors (Kafka's sleeps 1 s when idle "
                    + "and reads 2,000 lines per poll). 1-partition topic, JsonConverter with schemas.",
            SINK, "connect-reactive's own reactive FileStreamSink against Apache's FileStreamSink (one println per record): two different "
                    + "connectors. From a pre-filled 1-partition topic until the file holds every line, byte for byte.",
            LATENCY, "A line appended to a tailed file until a consumer receives it, open loop: connect-reactive's built-in source "
                    + "(inotify) against Apache's FileStreamSource, whose 1 s idle sleep is its latency.",
            FOOTPRINT, "connect-reactive with its built-in FileStreamSource against Kafka Connect with Apache's: JVM start → REST, RSS and "
                    + "threads idle and with 1, 100 and 1,000 connectors of one task.");

    private static final List<Contender> ALL = List.of(Contender.CONNECT_REACTIVE, Contender.KAFKA_CONNECT, Contender.RAW);
    private static final List<Contender> WORKERS = List.of(Contender.CONNECT_REACTIVE, Contender.KAFKA_CONNECT);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** A throughput run whose output does not grow for this long has failed (and is retried once). */
    static final Duration STALL = Duration.ofSeconds(30);

    private final Setup setup;
    private final Kafka kafka;
    private final Path sourceFile;
    private final long sourceBytes;

    Scenarios(Setup setup, Kafka kafka, Path sourceFile, long sourceBytes) {
        this.setup = setup;
        this.kafka = kafka;
        this.sourceFile = sourceFile;
        this.sourceBytes = sourceBytes;
    }

    private List<Contender> order(List<Contender> contenders, int round) {
        return order(contenders, setup.contenders(), round);
    }

    /** {@code contenders} that were selected, rotated by {@code round} (A B C, B C A, C A B, ...). */
    static List<Contender> order(List<Contender> contenders, List<Contender> selected, int round) {
        List<Contender> order = new ArrayList<>(contenders);
        order.retainAll(selected);
        if (!order.isEmpty()) {
            java.util.Collections.rotate(order, -(round % order.size()));
        }
        return order;
    }

    private Path runDir(String scenario, Contender c, int round) {
        return setup.workDir().resolve("runs").resolve(scenario + "-" + c.id() + "-" + round);
    }

    static void log(String fmt, Object... args) {
        System.out.printf("  " + fmt + "%n", args);
        System.out.flush();
    }

    // ------------------------------------------------------------------ source throughput

    List<Metric> source() throws Exception {
        Metric rps = new Metric(SOURCE, "source throughput", "records/s", true,
                Metric.ratiosAtLeast("≥ 0.9× raw and ≥ 2.5× Kafka Connect", 2.5, 0.9));
        Metric mbps = new Metric(SOURCE, "source throughput", "MB/s", true, null);
        for (int round = 0; round < setup.runs(); round++) {
            for (Contender c : order(ALL, round)) {
                double seconds = Double.NaN;
                String topic = null;
                Path dir = null;
                for (int attempt = 0; attempt < 2 && Double.isNaN(seconds); attempt++) {
                    if (topic != null) {
                        kafka.deleteTopic(topic);
                    }
                    topic = "source-" + c.id() + "-" + round + (attempt > 0 ? "-retry" : "");
                    kafka.createTopic(topic);
                    dir = runDir(SOURCE, c, round).resolveSibling(runDir(SOURCE, c, round).getFileName() + (attempt > 0 ? "-retry" : ""));
                    try {
                        seconds = sourceRun(c, topic, dir);
                    } catch (RuntimeException e) {
                        log("%s source run %d FAILED%s: %s", c.label, round + 1, attempt == 0 ? " (retrying once)" : "", e.getMessage());
                        rps.note(c.label + " run " + (round + 1) + (attempt == 0 ? "" : " (retry)") + " failed: " + e.getMessage()
                                + (attempt == 0 ? "; run again" : ""));
                    }
                }
                rps.add(c, setup.lines() / seconds);
                mbps.add(c, sourceBytes / seconds / 1e6);
                log("%-16s run %d: %,.0f records/s (%.2f s)", c.label, round + 1, setup.lines() / seconds, seconds);
                if (round == 0 && !Double.isNaN(seconds)) {
                    checkShape(rps, c, topic);
                }
                kafka.deleteTopic(topic);
                keepIfFailed(dir, Double.isNaN(seconds));
            }
        }
        return List.of(rps, mbps);
    }

    /** Seconds from the connector's creation (or the raw producer's start) until the topic holds every line. */
    private double sourceRun(Contender c, String topic, Path dir) throws Exception {
        Duration timeout = Duration.ofSeconds(Math.max(120, setup.lines() / 2_000));
        long t0;
        long t1;
        if (c == Contender.RAW) {
            try (RawProcess raw = RawProcess.produce(setup, dir, topic, sourceFile)) {
                t0 = System.nanoTime();
                raw.go();
                t1 = kafka.awaitEndOffset(topic, setup.lines(), timeout);
                raw.awaitDone(60);
            }
        } else {
            try (WorkerProcess w = WorkerProcess.start(c, setup, dir)) {
                w.awaitRest(START_TIMEOUT);
                t0 = System.nanoTime();
                w.createConnector("bench-source", fileSource(sourceFile, topic));
                t1 = kafka.awaitEndOffset(topic, setup.lines(), timeout);
            }
        }
        long end = kafka.endOffset(topic);
        if (end != setup.lines()) {
            throw new IllegalStateException("topic holds " + end + " records, expected " + setup.lines());
        }
        return (t1 - t0) / 1e9;
    }

    /** Notes it when a contender's first record is not the bytes Kafka Connect's quickstart gives. */
    private void checkShape(Metric m, Contender c, String topic) throws IOException {
        ConsumerRecord<byte[], byte[]> first = kafka.firstRecord(topic);
        String line0;
        try (var lines = Files.lines(sourceFile, StandardCharsets.US_ASCII)) {
            line0 = lines.findFirst().orElseThrow();
        }
        byte[] expected = Records.envelope(line0);
        if (first == null || !Arrays.equals(first.value(), expected)) {
            m.note(c.label + " wrote a different first record value: "
                    + (first == null ? "none" : new String(first.value(), StandardCharsets.UTF_8)));
        } else if (first.key() != null) {
            m.note(c.label + " wrote a key: " + new String(first.key(), StandardCharsets.UTF_8));
        }
    }

    private static Map<String, String> fileSource(Path file, String topic) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", "FileStreamSource");
        config.put("tasks.max", "1");
        config.put("file", file.toString());
        config.put("topic", topic);
        return config;
    }

    // ------------------------------------------------------------------ sink throughput

    List<Metric> sink() throws Exception {
        Metric rps = new Metric(SINK, "sink throughput", "records/s", true,
                Metric.ratiosAtLeast("≥ 2× Kafka Connect", 2.0, 0));
        Metric mbps = new Metric(SINK, "sink throughput", "MB/s", true, null);
        String topic = "sink-input";
        kafka.createTopic(topic);
        long t = System.nanoTime();
        kafka.fill(topic, sourceFile);
        log("filled %s with %,d records in %.1f s", topic, setup.lines(), (System.nanoTime() - t) / 1e9);
        for (int round = 0; round < setup.runs(); round++) {
            for (Contender c : order(ALL, round)) {
                double seconds = Double.NaN;
                Path dir = null;
                for (int attempt = 0; attempt < 2 && Double.isNaN(seconds); attempt++) {
                    String suffix = attempt > 0 ? "-retry" : "";
                    dir = runDir(SINK, c, round).resolveSibling(runDir(SINK, c, round).getFileName() + suffix);
                    try {
                        seconds = sinkRun(c, topic, dir, "bench-sink-" + c.id() + "-" + round + suffix);
                    } catch (RuntimeException e) {
                        log("%s sink run %d FAILED%s: %s", c.label, round + 1, attempt == 0 ? " (retrying once)" : "", e.getMessage());
                        rps.note(c.label + " run " + (round + 1) + (attempt == 0 ? "" : " (retry)") + " failed: " + e.getMessage()
                                + (attempt == 0 ? "; run again" : ""));
                    }
                }
                rps.add(c, setup.lines() / seconds);
                mbps.add(c, sourceBytes / seconds / 1e6);
                log("%-16s run %d: %,.0f records/s (%.2f s)", c.label, round + 1, setup.lines() / seconds, seconds);
                keepIfFailed(dir, Double.isNaN(seconds));
            }
        }
        kafka.deleteTopic(topic);
        return List.of(rps, mbps);
    }

    /** Seconds from the connector's creation (or the raw consumer's start) until the file holds every line. */
    private double sinkRun(Contender c, String topic, Path dir, String name) throws Exception {
        Path out = dir.resolve("sink.txt");
        Duration timeout = Duration.ofSeconds(Math.max(120, setup.lines() / 2_000));
        long t0;
        long t1;
        if (c == Contender.RAW) {
            try (RawProcess raw = RawProcess.consume(setup, dir, topic, out, name, setup.lines())) {
                t0 = System.nanoTime();
                raw.go();
                t1 = awaitFileSize(out, sourceBytes, timeout);
                raw.awaitDone(60);
            }
        } else {
            try (WorkerProcess w = WorkerProcess.start(c, setup, dir)) {
                w.awaitRest(START_TIMEOUT);
                Map<String, String> config = new LinkedHashMap<>();
                config.put("connector.class", "FileStreamSink");
                config.put("tasks.max", "1");
                config.put("file", out.toString());
                config.put("topics", topic);
                t0 = System.nanoTime();
                w.createConnector(name, config);
                t1 = awaitFileSize(out, sourceBytes, timeout);
            }
        }
        if (Files.mismatch(out, sourceFile) != -1) {
            throw new IllegalStateException("the sink file differs from the source file (first difference at byte "
                    + Files.mismatch(out, sourceFile) + ")");
        }
        return (t1 - t0) / 1e9;
    }

    private static long awaitFileSize(Path file, long size, Duration timeout) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = -1;
        long lastChange = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            long current = Files.exists(file) ? Files.size(file) : 0;
            if (current >= size) {
                return now;
            }
            if (current != last) {
                last = current;
                lastChange = now;
            } else if (now - lastChange > STALL.toNanos()) {
                throw new IllegalStateException("stalled: " + file.getFileName() + " stayed at " + current + " of " + size
                        + " bytes for " + STALL.toSeconds() + " s");
            }
            if (now > deadline) {
                throw new IllegalStateException(file + " has " + (Files.exists(file) ? Files.size(file) : 0)
                        + " of " + size + " bytes after " + timeout);
            }
            Thread.sleep(5);
        }
    }

    // ------------------------------------------------------------------ latency

    List<Metric> latency() throws Exception {
        Metric p50 = new Metric(LATENCY, "append → consumed p50", "ms", false, null);
        Metric p99 = new Metric(LATENCY, "append → consumed p99", "ms", false, Metric.atMost("p99 ≤ 20 ms", 20));
        Metric max = new Metric(LATENCY, "append → consumed max", "ms", false, null);
        for (int round = 0; round < setup.runs(); round++) {
            for (Contender c : order(ALL, round)) {
                String topic = "latency-" + c.id() + "-" + round;
                kafka.createTopic(topic);
                Path dir = runDir(LATENCY, c, round);
                boolean failed = false;
                try {
                    Histogram h = latencyRun(c, topic, dir, p99);
                    p50.add(c, h.getValueAtPercentile(50) / 1000.0);
                    p99.add(c, h.getValueAtPercentile(99) / 1000.0);
                    max.add(c, h.getMaxValue() / 1000.0);
                    log("%-16s run %d: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples)", c.label, round + 1,
                            h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                            h.getMaxValue() / 1000.0, h.getTotalCount());
                } catch (RuntimeException e) {
                    log("%s latency run %d FAILED: %s", c.label, round, e.getMessage());
                    p99.note(c.label + " run " + (round + 1) + " failed: " + e.getMessage());
                    p50.add(c, Double.NaN);
                    p99.add(c, Double.NaN);
                    max.add(c, Double.NaN);
                    failed = true;
                }
                kafka.deleteTopic(topic);
                keepIfFailed(dir, failed);
            }
        }
        return List.of(p50, p99, max);
    }

    /**
     * Appends lines to a tailed file (raw: sends them with a producer) at random intervals of 25 to
     * 75 ms, open loop (an append never waits for the previous line to arrive, so a slow contender
     * cannot hide its delays: no coordinated omission), and records for each line the time until a
     * consumer of the topic received it, in microseconds.
     */
    private Histogram latencyRun(Contender c, String topic, Path dir, Metric notes) throws Exception {
        Files.createDirectories(dir);
        Path file = dir.resolve("latency-source.txt");
        Files.createFile(file);
        int warmup = setup.quick() ? 10 : 20;
        int n = warmup + setup.latencySamples();
        AtomicLongArray received = new AtomicLongArray(n);
        long[] sent = new long[n];
        AtomicBoolean stop = new AtomicBoolean();
        WorkerProcess worker = null;
        KafkaProducer<byte[], byte[]> producer = null;
        Thread reader = null;
        try (OutputStream appender = new FileOutputStream(file.toFile(), true)) {
            if (c == Contender.RAW) {
                producer = kafka.producer("raw-latency");
                producer.partitionsFor(topic);
            } else {
                worker = WorkerProcess.start(c, setup, dir.resolve("worker"));
                worker.awaitRest(START_TIMEOUT);
                worker.createConnector("bench-latency", fileSource(file, topic));
                if (worker.awaitRunning(List.of("bench-latency"), Duration.ofSeconds(60)) != 1) {
                    throw new IllegalStateException("connector did not start");
                }
            }
            KafkaConsumer<byte[], byte[]> consumer = kafka.assignedConsumer(topic);
            consumer.poll(Duration.ofMillis(10));
            reader = new Thread(() -> {
                try (consumer) {
                    while (!stop.get()) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(5))) {
                            long now = System.nanoTime();
                            int i = sampleIndex(r.value());
                            if (i >= 0 && i < n) {
                                received.compareAndSet(i, 0, now);
                            }
                        }
                    }
                }
            }, "bench-latency-reader");
            reader.start();
            SplittableRandom random = new SplittableRandom(7);
            long next = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (i == warmup) {
                    awaitReceived(received, 0, warmup, Duration.ofSeconds(30));
                    next = System.nanoTime();
                }
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                byte[] line = sampleLine(i);
                sent[i] = System.nanoTime();
                if (producer != null) {
                    producer.send(new ProducerRecord<>(topic, null, Records.envelope(line, line.length - 1)));
                } else {
                    appender.write(line);
                }
                next += TimeUnit.MILLISECONDS.toNanos(25 + random.nextInt(51));
            }
            int missing = n - warmup - awaitReceived(received, warmup, n, Duration.ofSeconds(15));
            if (missing > 0) {
                notes.note(c.label + ": " + missing + " latency samples never arrived (left out)");
            }
        } finally {
            stop.set(true);
            if (reader != null) {
                reader.join(5_000);
            }
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
            if (worker != null) {
                worker.close();
            }
        }
        Histogram h = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        for (int i = warmup; i < n; i++) {
            long r = received.get(i);
            if (r != 0) {
                h.recordValue(Math.max(0, (r - sent[i]) / 1000));
            }
        }
        return h;
    }

    private static byte[] sampleLine(int i) {
        StringBuilder sb = new StringBuilder(Records.LINE_CHARS + 1).append(String.format("lat%06d ", i));
        while (sb.length() < Records.LINE_CHARS) {
            sb.append('x');
        }
        return sb.append('\n').toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The sample number in a received envelope, or -1. */
    private static int sampleIndex(byte[] value) {
        if (value == null) {
            return -1;
        }
        String payload = Records.payload(value);
        if (!payload.startsWith("lat") || payload.length() < 9) {
            return -1;
        }
        try {
            return Integer.parseInt(payload.substring(3, 9));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Waits until samples [from, to) arrived or the timeout passed; returns how many arrived. */
    private static int awaitReceived(AtomicLongArray received, int from, int to, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int arrived;
        do {
            arrived = 0;
            for (int i = from; i < to; i++) {
                if (received.get(i) != 0) {
                    arrived++;
                }
            }
            if (arrived == to - from) {
                break;
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        return arrived;
    }

    // ------------------------------------------------------------------ footprint

    List<Metric> footprint() throws Exception {
        List<Metric> metrics = new ArrayList<>();
        Metric ready = new Metric(FOOTPRINT, "JVM start → GET / answers", "ms", false, Metric.atMost("≤ 1,000 ms", 1000));
        Metric idleRss = new Metric(FOOTPRINT, "RSS idle", "MiB", false, Metric.atMost("≤ 150 MiB", 150));
        Metric idleThreads = new Metric(FOOTPRINT, "threads idle", "threads", false, null);
        Metric oneRss = new Metric(FOOTPRINT, "RSS, 1 connector", "MiB", false, null);
        Metric oneThreads = new Metric(FOOTPRINT, "threads, 1 connector", "threads", false, null);
        metrics.addAll(List.of(ready, idleRss, idleThreads, oneRss, oneThreads));
        Map<Integer, Metric[]> byCount = new LinkedHashMap<>();
        for (int count : setup.taskCounts()) {
            boolean thousand = count >= 1000;
            Metric rss = new Metric(FOOTPRINT, String.format("RSS, %,d source tasks", count), "MiB", false,
                    thousand ? Metric.atMost("≤ 512 MiB", 512) : null);
            Metric threads = new Metric(FOOTPRINT, String.format("threads, %,d source tasks", count), "threads", false,
                    thousand ? Metric.atMost("≤ 64", 64) : null);
            Metric startup = new Metric(FOOTPRINT, String.format("time to run %,d source tasks", count), "s", false, null);
            byCount.put(count, new Metric[] {rss, threads, startup});
            metrics.addAll(List.of(rss, threads, startup));
        }
        int maxCount = setup.taskCounts().stream().mapToInt(Integer::intValue).max().orElse(1);
        Path files = setup.workDir().resolve("footprint-files");
        Files.createDirectories(files);
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < maxCount; i++) {
            StringBuilder sb = new StringBuilder();
            for (int l = 0; l < 10; l++) {
                sb.append(Records.line(l, random)).append('\n');
            }
            Files.writeString(files.resolve(i + ".txt"), sb);
        }
        for (int round = 0; round < setup.runs(); round++) {
            for (Contender c : order(WORKERS, round)) {
                String topic = "footprint-" + c.id() + "-" + round;
                kafka.createTopic(topic);
                Path dir = runDir(FOOTPRINT, c, round);
                boolean failed = false;
                try (WorkerProcess w = WorkerProcess.start(c, setup, dir)) {
                    double readyMs = w.awaitRest(START_TIMEOUT);
                    ready.add(c, readyMs);
                    Thread.sleep(settleMillis());
                    WorkerProcess.ProcStatus idle = w.status();
                    idleRss.add(c, idle.rssMiB());
                    idleThreads.add(c, idle.threads());
                    List<String> names = new ArrayList<>();
                    names.add("fp-0");
                    w.createConnector("fp-0", fileSource(files.resolve("0.txt"), topic));
                    w.awaitRunning(names, Duration.ofSeconds(60));
                    Thread.sleep(settleMillis());
                    WorkerProcess.ProcStatus one = w.status();
                    oneRss.add(c, one.rssMiB());
                    oneThreads.add(c, one.threads());
                    log("%-16s run %d: REST after %.0f ms; idle %.0f MiB / %d threads; 1 connector %.0f MiB / %d threads",
                            c.label, round + 1, readyMs, idle.rssMiB(), idle.threads(), one.rssMiB(), one.threads());
                    boolean stopped = false;
                    for (Map.Entry<Integer, Metric[]> e : byCount.entrySet()) {
                        int count = e.getKey();
                        Metric[] m = e.getValue();
                        if (stopped) {
                            m[0].add(c, Double.NaN);
                            m[1].add(c, Double.NaN);
                            m[2].add(c, Double.NaN);
                            continue;
                        }
                        long t0 = System.nanoTime();
                        int running;
                        try {
                            for (int i = names.size(); i < count; i++) {
                                String name = "fp-" + i;
                                w.createConnector(name, fileSource(files.resolve(i + ".txt"), topic));
                                names.add(name);
                            }
                            running = w.awaitRunning(names, Duration.ofSeconds(Math.max(60, count)));
                        } catch (RuntimeException | IOException ex) {
                            running = -1;
                            m[0].note(c.label + " run " + (round + 1) + ", " + count + " tasks: " + ex.getMessage());
                        }
                        double seconds = (System.nanoTime() - t0) / 1e9;
                        if (running != count) {
                            stopped = true;
                            failed = true;
                            if (running >= 0) {
                                m[0].note(String.format("%s run %d: only %d of %d tasks running after %.0f s",
                                        c.label, round + 1, running, count, seconds));
                            }
                            WorkerProcess.ProcStatus s = safeStatus(w);
                            m[0].add(c, Double.NaN);
                            m[1].add(c, Double.NaN);
                            m[2].add(c, Double.NaN);
                            log("%-16s run %d: %d tasks NOT reached (%d running after %.0f s; %s)", c.label, round + 1,
                                    count, running, seconds, s == null ? "process gone" : String.format("%.0f MiB / %d threads", s.rssMiB(), s.threads()));
                            continue;
                        }
                        Thread.sleep(settleMillis());
                        WorkerProcess.ProcStatus s = w.status();
                        m[0].add(c, s.rssMiB());
                        m[1].add(c, s.threads());
                        m[2].add(c, seconds);
                        log("%-16s run %d: %,d tasks running after %.1f s: %.0f MiB / %d threads",
                                c.label, round + 1, count, seconds, s.rssMiB(), s.threads());
                    }
                } catch (RuntimeException e) {
                    log("%s footprint run %d FAILED: %s", c.label, round, e.getMessage());
                    ready.note(c.label + " run " + (round + 1) + " failed: " + e.getMessage());
                    failed = true;
                }
                kafka.deleteTopic(topic);
                keepIfFailed(dir, failed);
            }
        }
        return metrics;
    }

    /** Deletes a run's directory, unless the run failed: then its logs stay for a look. */
    static void keepIfFailed(Path dir, boolean failed) throws IOException {
        if (failed) {
            log("kept %s for a look", dir);
        } else {
            deleteTree(dir);
        }
    }

    /** How long a worker is left alone before its RSS and threads are read. */
    private long settleMillis() {
        return setup.quick() ? 1_500 : 3_000;
    }

    private static WorkerProcess.ProcStatus safeStatus(WorkerProcess w) {
        try {
            return w.status();
        } catch (RuntimeException e) {
            return null;
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
