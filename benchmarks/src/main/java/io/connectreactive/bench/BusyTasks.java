package io.connectreactive.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Issue 9's busy-tasks scenario: one connector of {@code setup.busyTasks()} fixed-rate classic source
 * tasks ({@code io.connectreactive.bench.plugin.FixedRateSourceConnector}, the same plugin jar from
 * plugin.path on both runtimes), each offering {@code setup.busyRate()} records/s into an
 * 8-partition topic. Once every task runs and a warm-up passed, a window of
 * {@code setup.busySeconds()}: records due in it (their timestamp is when they were due) that a
 * consumer receives by the window's end plus a grace of 5 s count as delivered; their due →
 * consumed latency goes into a histogram; per-task counts give fairness. Threads, RSS and CPU of the
 * worker are read at the window's end. Runs on the harness's main thread plus one reader thread.
 */
final class BusyTasks {

    static final String BUSY = "busy-tasks";
    static final String DESCRIPTION = "One FixedRateSourceConnector (a classic source connector shipped with the benchmarks, "
            + "its jar from plugin.path on both runtimes) with N tasks of 100 records/s each, JsonConverter (string schema), "
            + "8-partition topic. Latency: from when a record was due (its timestamp) until the harness's consumer received it. "
            + "Both runtimes run each classic task on a thread of its own: an OS thread on Kafka Connect; on connect-reactive "
            + "an OS thread on Java 17 to 23 and a virtual thread on Java 24+ (runtime.task.threads=auto), so there its OS "
            + "threads do not grow with tasks blocked in poll(). Both run on the harness's JVM (see Setup).";
    private static final List<Contender> WORKERS = List.of(Contender.CONNECT_REACTIVE, Contender.KAFKA_CONNECT);
    private static final long GRACE_MS = 5_000;

    private final Setup setup;
    private final Kafka kafka;

    BusyTasks(Setup setup, Kafka kafka) {
        this.setup = setup;
        this.kafka = kafka;
    }

    List<Metric> run() throws Exception {
        int n = setup.busyTasks();
        double offered = (double) n * setup.busyRate();
        String tasks = String.format("%,d tasks × %d/s", n, setup.busyRate());
        Metric delivered = new Metric(BUSY, "delivered / offered (" + tasks + ")", "%", true,
                n >= 1000 ? Metric.atLeast("≥ 99 %", 99) : null);
        Metric rate = new Metric(BUSY, "delivered rate (offered " + String.format("%,.0f", offered) + "/s)", "records/s", true, null);
        Metric fairness = new Metric(BUSY, "fairness: slowest task / mean", "ratio", true, null);
        Metric p50 = new Metric(BUSY, "due → consumed p50", "ms", false, null);
        Metric p99 = new Metric(BUSY, "due → consumed p99", "ms", false, n >= 1000 ? Metric.atMost("≤ 50 ms", 50) : null);
        Metric max = new Metric(BUSY, "due → consumed max", "ms", false, null);
        Metric threads = new Metric(BUSY, "threads", "threads", false, n >= 1000 ? Metric.atMost("≤ 64", 64) : null);
        Metric rss = new Metric(BUSY, "RSS", "MiB", false, n >= 1000 ? Metric.atMost("≤ 1,024 MiB", 1024) : null);
        Metric cpu = new Metric(BUSY, "CPU in the window", "cores", false, null);
        Metric startup = new Metric(BUSY, "connector creation → all tasks RUNNING", "s", false, null);
        List<Metric> all = List.of(delivered, rate, fairness, p50, p99, max, threads, rss, cpu, startup);
        for (int round = 0; round < setup.runs(); round++) {
            for (Contender c : Scenarios.order(WORKERS, setup.contenders(), round)) {
                String id = BUSY + "-" + c.id() + "-" + round;
                Path dir = setup.workDir().resolve("runs").resolve(id);
                boolean failed = false;
                kafka.createTopic(id, 8);
                try {
                    double[] r = runOnce(c, id, dir, delivered);
                    for (int i = 0; i < all.size(); i++) {
                        all.get(i).add(c, r[i]);
                    }
                    Scenarios.log("%-16s run %d: %.2f %% delivered (%,.0f/s), fairness %.2f, p50 %.1f / p99 %.1f / max %.1f ms, "
                                    + "%.0f threads, %.0f MiB, %.2f cores, all running after %.1f s",
                            c.label, round + 1, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]);
                } catch (RuntimeException | java.io.IOException e) {
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

    /** One run: delivered %, rate, fairness, p50, p99, max, threads, RSS, cores, seconds to run all tasks. */
    private double[] runOnce(Contender c, String topic, Path dir, Metric notes) throws Exception {
        int n = setup.busyTasks();
        AtomicLongArray perTask = new AtomicLongArray(n);
        Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        AtomicBoolean stop = new AtomicBoolean();
        long[] window = {Long.MAX_VALUE, Long.MAX_VALUE}; // wall-clock ms [from, to), set once tasks run
        KafkaConsumer<byte[], byte[]> consumer = kafka.consumerAtEnd(topic, 8);
        Thread reader = new Thread(() -> {
            try (consumer) {
                while (!stop.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                        long now = System.currentTimeMillis();
                        long ts = r.timestamp();
                        long from;
                        long to;
                        synchronized (window) {
                            from = window[0];
                            to = window[1];
                        }
                        if (ts < from || ts >= to || now > to + GRACE_MS) {
                            continue;
                        }
                        String payload = Records.payload(r.value());
                        int task = Integer.parseInt(payload.substring(0, payload.indexOf(' ')));
                        if (task >= 0 && task < n) {
                            perTask.incrementAndGet(task);
                        }
                        synchronized (latency) {
                            latency.recordValue(Math.max(0, (now - ts) * 1000));
                        }
                    }
                }
            }
        }, "bench-busy-reader");
        reader.start();
        try (WorkerProcess w = WorkerProcess.start(c, setup, dir, WorkerProcess.Options.SAME_PLUGIN)) {
            w.awaitRest(Duration.ofSeconds(90));
            Map<String, String> config = new LinkedHashMap<>();
            config.put("connector.class", "io.connectreactive.bench.plugin.FixedRateSourceConnector");
            config.put("tasks.max", String.valueOf(n));
            config.put("topic", topic);
            config.put("rate", String.valueOf(setup.busyRate()));
            long t0 = System.nanoTime();
            // Kafka Connect answers once the connector's 1,000 tasks were created: minutes on a busy machine
            try {
                w.createConnector(topic, config, Duration.ofMinutes(5));
            } catch (IllegalStateException e) {
                // Kafka Connect's REST gives up after 90 s ("Request timed out") while its herder goes on
                // creating the tasks: wait for them as far as they get
                if (!e.getMessage().contains("answered 500")) {
                    throw e;
                }
                notes.note(c.label + ": POST /connectors answered 500 (" + e.getMessage().replaceAll(".*answered 500 ", "")
                        + "); its tasks were awaited anyway");
            }
            int running = w.awaitRunning(List.of(topic), Duration.ofSeconds(Math.max(60, n / 5)));
            double startSeconds = (System.nanoTime() - t0) / 1e9;
            if (running != 1) {
                notes.note(String.format("%s: not every task RUNNING after %.0f s; measured as far as it got", c.label, startSeconds));
            }
            Thread.sleep(setup.quick() ? 3_000 : 5_000);
            double cpu0 = w.cpuSeconds();
            long wallFrom = System.currentTimeMillis();
            synchronized (window) {
                window[0] = wallFrom;
                window[1] = wallFrom + setup.busySeconds() * 1000L;
            }
            Thread.sleep(setup.busySeconds() * 1000L);
            double cpu1 = w.cpuSeconds();
            WorkerProcess.ProcStatus status = w.status();
            Thread.sleep(GRACE_MS);
            stop.set(true);
            reader.join(10_000);
            long sum = 0;
            long min = Long.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                sum += perTask.get(i);
                min = Math.min(min, perTask.get(i));
            }
            double offered = (double) n * setup.busyRate() * setup.busySeconds();
            double mean = sum / (double) n;
            synchronized (latency) {
                return new double[] {
                    100.0 * sum / offered,
                    sum / (double) setup.busySeconds(),
                    mean == 0 ? Double.NaN : min / mean,
                    latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(50) / 1000.0,
                    latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(99) / 1000.0,
                    latency.getTotalCount() == 0 ? Double.NaN : latency.getMaxValue() / 1000.0,
                    status.threads(),
                    status.rssMiB(),
                    (cpu1 - cpu0) / setup.busySeconds(),
                    startSeconds,
                };
            }
        } finally {
            stop.set(true);
            reader.join(10_000);
        }
    }
}
