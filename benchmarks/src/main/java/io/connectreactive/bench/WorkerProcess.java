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

    /** Writes the worker's properties into {@code dir} (created) and starts its JVM. */
    static WorkerProcess start(Contender kind, Setup setup, Path dir) throws IOException {
        Files.createDirectories(dir);
        int port = freePort();
        Map<String, String> props = new LinkedHashMap<>(setup.commonWorkerSettings());
        props.put("listeners", "http://127.0.0.1:" + port);
        props.put("offset.storage.file.filename", dir.resolve("connect.offsets").toString());
        List<String> flags = new ArrayList<>();
        String classpath;
        String main;
        List<String> args = new ArrayList<>();
        if (kind == Contender.CONNECT_REACTIVE) {
            props.put("runtime.data.dir", dir.resolve("data").toString());
            classpath = setup.connectReactiveClasspath();
            main = "io.connectreactive.cli.Main";
            args.add("start");
        } else if (kind == Contender.KAFKA_CONNECT) {
            // plugin.path unset: connect-file is on the class path, as in the brief of issue 3
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
            classpath = setup.kafkaConnectClasspath();
            main = "org.apache.kafka.connect.cli.ConnectStandalone";
        } else {
            throw new IllegalArgumentException("not a worker: " + kind);
        }
        // e.g. BENCH_WORKER_OPTS=-XX:StartFlightRecording=filename=/tmp/w.jfr to profile a worker (README.md, Benchmarks)
        String extra = System.getenv("BENCH_WORKER_OPTS");
        if (extra != null && !extra.isBlank()) {
            flags.addAll(List.of(extra.trim().split("\\s+")));
        }
        Path properties = dir.resolve("worker.properties");
        try (Writer w = Files.newBufferedWriter(properties)) {
            for (Map.Entry<String, String> e : props.entrySet()) {
                w.write(e.getKey() + "=" + e.getValue() + "\n");
            }
        }
        args.add(properties.toString());
        ProcessBuilder pb;
        if (kind == Contender.CONNECT_REACTIVE) {
            // as users run it: through bin/connect-reactive (and so with the class-data archive it keeps),
            // with the same JVM flags as every contender
            List<String> javaOpts = new ArrayList<>(Setup.JVM_FLAGS);
            javaOpts.addAll(flags);
            List<String> cmd = new ArrayList<>(List.of(setup.repo().resolve("bin/connect-reactive").toString()));
            cmd.addAll(args);
            pb = new ProcessBuilder(cmd);
            pb.environment().put("JAVA_OPTS", String.join(" ", javaOpts));
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        } else {
            pb = new ProcessBuilder(Setup.jvmCommand(classpath, main, flags, args));
        }
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
     * Has bin/connect-reactive write its class-data archive (it does when a worker first stops
     * cleanly), so that every measured run starts as a user's second start does.
     */
    static void prepareClassArchive(Setup setup, Path dir) throws IOException, InterruptedException {
        if (!setup.contenders().contains(Contender.CONNECT_REACTIVE)
                || Files.exists(setup.repo().resolve("target/connect-reactive.jsa"))) {
            return;
        }
        try (WorkerProcess w = start(Contender.CONNECT_REACTIVE, setup, dir)) {
            w.awaitRest(Duration.ofSeconds(120));
        }
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

    /** {@code POST /connectors}; fails unless the worker answers 201. */
    void createConnector(String name, Map<String, String> config) throws IOException, InterruptedException {
        Map<String, Object> body = Map.of("name", name, "config", config);
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/connectors"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException(kind.label + ": creating " + name + " answered " + r.statusCode() + " " + r.body());
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
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
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
}
