package io.connectreactive.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * The scenarios of issue 9 that compare the runtimes rather than their connectors: the same plugin
 * classes on both sides (Apache's connect-file jar from a shared plugin.path, Kafka's
 * SchemaSourceConnector and MirrorMaker 2 from each runtime's class path), the same worker and
 * producer settings (or, for {@code defaults}, each runtime's own), cold and warm start-up. Every
 * throughput scenario reports the end-to-end rate, the steady-state rate and the CPU per record of
 * the 10–90 % window ({@link Throughput}), GC pauses in the window and the heap after GC; each
 * of them also runs the same connectors in a limit loop ({@link Contender#LIMIT}, issue 18), the
 * yardstick both runtimes are measured against. Runs on the harness's main thread.
 */
final class RuntimeScenarios {

    static final String FILE_SOURCE = "file-source";
    static final String FILE_SINK = "file-sink";
    static final String STRUCT_SOURCE = "struct-source";
    static final String STRUCT_SINK = "struct-sink";
    static final String PARALLEL_SOURCE = "parallel-source";
    static final String PARALLEL_SINK = "parallel-sink";
    static final String MIRROR = "mirror";
    static final String DEFAULTS = "defaults";
    static final String STARTUP = "startup";
    /** Exactly-once source (KIP-618) on a one-worker cluster, one transaction per poll / per second. */
    static final String EOS_POLL = "eos-file-source-poll";
    static final String EOS_INTERVAL = "eos-file-source-interval";
    static final String EOS_MIRROR = "eos-mirror-poll";

    /** The limit contender, the same in every same-plugin scenario. */
    static final String LIMIT_DESCRIPTION = "Limit: the same connector and task classes from the same plugin.path / class path, "
            + "the same converters and producer/consumer settings, in one JVM with the workers' flags, driven by the simplest "
            + "correct loop (source: poll → converters → KafkaProducer.send, commitRecord in the send callback; sink: "
            + "KafkaConsumer.poll → converters → put, preCommit + commitSync every offset.flush.interval.ms), no REST, statuses or "
            + "offset storage: what either runtime could reach.";

    /** What runs on each side and what still differs, per scenario: printed with the results. */
    static final Map<String, String> DESCRIPTIONS = new LinkedHashMap<>();

    static {
        DESCRIPTIONS.put(FILE_SOURCE, "Apache's `org.apache.kafka.connect.file.FileStreamSourceConnector` (connect-file 4.3.1 jar from "
                + "plugin.path) on both runtimes, tasks.max=1, into a 1-partition topic; connect-reactive runs its blocking poll() "
                + "through its classic adapter. Raw: a KafkaProducer writing the same envelopes. Differs: connect-reactive's JsonConverter "
                + "is its own glue around Kafka's converter (a fast path for plain strings), one shared producer instead of one per task.");
        DESCRIPTIONS.put(FILE_SINK, "Apache's `org.apache.kafka.connect.file.FileStreamSinkConnector` from plugin.path on both, tasks.max=1, "
                + "from a pre-filled 1-partition topic until the file holds every line (checked byte for byte). Raw: a KafkaConsumer "
                + "writing the payloads. Differs: the consumer loop around put() (connect-reactive's own thread, at most two batches out).");
        DESCRIPTIONS.put(STRUCT_SOURCE, "Kafka's `org.apache.kafka.connect.tools.SchemaSourceConnector` (connect-test-plugins 4.3.1, on "
                + "both class paths): Struct values with a schema, throughput=-1, one record per poll(), JsonConverter with schemas on "
                + "both. No raw contender.");
        DESCRIPTIONS.put(STRUCT_SINK, "Apache's FileStreamSink (plugin.path) on both, from a topic pre-filled with the JsonConverter "
                + "envelopes of SchemaSourceConnector-shaped Structs; the file gets each Struct's toString() (checked byte for byte). "
                + "No raw contender.");
        DESCRIPTIONS.put(PARALLEL_SOURCE, "Four Apache FileStreamSource connectors at once (plugin.path), each reading a quarter of the "
                + "lines, into one 8-partition topic. No raw contender.");
        DESCRIPTIONS.put(PARALLEL_SINK, "Apache's FileStreamSink with tasks.max=4 (plugin.path) from a pre-filled 8-partition topic; "
                + "the four tasks append to one file (its size is checked). No raw contender.");
        DESCRIPTIONS.put(MIRROR, "MirrorMaker 2's `org.apache.kafka.connect.mirror.MirrorSourceConnector` (connect-mirror 4.3.1, on both "
                + "class paths) copying a pre-filled 1-partition topic to `<alias>.<topic>` on the same broker, ByteArrayConverter, "
                + "tasks.max=1, offset syncs to the default topic. No raw contender.");
        DESCRIPTIONS.put(DEFAULTS, "As file-source, but no `producer.*` settings: each runtime's out-of-the-box source producer, "
                + "and the raw producer with the Kafka client's defaults (idempotent, 5 requests in flight). Kafka Connect 4.3.1: "
                + "acks=all, max.in.flight.requests.per.connection=1, linger.ms=5 and batch.size=16384 (client defaults), "
                + "enable.idempotence left at the client default; connect-reactive: acks=all, one request in flight, linger.ms=5, "
                + "enable.idempotence=false (ordering holds with one request in flight), max.block.ms=0, batch.size=16384.");
        for (String scenario : List.of(FILE_SOURCE, FILE_SINK, STRUCT_SOURCE, STRUCT_SINK, PARALLEL_SOURCE, PARALLEL_SINK, MIRROR, DEFAULTS)) {
            DESCRIPTIONS.put(scenario, DESCRIPTIONS.get(scenario) + " " + LIMIT_DESCRIPTION
                    + (scenario.equals(DEFAULTS) ? " Here with Kafka Connect's base producer settings (acks=all, one request in "
                    + "flight, delivery.timeout.ms=MAX), the client's defaults otherwise." : ""));
        }
        for (String eos : List.of(EOS_POLL, EOS_INTERVAL)) {
            DESCRIPTIONS.put(eos, "Apache's FileStreamSource (plugin.path, its default batch.size of 2,000 lines per poll) with "
                    + "exactly.once.support=required on a one-worker cluster of each runtime (Kafka Connect's ConnectDistributed, "
                    + "connect-reactive's start --cluster; exactly.once.source.support=enabled, internal topics of their own), "
                    + (eos.equals(EOS_POLL) ? "transaction.boundary=poll (a transaction per poll)"
                    : "transaction.boundary=interval, transaction.boundary.interval.ms=1000")
                    + ", the same producer settings but producer.enable.idempotence=true (a transactional producer needs it). "
                    + "Progress: the topic's last stable offset (what a read_committed consumer can read: records of committed "
                    + "transactions and their markers, one per transaction); the first round's topic is read back read_committed "
                    + "and must hold every line once. Limit: the same task in a bare loop with a transactional producer, each "
                    + "transaction holding its records and the source offsets they reach (Kafka Connect's offsets-topic format), "
                    + "commitRecord after the commit.");
        }
        DESCRIPTIONS.put(EOS_MIRROR, "As mirror, with exactly.once.support=required, transaction.boundary=poll and "
                + "consumer.isolation.level=read_committed (MirrorMaker 2 refuses exactly once without it) on a one-worker cluster "
                + "of each runtime with exactly.once.source.support=enabled; progress and limit as the exactly-once file-source rows.");
        DESCRIPTIONS.put(STARTUP, "JVM start → `GET /` answers, same JVM flags and plugin.path on both: cold = no application "
                + "class-data archive (the JDK's base archive only); warm = each runtime's own dynamic archive, written the same way "
                + "for both (-XX:ArchiveClassesAtExit, start, REST answers, clean stop).");
        for (String pg : List.of(PostgresScenarios.INSERT, PostgresScenarios.UPSERT)) {
            DESCRIPTIONS.put(pg, "connect-reactive's built-in PostgresSink against Debezium's JDBC sink 3.6.0.Final (plugin.path) on Kafka "
                    + "Connect 4.3.1, tasks.max=1, from one pre-filled topic of keyed JsonConverter envelopes (key {id}, value {id, name, "
                    + "amount, flag, ratio}) into the same PostgreSQL server (Debian's, fsync=off) and a fresh table of the same shape, "
                    + (pg.equals(PostgresScenarios.INSERT) ? "insert.mode=insert" : "insert.mode=upsert by the record key")
                    + "; both at their default batch size (500); progress is the table's row count. Opt-in: --scenarios postgres-sink.");
        }
    }

    private static final List<Contender> ALL = List.of(Contender.CONNECT_REACTIVE, Contender.KAFKA_CONNECT, Contender.RAW, Contender.LIMIT);
    /** The same-plugin scenarios without a raw contender: both runtimes and the limit loop. */
    private static final List<Contender> SAME_PLUGIN = List.of(Contender.CONNECT_REACTIVE, Contender.KAFKA_CONNECT, Contender.LIMIT);
    private static final List<Contender> WORKERS = List.of(Contender.CONNECT_REACTIVE, Contender.KAFKA_CONNECT);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final String FILE_SOURCE_CLASS = "org.apache.kafka.connect.file.FileStreamSourceConnector";
    private static final String FILE_SINK_CLASS = "org.apache.kafka.connect.file.FileStreamSinkConnector";

    private final Setup setup;
    private final Kafka kafka;
    private final Path sourceFile;
    private final long sourceBytes;
    private String linesTopic;
    private String linesTopic8;

    RuntimeScenarios(Setup setup, Kafka kafka, Path sourceFile, long sourceBytes) {
        this.setup = setup;
        this.kafka = kafka;
        this.sourceFile = sourceFile;
        this.sourceBytes = sourceBytes;
    }

    /** One run of a throughput scenario, for one contender; returns its measurement. */
    @FunctionalInterface
    interface Job {
        Throughput.Run run(Contender c, int round, Path dir, String id) throws Exception;
    }

    /**
     * Runs {@code job} {@code setup.runs()} rounds over {@code contenders} (order rotated each round; a
     * failed run is retried once) and returns its metrics. Where the limit loop is a contender, the
     * steady rate and the CPU per record carry issue 18's targets against it.
     */
    List<Metric> throughput(String scenario, List<Contender> contenders, long records, String unit,
                            Job job) throws Exception {
        boolean limit = contenders.contains(Contender.LIMIT);
        Metric e2e = new Metric(scenario, "end-to-end average", unit + "/s", true, null);
        Metric steady = new Metric(scenario, "steady state (" + Throughput.WINDOW + ")", unit + "/s", true,
                limit ? Metric.rateVsLimit() : null);
        Metric cpu = new Metric(scenario, "CPU per million " + unit + " (window)", "s", false,
                limit ? Metric.cpuVsLimit() : null);
        Metric gc = new Metric(scenario, "GC pauses in the window", "ms", false, null);
        Metric heap = new Metric(scenario, "heap after GC, max", "MiB", false, null);
        for (int round = 0; round < setup.runs(); round++) {
            for (Contender c : Scenarios.order(contenders, setup.contenders(), round)) {
                Throughput.Run run = null;
                Path dir = null;
                for (int attempt = 0; attempt < 2 && run == null; attempt++) {
                    String id = scenario + "-" + c.id() + "-" + round + (attempt > 0 ? "-retry" : "");
                    dir = setup.workDir().resolve("runs").resolve(id);
                    try {
                        run = job.run(c, round, dir, id);
                    } catch (RuntimeException | java.io.IOException e) {
                        Scenarios.log("%s %s run %d FAILED%s: %s", c.label, scenario, round + 1, attempt == 0 ? " (retrying once)" : "",
                                e.getMessage());
                        steady.note(c.label + " run " + (round + 1) + (attempt == 0 ? "" : " (retry)") + " failed: " + e.getMessage()
                                + (attempt == 0 ? "; run again" : ""));
                    }
                }
                if (run == null) {
                    for (Metric m : List.of(e2e, steady, cpu, gc, heap)) {
                        m.add(c, Double.NaN);
                    }
                } else {
                    e2e.add(c, run.endToEndRate(records));
                    steady.add(c, run.steadyRate(records));
                    cpu.add(c, run.cpuPerMillion(records));
                    gc.add(c, run.gcPauseMs());
                    heap.add(c, run.heapAfterMiB());
                    Scenarios.log("%-16s run %d: %,.0f %s/s end to end (%.2f s), %,.0f %s/s steady (%.2f s window), "
                                    + "%.2f CPU s per M, GC %.0f ms, heap after GC %.0f MiB",
                            c.label, round + 1, run.endToEndRate(records), unit, run.totalSeconds(), run.steadyRate(records), unit,
                            run.windowSeconds(), run.cpuPerMillion(records), run.gcPauseMs(), run.heapAfterMiB());
                }
                Scenarios.keepIfFailed(dir, run == null);
            }
        }
        return List.of(e2e, steady, cpu, gc, heap);
    }

    private Duration timeout(long records) {
        return Duration.ofSeconds(Math.max(120, records / 2_000));
    }

    /**
     * Starts a worker, runs {@code connectors} (created back to back as the clock starts) and measures {@code progress};
     * for {@link Contender#LIMIT}, the same connectors in a limit loop ({@link #limitRun}).
     */
    Throughput.Run workerRun(Contender c, Path dir, WorkerProcess.Options options, Map<String, Map<String, String>> connectors,
                                     long total, Throughput.Progress progress, String what) throws Exception {
        if (c == Contender.LIMIT) {
            return limitRun(dir, options, connectors, total, progress, what);
        }
        Throughput.Run run;
        try (WorkerProcess w = WorkerProcess.start(c, setup, dir, options)) {
            w.awaitRest(START_TIMEOUT);
            long t0 = System.nanoTime();
            for (Map.Entry<String, Map<String, String>> e : connectors.entrySet()) {
                w.createConnector(e.getKey(), e.getValue());
            }
            run = Throughput.measure(t0, total, progress, w::cpuSeconds, timeout(total), what);
            w.close();
            return Throughput.withGc(run, w);
        }
    }

    /**
     * Starts a limit loop with the settings a worker started with {@code options} would get (without
     * REST and offset file), releases it as the clock starts and measures {@code progress}; the loop
     * stops by itself after {@code total} records.
     */
    private Throughput.Run limitRun(Path dir, WorkerProcess.Options options, Map<String, Map<String, String>> connectors, long total,
                                    Throughput.Progress progress, String what) throws Exception {
        Map<String, String> worker = new LinkedHashMap<>(setup.commonWorkerSettings(options.sameProducer()));
        if (options.pluginPath()) {
            worker.put("plugin.path", setup.pluginDir().toString());
        }
        worker.putAll(options.extra());
        try (RawProcess limit = RawProcess.limit(setup, dir, worker, connectors, total)) {
            long t0 = System.nanoTime();
            limit.go();
            Throughput.Run run = Throughput.measure(t0, total, () -> {
                long p = progress.get();
                if (p < total) {
                    limit.checkAlive();
                }
                return p;
            }, limit::cpuSeconds, timeout(total), what);
            limit.awaitDone(60);
            return Throughput.withGc(run, limit.gcLog(), limit::uptimeMillis);
        }
    }

    // ------------------------------------------------------------------ same plugin: connect-file

    List<Metric> fileSource() throws Exception {
        return fileSource(FILE_SOURCE, WorkerProcess.Options.SAME_PLUGIN, Setup.producerSettings());
    }

    /** Defaults against defaults: file-source with each runtime's own producer settings, the raw producer with the client's. */
    List<Metric> defaults() throws Exception {
        return fileSource(DEFAULTS, WorkerProcess.Options.SAME_PLUGIN.defaults(), Map.of());
    }

    private List<Metric> fileSource(String scenario, WorkerProcess.Options options, Map<String, String> rawSettings)
            throws Exception {
        long n = setup.lines();
        return throughput(scenario, ALL, n, "records", (c, round, dir, id) -> {
            String topic = id;
            kafka.createTopic(topic);
            try {
                if (c == Contender.RAW) {
                    try (RawProcess raw = RawProcess.produce(setup, dir, topic, sourceFile, rawSettings)) {
                        long t0 = System.nanoTime();
                        raw.go();
                        Throughput.Run run = Throughput.measure(t0, n, () -> kafka.endOffset(topic), raw::cpuSeconds, timeout(n), topic);
                        raw.awaitDone(60);
                        return run;
                    }
                }
                Map<String, String> config = new LinkedHashMap<>();
                config.put("connector.class", FILE_SOURCE_CLASS);
                config.put("tasks.max", "1");
                config.put("file", sourceFile.toString());
                config.put("topic", topic);
                Throughput.Run run = workerRun(c, dir, options, Map.of(id, config), n, () -> kafka.endOffset(topic), topic);
                if (kafka.endOffset(topic) != n) {
                    throw new IllegalStateException("topic holds " + kafka.endOffset(topic) + " records, expected " + n);
                }
                if (round == 0) {
                    ConsumerRecord<byte[], byte[]> first = kafka.firstRecord(topic);
                    try (var lines = Files.lines(sourceFile, StandardCharsets.US_ASCII)) {
                        if (first == null || !java.util.Arrays.equals(first.value(), Records.envelope(lines.findFirst().orElseThrow()))) {
                            throw new IllegalStateException("the first record is not the expected JSON envelope");
                        }
                    }
                }
                return run;
            } finally {
                kafka.deleteTopic(topic);
            }
        });
    }

    /** FileStreamSource with exactly once on a one-worker cluster of each runtime ({@link #EOS_POLL}, {@link #EOS_INTERVAL}). */
    List<Metric> exactlyOnceFileSource(String scenario) throws Exception {
        long n = setup.lines();
        return throughput(scenario, SAME_PLUGIN, n, "records", (c, round, dir, id) -> {
            String topic = id;
            kafka.createTopic(topic);
            Map<String, String> config = new LinkedHashMap<>();
            config.put("connector.class", FILE_SOURCE_CLASS);
            config.put("tasks.max", "1");
            config.put("file", sourceFile.toString());
            config.put("topic", topic);
            config.put("exactly.once.support", "required");
            if (scenario.equals(EOS_POLL)) {
                config.put("transaction.boundary", "poll");
            } else {
                config.put("transaction.boundary", "interval");
                config.put("transaction.boundary.interval.ms", "1000");
            }
            return exactlyOnceRun(c, round, dir, id, config, topic, n);
        });
    }

    /**
     * One run of an exactly-once source {@code config} writing {@code n} records to the 1-partition {@code topic}, on a
     * one-worker cluster of group {@code id} with exactly.once.source.support=enabled (or the transactional limit loop):
     * progress is the topic's last stable offset; the first round's topic is read back read_committed. Deletes the
     * topic and the cluster's internal topics after.
     */
    private Throughput.Run exactlyOnceRun(Contender c, int round, Path dir, String id, Map<String, String> config, String topic,
                                          long n) throws Exception {
        if (c == Contender.LIMIT) {
            kafka.createTopic(id + "-offsets"); // the workers create theirs
        }
        try {
            WorkerProcess.Options options = WorkerProcess.Options.SAME_PLUGIN.with("group.id", id)
                    .with("exactly.once.source.support", "enabled").with("producer.enable.idempotence", "true");
            Throughput.Run run = workerRun(c, dir, options, Map.of(id, config), n, () -> kafka.stableOffset(topic), topic);
            if (round == 0) {
                long committed = kafka.committedRecords(topic);
                if (committed != n) {
                    throw new IllegalStateException("a read_committed consumer read " + committed + " records, expected " + n);
                }
            }
            return run;
        } finally {
            kafka.deleteTopic(topic);
            for (String store : c == Contender.LIMIT ? List.of("offsets") : List.of("configs", "offsets", "status")) {
                kafka.deleteTopic(id + "-" + store);
            }
        }
    }

    /** The 1-partition topic of every line's envelope, filled once (file-sink and mirror read it). */
    private String linesTopic() throws Exception {
        if (linesTopic == null) {
            linesTopic = "lines-1p";
            kafka.createTopic(linesTopic);
            long t = System.nanoTime();
            kafka.fill(linesTopic, sourceFile);
            Scenarios.log("filled %s with %,d records in %.1f s", linesTopic, setup.lines(), (System.nanoTime() - t) / 1e9);
        }
        return linesTopic;
    }

    List<Metric> fileSink() throws Exception {
        String topic = linesTopic();
        long n = setup.lines();
        return throughput(FILE_SINK, ALL, n, "records", (c, round, dir, id) -> {
            Path out = dir.resolve("sink.txt");
            Throughput.Run run;
            if (c == Contender.RAW) {
                try (RawProcess raw = RawProcess.consume(setup, dir, topic, out, id, n)) {
                    long t0 = System.nanoTime();
                    raw.go();
                    run = Throughput.measure(t0, n, () -> linesIn(out), raw::cpuSeconds, timeout(n), out.toString());
                    raw.awaitDone(60);
                }
            } else {
                run = workerRun(c, dir, WorkerProcess.Options.SAME_PLUGIN, Map.of(id, fileSink(topic, out, 1)), n,
                        () -> linesIn(out), out.toString());
            }
            if (Files.mismatch(out, sourceFile) != -1) {
                throw new IllegalStateException("the sink file differs from the source file at byte " + Files.mismatch(out, sourceFile));
            }
            return run;
        });
    }

    private static Map<String, String> fileSink(String topic, Path out, int tasks) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", FILE_SINK_CLASS);
        config.put("tasks.max", String.valueOf(tasks));
        config.put("file", out.toString());
        config.put("topics", topic);
        return config;
    }

    /** Lines in a file of fixed-length lines (every line of the data set is {@link Records#LINE_CHARS} + 1 bytes). */
    private static long linesIn(Path file) throws IOException {
        return Files.exists(file) ? Files.size(file) / (Records.LINE_CHARS + 1) : 0;
    }

    // ------------------------------------------------------------------ Struct records

    List<Metric> structSource() throws Exception {
        long n = setup.lines();
        return throughput(STRUCT_SOURCE, SAME_PLUGIN, n, "records", (c, round, dir, id) -> {
            String topic = id;
            kafka.createTopic(topic);
            try {
                Map<String, String> config = new LinkedHashMap<>();
                config.put("connector.class", "org.apache.kafka.connect.tools.SchemaSourceConnector");
                config.put("tasks.max", "1");
                config.put("topic", topic);
                config.put("num.messages", String.valueOf(n));
                config.put("throughput", "-1");
                config.put("multiple.schema", "false");
                config.put("partition.count", "1");
                Throughput.Run run = workerRun(c, dir, WorkerProcess.Options.SAME_PLUGIN, Map.of(id, config), n,
                        () -> kafka.endOffset(topic), topic);
                if (round == 0) {
                    ConsumerRecord<byte[], byte[]> first = kafka.firstRecord(topic);
                    String v = first == null ? "" : new String(first.value(), StandardCharsets.UTF_8);
                    if (!v.startsWith("{\"schema\":{\"type\":\"struct\"")) {
                        throw new IllegalStateException("not a Struct envelope: " + v);
                    }
                }
                return run;
            } finally {
                kafka.deleteTopic(topic);
            }
        });
    }

    /** SchemaSourceTask's value schema, rebuilt: the struct-sink's records. */
    private static final Schema STRUCT_SCHEMA = SchemaBuilder.struct().name("record")
            .field("boolean", Schema.BOOLEAN_SCHEMA).field("int", Schema.INT32_SCHEMA).field("long", Schema.INT64_SCHEMA)
            .field("float", Schema.FLOAT32_SCHEMA).field("double", Schema.FLOAT64_SCHEMA)
            .field("partitioning", Schema.INT32_SCHEMA).field("id", Schema.INT32_SCHEMA).field("seqno", Schema.INT64_SCHEMA)
            .build();

    private static Struct struct(long seqno) {
        return new Struct(STRUCT_SCHEMA).put("boolean", true).put("int", 12).put("long", 12L).put("float", 12.2f)
                .put("double", 12.2).put("partitioning", 0).put("id", 0).put("seqno", seqno);
    }

    List<Metric> structSink() throws Exception {
        long n = setup.lines();
        String topic = "structs-1p";
        Path expected = setup.workDir().resolve("data").resolve("structs-" + n + ".txt");
        kafka.createTopic(topic);
        JsonConverter json = new JsonConverter();
        json.configure(Map.of("schemas.enable", "true", "converter.type", "value"));
        long t = System.nanoTime();
        kafka.fillValues(topic, new Iterator<>() {
            long i;

            public boolean hasNext() {
                return i < n;
            }

            public byte[] next() {
                return json.fromConnectData(topic, STRUCT_SCHEMA, struct(i++));
            }
        });
        try (BufferedWriter w = Files.newBufferedWriter(expected, StandardCharsets.UTF_8)) {
            for (long i = 0; i < n; i++) {
                w.write(struct(i).toString());
                w.write('\n');
            }
        }
        long bytes = Files.size(expected);
        Scenarios.log("filled %s with %,d Struct envelopes in %.1f s", topic, n, (System.nanoTime() - t) / 1e9);
        try {
            // progress in bytes of the expected file, turned into records at the average line length
            double perLine = bytes / (double) n;
            return throughput(STRUCT_SINK, SAME_PLUGIN, n, "records", (c, round, dir, id) -> {
                Path out = dir.resolve("sink.txt");
                Throughput.Run run = workerRun(c, dir, WorkerProcess.Options.SAME_PLUGIN, Map.of(id, fileSink(topic, out, 1)), n,
                        () -> Files.exists(out) ? (Files.size(out) >= bytes ? n : (long) (Files.size(out) / perLine)) : 0, out.toString());
                if (Files.mismatch(out, expected) != -1) {
                    throw new IllegalStateException("the sink file differs from the Structs' toString() at byte " + Files.mismatch(out, expected));
                }
                return run;
            });
        } finally {
            kafka.deleteTopic(topic);
        }
    }

    // ------------------------------------------------------------------ parallelism

    List<Metric> parallelSource() throws Exception {
        long n = setup.lines() / 4 * 4;
        List<Path> quarters = quarters();
        return throughput(PARALLEL_SOURCE, SAME_PLUGIN, n, "records", (c, round, dir, id) -> {
            String topic = id;
            kafka.createTopic(topic, 8);
            try {
                Map<String, Map<String, String>> connectors = new LinkedHashMap<>();
                for (int i = 0; i < 4; i++) {
                    Map<String, String> config = new LinkedHashMap<>();
                    config.put("connector.class", FILE_SOURCE_CLASS);
                    config.put("tasks.max", "1");
                    config.put("file", quarters.get(i).toString());
                    config.put("topic", topic);
                    connectors.put(id + "-" + i, config);
                }
                Throughput.Run run = workerRun(c, dir, WorkerProcess.Options.SAME_PLUGIN, connectors, n,
                        () -> kafka.totalEndOffset(topic), topic);
                if (kafka.totalEndOffset(topic) != n) {
                    throw new IllegalStateException("topic holds " + kafka.totalEndOffset(topic) + " records, expected " + n);
                }
                return run;
            } finally {
                kafka.deleteTopic(topic);
            }
        });
    }

    /** The source file's lines in four files of a quarter each (written once). */
    private List<Path> quarters() throws IOException {
        long quarter = setup.lines() / 4;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            files.add(setup.workDir().resolve("data").resolve("quarter-" + i + "-of-" + setup.lines() + ".txt"));
        }
        if (Files.exists(files.get(3)) && Files.size(files.get(3)) == quarter * (Records.LINE_CHARS + 1)) {
            return files;
        }
        try (var lines = Files.lines(sourceFile, StandardCharsets.US_ASCII)) {
            Iterator<String> it = lines.iterator();
            for (Path f : files) {
                try (BufferedWriter w = Files.newBufferedWriter(f, StandardCharsets.US_ASCII)) {
                    for (long i = 0; i < quarter; i++) {
                        w.write(it.next());
                        w.write('\n');
                    }
                }
            }
        }
        return files;
    }

    List<Metric> parallelSink() throws Exception {
        long n = setup.lines();
        String topic = "lines-8p";
        kafka.createTopic(topic, 8);
        long t = System.nanoTime();
        kafka.fill(topic, sourceFile);
        Scenarios.log("filled %s (8 partitions) with %,d records in %.1f s", topic, n, (System.nanoTime() - t) / 1e9);
        try {
            return throughput(PARALLEL_SINK, SAME_PLUGIN, n, "records", (c, round, dir, id) -> {
                Path out = dir.resolve("sink.txt");
                Throughput.Run run = workerRun(c, dir, WorkerProcess.Options.SAME_PLUGIN, Map.of(id, fileSink(topic, out, 4)), n,
                        () -> linesIn(out), out.toString());
                if (Files.size(out) != sourceBytes) {
                    throw new IllegalStateException("the sink file holds " + Files.size(out) + " bytes, expected " + sourceBytes);
                }
                return run;
            });
        } finally {
            kafka.deleteTopic(topic);
        }
    }

    // ------------------------------------------------------------------ MirrorMaker 2

    List<Metric> mirror() throws Exception {
        return mirror(MIRROR);
    }

    /** MirrorMaker 2 ({@link #MIRROR}), or with exactly once on a one-worker cluster ({@link #EOS_MIRROR}). */
    List<Metric> mirror(String scenario) throws Exception {
        boolean exactlyOnce = scenario.equals(EOS_MIRROR);
        String topic = linesTopic();
        long n = setup.lines();
        return throughput(scenario, SAME_PLUGIN, n, "records", (c, round, dir, id) -> {
            String alias = "m" + c.id() + round + (id.endsWith("retry") ? "r" : "");
            String target = alias + "." + topic;
            Map<String, String> config = new LinkedHashMap<>();
            config.put("connector.class", "org.apache.kafka.connect.mirror.MirrorSourceConnector");
            config.put("tasks.max", "1");
            config.put("source.cluster.alias", alias);
            config.put("target.cluster.alias", "target");
            config.put("source.cluster.bootstrap.servers", setup.bootstrapServers());
            config.put("target.cluster.bootstrap.servers", setup.bootstrapServers());
            config.put("topics", topic);
            config.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
            config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
            config.put("replication.factor", "1");
            config.put("offset-syncs.topic.replication.factor", "1");
            config.put("sync.topic.configs.enabled", "false");
            config.put("sync.topic.acls.enabled", "false");
            if (!exactlyOnce) {
                try {
                    return workerRun(c, dir, WorkerProcess.Options.SAME_PLUGIN, Map.of(id, config), n,
                            () -> kafka.totalEndOffset(target), target);
                } finally {
                    kafka.deleteTopic(target);
                }
            }
            // MirrorMaker 2 gives exactly once only when its consumer reads committed records
            config.put("consumer.isolation.level", "read_committed");
            config.put("exactly.once.support", "required");
            config.put("transaction.boundary", "poll");
            return exactlyOnceRun(c, round, dir, id, config, target, n);
        });
    }

    // ------------------------------------------------------------------ start-up

    List<Metric> startup() throws Exception {
        Metric cold = new Metric(STARTUP, "JVM start → GET / answers, cold (no class-data archive)", "ms", false, null);
        Metric warm = new Metric(STARTUP, "JVM start → GET / answers, warm (own class-data archive)", "ms", false, null);
        Metric rss = new Metric(STARTUP, "RSS when REST answers, warm", "MiB", false, null);
        for (int round = 0; round < setup.runs(); round++) {
            for (Contender c : Scenarios.order(WORKERS, setup.contenders(), round)) {
                for (boolean isWarm : round % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                    Path dir = setup.workDir().resolve("runs").resolve(STARTUP + "-" + c.id() + "-" + round + (isWarm ? "-warm" : "-cold"));
                    WorkerProcess.Options options = isWarm ? WorkerProcess.Options.SAME_PLUGIN : WorkerProcess.Options.SAME_PLUGIN.cold();
                    boolean failed = false;
                    try (WorkerProcess w = WorkerProcess.start(c, setup, dir, options)) {
                        double ms = w.awaitRest(START_TIMEOUT);
                        (isWarm ? warm : cold).add(c, ms);
                        if (isWarm) {
                            rss.add(c, w.status().rssMiB());
                        }
                        Scenarios.log("%-16s run %d: %s start, REST after %.0f ms", c.label, round + 1, isWarm ? "warm" : "cold", ms);
                    } catch (RuntimeException | java.io.IOException e) {
                        (isWarm ? warm : cold).add(c, Double.NaN);
                        (isWarm ? warm : cold).note(c.label + " run " + (round + 1) + " failed: " + e.getMessage());
                        failed = true;
                    }
                    Scenarios.keepIfFailed(dir, failed);
                }
            }
        }
        return List.of(cold, warm, rss);
    }
}
