package io.connectreactive.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one invocation of the harness measures and with what: sizes, run counts, paths, the shared
 * broker and the settings every contender gets. Built once by {@link Bench}; immutable.
 *
 * @param quick            the short development run
 * @param lines            lines in the source file and records in the sink topic
 * @param runs             runs per contender and scenario (interleaved)
 * @param latencySamples   latency samples per run
 * @param taskCounts       footprint: numbers of source tasks to measure beyond one connector
 * @param repo             the connect-reactive checkout (its target/ holds the worker's jar and lib/)
 * @param benchDir         benchmarks/
 * @param workDir          scratch space, wiped at start (benchmarks/work)
 * @param bootstrapServers the shared broker
 * @param contenders       who runs (cr, kc, raw and limit by default; fewer to profile one)
 * @param busyTasks        busy-tasks scenario: source tasks, each offering {@code busyRate} records/s
 * @param busyRate         busy-tasks scenario: records per second per task
 * @param busySeconds      busy-tasks scenario: the measured window, after all tasks run and a warm-up
 */
record Setup(boolean quick, long lines, int runs, int latencySamples, List<Integer> taskCounts,
             Path repo, Path benchDir, Path workDir, String bootstrapServers, List<Contender> contenders,
             int busyTasks, int busyRate, int busySeconds) {

    /** JVM flags of every contender JVM (workers and raw clients): Kafka Connect's heap maximum, a small start. */
    static final List<String> JVM_FLAGS = List.of("-Xms64m", "-Xmx2g", "-XX:+UseG1GC");

    /**
     * How often source offsets are stored and sink offsets committed: 1 s, shorter than every
     * measured window, so that offset commits happen inside it (issue 9) on both runtimes.
     */
    static final String OFFSET_FLUSH_INTERVAL_MS = "1000";

    /** Where the same-plugin scenarios' plugin.path points (one directory per plugin), for both runtimes. */
    Path pluginDir() {
        return workDir.resolve("plugins");
    }

    /** The class-data-sharing archives of the warm starts, one per runtime (written by {@link WorkerProcess#prepareClassArchives}). */
    Path classArchive(Contender c) {
        return workDir.resolve("cds").resolve(c.id() + ".jsa");
    }

    /**
     * Producer settings given to every contender: the source producers of both workers (as
     * {@code producer.*}) and the raw producer. Kafka Connect's own source-producer settings
     * (Worker.baseProducerConfigs: acks=all, one request in flight, so records stay in order
     * without idempotence) and the Kafka 4 client defaults, except {@code batch.size}: 256 KiB
     * instead of 16 KiB, so that with one request in flight the contenders are limited by their
     * own per-record work rather than by one 16 KiB request per broker round trip (which on this
     * shared 2-core machine capped even the raw producer at ~37,000 records/s).
     */
    static Map<String, String> producerSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("acks", "all");
        m.put("linger.ms", "5");
        m.put("batch.size", "262144");
        m.put("compression.type", "none");
        m.put("max.in.flight.requests.per.connection", "1");
        m.put("enable.idempotence", "false");
        m.put("buffer.memory", "33554432");
        return m;
    }

    /** The worker settings both workers share (bootstrap, converters, offsets, producer). */
    Map<String, String> commonWorkerSettings() {
        return commonWorkerSettings(true);
    }

    /**
     * The worker settings both workers share; without {@code producer.*} when {@code sameProducer}
     * is false (defaults against defaults: each runtime's own source-producer settings).
     */
    Map<String, String> commonWorkerSettings(boolean sameProducer) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("bootstrap.servers", bootstrapServers);
        m.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        m.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        m.put("key.converter.schemas.enable", "true");
        m.put("value.converter.schemas.enable", "true");
        m.put("offset.flush.interval.ms", OFFSET_FLUSH_INTERVAL_MS);
        if (sameProducer) {
            producerSettings().forEach((k, v) -> m.put("producer." + k, v));
        }
        return m;
    }

    /** connect-reactive's class path: what bin/connect-reactive runs. */
    String connectReactiveClasspath() {
        return repo.resolve("target/connect-reactive.jar") + ":" + repo.resolve("target/lib") + "/*";
    }

    /**
     * Apache Kafka Connect's class path, resolved by benchmarks/kafka-connect/pom.xml: every jar of
     * target/kc-lib in name order, then connect-file's only when {@code withConnectFile} (the built-in
     * scenarios, as in Kafka's quickstart); the same-plugin scenarios load it from plugin.path. Last,
     * so that the class-data archive written without it still matches (its class path is a prefix).
     */
    String kafkaConnectClasspath(boolean withConnectFile) {
        try (var jars = java.nio.file.Files.list(benchDir.resolve("target/kc-lib"))) {
            String cp = jars.filter(p -> p.toString().endsWith(".jar"))
                    .filter(p -> !p.getFileName().toString().startsWith("connect-file-"))
                    .map(Path::toString).sorted().collect(java.util.stream.Collectors.joining(":"));
            return withConnectFile ? cp + ":" + connectFileJar() : cp;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The limit loop's classes ({@code io.connectreactive.bench.limit}), packaged by {@link Plugins#prepare}. */
    Path limitJar() {
        return workDir.resolve("limit").resolve("bench-limit.jar");
    }

    /**
     * The limit loop's class path: its own jar, then Kafka Connect's class path without connect-file
     * (the same-plugin scenarios load it from plugin.path, as both runtimes do).
     */
    String limitClasspath() {
        return limitJar() + ":" + kafkaConnectClasspath(false);
    }

    /** Apache's connect-file jar in target/kc-lib (copied into the shared plugin.path). */
    Path connectFileJar() {
        return benchDir.resolve("target/kc-lib/connect-file-4.3.1.jar");
    }

    /**
     * {@code BENCH_WORKER_OPTS}, split on white space: further flags for the workers and the limit loop,
     * e.g. {@code -XX:StartFlightRecording=filename=/tmp/%p.jfr} to profile them (README.md, Benchmarks).
     */
    static List<String> profileFlags() {
        String extra = System.getenv("BENCH_WORKER_OPTS");
        return extra == null || extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"));
    }

    static List<String> jvmCommand(String classpath, String mainClass, List<String> extraFlags, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(extraFlags);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }
}
