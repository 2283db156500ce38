package io.connectreactive.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One standalone worker JVM — connect-reactive or Apache Kafka Connect — started by the harness
 * with its own work directory, the shared broker and a free REST port on 127.0.0.1, and driven
 * over its REST API (the same calls for both). Used by one scenario thread at a time.
 */
final class WorkerProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Contender kind;
    private final Process process;
    private final long startNanos;
    private final String base;
    private final Path dir;

    private WorkerProcess(Contender kind, Process process, long startNanos, int port, Path dir) {
        this.kind = kind;
        this.process = process;
        this.startNanos = startNanos;
        this.base = "http://127.0.0.1:" + port;
        this.dir = dir;
    }

    /**
     * How a worker is started. Everything here applies to both runtimes alike.
     *
     * @param pluginPath   plugin.path = the shared plugin directory (Apache's connect-file, the fixed-rate
     *                     test connector); otherwise none (the built-in scenarios: connect-reactive's own file
     *                     connectors, connect-file on Kafka Connect's class path)
     * @param sameProducer the harness's producer settings as {@code producer.*}; false: each runtime's defaults
     * @param warm         start with the runtime's class-data archive ({@link #prepareClassArchives}); false: cold
     * @param extra        further worker properties
     */
    record Options(boolean pluginPath, boolean sameProducer, boolean warm, Map<String, String> extra) {
        /** Today's built-in scenarios: no plugin.path, the same producer settings, warm. */
        static final Options BUILT_IN = new Options(false, true, true, Map.of());
        /** The same-plugin scenarios: plugin.path on both, the same producer settings, warm. */
        static final Options SAME_PLUGIN = new Options(true, true, true, Map.of());

        Options cold() {
            return new Options(pluginPath, sameProducer, false, extra);
        }

        Options defaults() {
            return new Options(pluginPath, false, warm, extra);
        }

        Options with(String key, String value) {
            Map<String, String> m = new LinkedHashMap<>(extra);
            m.put(key, value);
            return new Options(pluginPath, sameProducer, warm, m);
        }
    }

    /** Writes the worker's properties into {@code dir} (created) and starts its JVM, as today's scenarios did. */
    static WorkerProcess start(Contender kind, Setup setup, Path dir) throws IOException {
        return start(kind, setup, dir, Options.BUILT_IN);
    }

    /** Writes the worker's properties into {@code dir} (created) and starts its JVM. */
    static WorkerProcess start(Contender kind, Setup setup, Path dir, Options options) throws IOException {
        return start(kind, setup, dir, options, List.of());
    }

    private static WorkerProcess start(Contender kind, Setup setup, Path dir, Options options, List<String> cdsFlags)
            throws IOException {
        Files.createDirectories(dir);
        int port = freePort();
        Map<String, String> props = new LinkedHashMap<>(setup.commonWorkerSettings(options.sameProducer()));
        props.put("listeners", "http://127.0.0.1:" + port);
        // a group.id among the extra settings: a one-worker cluster (Kafka Connect's ConnectDistributed), its
        // internal topics named after the group
        String group = options.extra().get("group.id");
        if (group == null) {
            props.put("offset.storage.file.filename", dir.resolve("connect.offsets").toString());
        } else {
            Map.of("config", "configs", "offset", "offsets", "status", "status").forEach((store, topic) -> {
                props.put(store + ".storage.topic", group + "-" + topic);
                props.put(store + ".storage.replication.factor", "1");
            });
            if (kind == Contender.CONNECT_REACTIVE) {
                int clusterPort = freePort();
                props.put("runtime.cluster.host", "127.0.0.1");
                props.put("runtime.cluster.port", String.valueOf(clusterPort));
                props.put("runtime.cluster.members", "127.0.0.1:" + clusterPort);
            }
        }
        if (options.pluginPath()) {
            props.put("plugin.path", setup.pluginDir().toString());
        }
        props.putAll(options.extra());
        // the same JVM flags for both runtimes: heap, G1, a GC log (pauses and heap after GC), and the
        // runtime's own class-data archive for a warm start (none for a cold one)
        List<String> flags = new ArrayList<>();
        flags.add("-Xlog:gc:file=" + dir.resolve("gc.log") + ":uptime");
        flags.add("-Xlog:cds=off,cds+dynamic=off");
        if (!cdsFlags.isEmpty()) {
            flags.addAll(cdsFlags);
        } else if (options.warm() && Files.exists(setup.classArchive(kind))) {
            flags.add("-XX:SharedArchiveFile=" + setup.classArchive(kind));
        }
        String classpath;
        String main;
        List<String> args = new ArrayList<>();
        if (kind == Contender.CONNECT_REACTIVE) {
            props.put("runtime.data.dir", dir.resolve("data").toString());
            // e.g. BENCH_CR_PROPS=runtime.task.threads=platform: settings of connect-reactive's own, for its workers only
            String own = System.getenv("BENCH_CR_PROPS");
            if (own != null && !own.isBlank()) {
                for (String kv : own.split(",")) {
                    int eq = kv.indexOf('=');
                    props.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
                }
            }
            classpath = setup.connectReactiveClasspath();
            main = "io.connectreactive.cli.Main";
            args.add("start");
        } else if (kind == Contender.KAFKA_CONNECT) {
            Path log4j = dir.resolve("log4j2.properties");
            Files.writeString(log4j, """
                    rootLogger.level = WARN
                    rootLogger.appenderRef.stdout.ref = STDOUT
                    appender.stdout.type = Console
                    appender.stdout.name = STDOUT
                    appender.stdout.layout.type = PatternLayout
                    appender.stdout.layout.pattern = [%d] %p %m (%c)%n
                    logger.connect.name = org.apache.kafka.connect.runtime.Connect
                    logger.connect.level = INFO
                    """);
            flags.add("-Dlog4j2.configurationFile=" + log4j.toUri());
            // connect-file on the class path only when no plugin.path brings it (the built-in scenarios)
            classpath = setup.kafkaConnectClasspath(!options.pluginPath());
            main = group == null ? "org.apache.kafka.connect.cli.ConnectStandalone" : "org.apache.kafka.connect.cli.ConnectDistributed";
        } else {
            throw new IllegalArgumentException("not a worker: " + kind);
        }
        flags.addAll(Setup.profileFlags());
        Path properties = dir.resolve("worker.properties");
        try (Writer w = Files.newBufferedWriter(properties)) {
            for (Map.Entry<String, String> e : props.entrySet()) {
                w.write(e.getKey() + "=" + e.getValue() + "\n");
            }
        }
        args.add(properties.toString());
        // Both runtimes as a plain java command with the same flags: connect-reactive's is the command
        // bin/connect-reactive runs, without the launcher's own class-data archive (the warm start uses
        // an archive written the same way for each runtime, see prepareClassArchives).
        ProcessBuilder pb = new ProcessBuilder(Setup.jvmCommand(classpath, main, flags, args));
        pb.directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("worker.log").toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        Children.register(p);
        return new WorkerProcess(kind, p, t0, port, dir);
    }

    Contender kind() {
        return kind;
    }

    /**
     * Writes each runtime's class-data archive the way bin/connect-reactive writes its own: a worker
     * started with {@code -XX:ArchiveClassesAtExit}, left until REST answers, then stopped cleanly.
     * Warm starts of both runtimes use their archive; cold starts use none (the JDK's base archive only).
     */
    static void prepareClassArchives(Setup setup) throws IOException, InterruptedException {
        for (Contender c : List.of(Contender.CONNECT_REACTIVE, Contender.KAFKA_CONNECT)) {
            Path jsa = setup.classArchive(c);
            if (!setup.contenders().contains(c) || Files.exists(jsa)) {
                continue;
            }
            Files.createDirectories(jsa.getParent());
            Path dir = setup.workDir().resolve("runs").resolve("class-archive-" + c.id());
            try (WorkerProcess w = start(c, setup, dir, Options.SAME_PLUGIN.cold(), List.of("-XX:ArchiveClassesAtExit=" + jsa))) {
                w.awaitRest(Duration.ofSeconds(120));
                w.close(Duration.ofSeconds(180)); // writing the archive at exit takes a while on a busy machine
            }
            if (!Files.exists(jsa)) {
                System.out.println("  no class-data archive was written for " + c.label + "; its warm starts are cold");
            }
        }
    }

    /** Milliseconds from the JVM's start to now: the time base of its GC log's uptime decorations. */
    double uptimeMillis(long nanoTime) {
        return (nanoTime - startNanos) / 1e6;
    }

    /** CPU seconds (user + system) the worker's JVM used so far, from /proc/PID/stat. */
    double cpuSeconds() {
        return ProcStatus.cpuSeconds(process.pid());
    }

    /** The worker's GC pauses as its GC log lists them so far (complete after {@link #close()}). */
    GcLog gcLog() {
        return GcLog.read(dir.resolve("gc.log"));
    }

    Path dir() {
        return dir;
    }

    /** Waits until {@code GET /} answers 200; returns the milliseconds since the JVM was started. */
    double awaitRest(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/")).timeout(Duration.ofSeconds(2)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(kind.label + " exited with " + process.exitValue() + " before REST answered; see " + dir.resolve("worker.log"));
            }
            try {
                HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return (System.nanoTime() - startNanos) / 1e6;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException(kind.label + " REST did not answer within " + timeout + "; see " + dir.resolve("worker.log"));
    }

    /** {@code POST /connectors}; fails unless the worker answers 201 within 60 s. */
    void createConnector(String name, Map<String, String> config) throws IOException, InterruptedException {
        createConnector(name, config, Duration.ofSeconds(60));
    }

    /**
     * {@code POST /connectors}; fails unless the worker answers 201 within {@code timeout}. A 409 (a worker of a
     * cluster still joining its group) or 503 (still starting) is asked again after 100 ms.
     */
    void createConnector(String name, Map<String, String> config, Duration timeout) throws IOException, InterruptedException {
        Map<String, Object> body = Map.of("name", name, "config", config);
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/connectors"))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build();
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        while ((r.statusCode() == 409 || r.statusCode() == 503) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        }
        if (r.statusCode() != 201) {
            throw new IllegalStateException(kind.label + ": creating " + name + " answered " + r.statusCode() + " " + r.body());
        }
    }

    /** {@code DELETE /connectors/{name}}: its tasks stop; fails unless the worker answers 204 within {@code timeout}. */
    void deleteConnector(String name, Duration timeout) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/connectors/" + name)).timeout(timeout).DELETE().build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 204) {
            throw new IllegalStateException(kind.label + ": deleting " + name + " answered " + r.statusCode() + " " + r.body());
        }
    }

    /** Whether the connector and all its tasks (at least one) are RUNNING. */
    boolean running(String name) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/connectors/" + name + "/status"))
                .timeout(Duration.ofSeconds(30)).GET().build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            return false;
        }
        JsonNode status = JSON.readTree(r.body());
        if (!"RUNNING".equals(status.path("connector").path("state").asText())) {
            return false;
        }
        JsonNode tasks = status.path("tasks");
        if (!tasks.isArray() || tasks.isEmpty()) {
            return false;
        }
        for (JsonNode t : tasks) {
            String state = t.path("state").asText();
            if ("FAILED".equals(state)) {
                throw new IllegalStateException(kind.label + ": task of " + name + " FAILED: " + t.path("trace").asText());
            }
            if (!"RUNNING".equals(state)) {
                return false;
            }
        }
        return true;
    }

    /** Waits until every named connector runs; returns how many do (all of them, or fewer at the deadline). */
    int awaitRunning(Collection<String> names, Duration timeout) throws IOException, InterruptedException {
        Set<String> waiting = new LinkedHashSet<>(names);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!waiting.isEmpty() && System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(kind.label + " died (exit " + process.exitValue() + "); see " + dir.resolve("worker.log"));
            }
            waiting.removeIf(n -> {
                try {
                    return running(n);
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            });
            if (!waiting.isEmpty()) {
                Thread.sleep(100);
            }
        }
        return names.size() - waiting.size();
    }

    /** Resident memory and threads of the worker's JVM, from /proc/PID/status. */
    ProcStatus status() {
        return ProcStatus.of(process.pid());
    }

    /** SIGTERM, then SIGKILL if the worker has not stopped in 20 s. */
    @Override
    public void close() {
        close(Duration.ofSeconds(20));
    }

    /** SIGTERM, then SIGKILL if the worker has not stopped within {@code grace}. */
    void close(Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        Children.unregister(process);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** VmRSS in MiB and the thread count of a process. */
    record ProcStatus(double rssMiB, int threads) {
        /** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux). */
        private static final double TICKS = 100.0;

        /** utime + stime of a process in seconds (fields 14 and 15 of /proc/PID/stat); NaN once it is gone. */
        static double cpuSeconds(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"), StandardCharsets.US_ASCII);
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
            } catch (IOException | RuntimeException e) {
                return Double.NaN;
            }
        }

        static ProcStatus of(long pid) {
            try {
                double rss = Double.NaN;
                int threads = -1;
                for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"), StandardCharsets.US_ASCII)) {
                    if (line.startsWith("VmRSS:")) {
                        rss = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                    } else if (line.startsWith("Threads:")) {
                        threads = Integer.parseInt(line.replaceAll("[^0-9]", ""));
                    }
                }
                return new ProcStatus(rss, threads);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read /proc/" + pid + "/status", e);
            }
        }
    }

    /**
     * The stop-the-world pauses of a worker's G1 log ({@code -Xlog:gc:file=...:uptime}): each line's
     * JVM uptime, pause time and heap after the collection.
     */
    record GcLog(List<double[]> pauses) {
        private static final Pattern LINE = Pattern.compile("^\\[([0-9.]+)s\\].*?(\\d+)M->(\\d+)M\\((\\d+)M\\) ([0-9.]+)ms");

        static GcLog read(Path file) {
            List<double[]> pauses = new ArrayList<>();
            try {
                if (Files.exists(file)) {
                    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                        Matcher m = LINE.matcher(line);
                        if (m.find()) {
                            // uptime ms, pause ms, heap after MiB
                            pauses.add(new double[] {Double.parseDouble(m.group(1)) * 1000, Double.parseDouble(m.group(5)),
                                    Double.parseDouble(m.group(3))});
                        }
                    }
                }
            } catch (IOException e) {
                // no log: no pauses
            }
            return new GcLog(pauses);
        }

        /** Milliseconds of pauses that began in [fromMs, toMs) of JVM uptime. */
        double pauseMillis(double fromMs, double toMs) {
            return pauses.stream().filter(p -> p[0] >= fromMs && p[0] < toMs).mapToDouble(p -> p[1]).sum();
        }

        /** The largest heap after a collection that began before {@code toMs} (the live set's peak); NaN without one. */
        double maxHeapAfterMiB(double toMs) {
            return pauses.stream().filter(p -> p[0] < toMs).mapToDouble(p -> p[2]).max().orElse(Double.NaN);
        }
    }
}
