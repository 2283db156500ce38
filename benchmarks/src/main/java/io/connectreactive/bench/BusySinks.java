package io.connectreactive.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The busy-sinks scenario, the sink side of busy-tasks: one LatencySinkConnector (a classic sink
 * connector shipped with the benchmarks, its jar from plugin.path on both runtimes) with N tasks over an
 * N-partition topic, one partition each. Once the group is stable and a 10 s warm-up passed, the harness
 * offers {@code setup.busyRate()} records/s to every partition for {@code setup.busySeconds()}, each
 * stamped with when it was sent (on a loaded machine the harness's own producer falls behind the
 * schedule: the rate it reached is reported, and the latency is the runtime's, send → put); each task
 * measures send → {@code put()} per record and writes its counts when it stops (the connector is deleted
 * 5 s after the window). Threads, RSS and CPU of the worker are read at the window's end. Runs on the
 * harness's main thread.
 */
final class BusySinks {

    static final String BUSY = "busy-sinks";
    static final String DESCRIPTION = "One LatencySinkConnector (a classic sink connector shipped with the benchmarks, its jar "
            + "from plugin.path on both runtimes) with N tasks over an N-partition topic, StringConverter; the harness offers "
            + "100 records/s per partition, stamped with when each was sent. Latency: send → the task's put(). Kafka Connect "
            + "runs a consumer (a group member, a heartbeat thread) and a thread per task; connect-reactive on a standalone "
            + "worker one consumer for the connector (runtime.sink.consumers=auto), and each classic task's put() on a thread "
            + "of its own: an OS thread on Java 17 to 23, a virtual thread on Java 24+ (runtime.task.threads=auto).";
    private static final List<Contender> WORKERS = List.of(Contender.CONNECT_REACTIVE, Contender.KAFKA_CONNECT);
    private static final long GRACE_MS = 5_000;
    private static final long TICK_MS = 10;

    private final Setup setup;
    private final Kafka kafka;

    BusySinks(Setup setup, Kafka kafka) {
        this.setup = setup;
        this.kafka = kafka;
    }

    List<Metric> run() throws Exception {
        int n = setup.busyTasks();
        String tasks = String.format("%,d tasks × %d/s", n, setup.busyRate());
        Metric delivered = new Metric(BUSY, "put / offered (" + tasks + ")", "%", true,
                n >= 1000 ? Metric.atLeast("≥ 99 %", 99) : null);
        Metric reached = new Metric(BUSY, "rate the harness reached (offered " + String.format("%,d", n * setup.busyRate())
                + "/s)", "records/s", true, null);
        Metric p50 = new Metric(BUSY, "send → put p50", "ms", false, null);
        Metric p99 = new Metric(BUSY, "send → put p99", "ms", false, n >= 1000 ? Metric.atMost("≤ 50 ms", 50) : null);
        Metric max = new Metric(BUSY, "send → put max", "ms", false, null);
        Metric threads = new Metric(BUSY, "threads", "threads", false, n >= 1000 ? Metric.atMost("≤ 64", 64) : null);
        Metric rss = new Metric(BUSY, "RSS", "MiB", false, n >= 1000 ? Metric.atMost("≤ 1,024 MiB", 1024) : null);
        Metric cpu = new Metric(BUSY, "CPU in the window", "cores", false, null);
        Metric startup = new Metric(BUSY, "connector creation → every partition assigned", "s", false, null);
        List<Metric> all = List.of(delivered, reached, p50, p99, max, threads, rss, cpu, startup);
        for (int round = 0; round < setup.runs(); round++) {
            for (Contender c : Scenarios.order(WORKERS, setup.contenders(), round)) {
                String id = BUSY + "-" + c.id() + "-" + round;
                Path dir = setup.workDir().resolve("runs").resolve(id);
                boolean failed = false;
                kafka.createTopic(id, n);
                try {
                    double[] r = runOnce(c, id, dir, delivered);
                    for (int i = 0; i < all.size(); i++) {
                        all.get(i).add(c, r[i]);
                    }
                    Scenarios.log("%-16s run %d: %.2f %% put, offered %,.0f/s, p50 %.0f / p99 %.0f / max %.0f ms, %.0f threads, "
                                    + "%.0f MiB, %.2f cores, all assigned after %.1f s",
                            c.label, round + 1, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]);
                } catch (RuntimeException | IOException e) {
                    Scenarios.log("%s %s run %d FAILED: %s", c.label, BUSY, round + 1, e.getMessage());
                    delivered.note(c.label + " run " + (round + 1) + " failed: " + e.getMessage());
                    all.forEach(m -> m.add(c, Double.NaN));
                    failed = true;
                } finally {
                    kafka.deleteTopic(id);
                }
                Scenarios.keepIfFailed(dir, failed);
            }
        }
        return all;
    }

    /** One run: put %, rate reached, p50, p99, max, threads, RSS, cores, seconds until every partition was assigned. */
    private double[] runOnce(Contender c, String topic, Path dir, Metric notes) throws Exception {
        int n = setup.busyTasks();
        Path latencyDir = dir.resolve("latency");
        try (WorkerProcess w = WorkerProcess.start(c, setup, dir, WorkerProcess.Options.SAME_PLUGIN);
             KafkaProducer<byte[], byte[]> producer = producer()) {
            w.awaitRest(Duration.ofSeconds(90));
            Map<String, String> config = new LinkedHashMap<>();
            config.put("connector.class", "io.connectreactive.bench.plugin.LatencySinkConnector");
            config.put("tasks.max", String.valueOf(n));
            config.put("topics", topic);
            config.put("latency.dir", latencyDir.toString());
            config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
            config.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
            long t0 = System.nanoTime();
            w.createConnector(topic, config, Duration.ofMinutes(5));
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (!kafka.groupAssigned("connect-" + topic, n)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(c.label + ": group connect-" + topic + " not stable with every partition "
                            + "assigned after 5 minutes");
                }
                Thread.sleep(200);
            }
            double startSeconds = (System.nanoTime() - t0) / 1e9;
            offer(producer, topic, n, 'w', setup.quick() ? 3 : 10);
            double cpu0 = w.cpuSeconds();
            long wall0 = System.nanoTime();
            long offered = offer(producer, topic, n, 'm', setup.busySeconds());
            double seconds = (System.nanoTime() - wall0) / 1e9;
            double cpu1 = w.cpuSeconds();
            WorkerProcess.ProcStatus status = w.status();
            Thread.sleep(GRACE_MS);
            w.deleteConnector(topic, Duration.ofMinutes(2));
            long waitUntil = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (count(latencyDir) < n && System.nanoTime() < waitUntil) {
                Thread.sleep(200);
            }
            if (count(latencyDir) < n) {
                notes.note(c.label + ": only " + count(latencyDir) + " of " + n + " tasks wrote their counts");
            }
            long measured = 0;
            TreeMap<Long, Long> histogram = new TreeMap<>();
            try (var files = Files.list(latencyDir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    List<String> lines = Files.readAllLines(f, StandardCharsets.US_ASCII);
                    measured += Long.parseLong(lines.get(0).trim());
                    for (String line : lines.subList(1, lines.size())) {
                        String[] kv = line.trim().split(" ");
                        histogram.merge(Long.parseLong(kv[0]), Long.parseLong(kv[1]), Long::sum);
                    }
                }
            }
            return new double[] {
                100.0 * measured / offered,
                offered / seconds,
                percentile(histogram, measured, 50),
                percentile(histogram, measured, 99),
                histogram.isEmpty() ? Double.NaN : histogram.lastKey(),
                status.threads(),
                status.rssMiB(),
                (cpu1 - cpu0) / seconds,
                startSeconds,
            };
        }
    }

    /**
     * The harness's producer: the benchmarks' settings but {@code linger.ms=50}, so that a request carries a few
     * records of each of the thousand partitions (at 5 ms the broker's per-partition work holds the harness to a
     * fifth of the offered rate on two cores); the latency measured includes that wait.
     */
    private KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> config = kafka.producerConfig("bench-busy-sinks");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "50");
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Sends one record per partition every {@value #TICK_MS} ms for {@code seconds} (with {@code busyRate}
     * 100: 100 records/s per partition), value {@code kind} + padding, timestamp = when it was sent; a tick the
     * harness reaches late is sent late, not skipped. Returns how many.
     */
    private long offer(KafkaProducer<byte[], byte[]> producer, String topic, int partitions, char kind, int seconds)
            throws InterruptedException {
        byte[] value = (kind + "x".repeat(99)).getBytes(StandardCharsets.US_ASCII);
        long perPartitionEvery = Math.max(1, 1000 / setup.busyRate() / TICK_MS); // ticks between records of a partition
        long start = System.currentTimeMillis();
        long ticks = seconds * 1000L / TICK_MS;
        long sent = 0;
        for (long t = 0; t < ticks; t++) {
            long due = start + t * TICK_MS;
            long wait = due - System.currentTimeMillis();
            if (wait > 0) {
                Thread.sleep(wait);
            }
            if (t % perPartitionEvery != 0) {
                continue;
            }
            for (int p = 0; p < partitions; p++) {
                producer.send(new ProducerRecord<>(topic, p, System.currentTimeMillis(), null, value));
                sent++;
            }
        }
        producer.flush();
        return sent;
    }

    private static long count(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.list(dir)) {
            return files.count();
        }
    }

    private static double percentile(TreeMap<Long, Long> histogram, long total, double pct) {
        if (total == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.ceil(total * pct / 100.0);
        long seen = 0;
        for (Map.Entry<Long, Long> e : histogram.entrySet()) {
            seen += e.getValue();
            if (seen >= rank) {
                return e.getKey();
            }
        }
        return histogram.lastKey();
    }
}
