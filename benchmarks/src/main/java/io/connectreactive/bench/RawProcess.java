package io.connectreactive.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The harness's handle on a {@link RawClients} JVM or a limit loop's JVM
 * ({@link io.connectreactive.bench.limit.LimitLoop}): started with the same JVM flags as the
 * workers, waited for until its client exists or its plugins are loaded ({@code READY}), then
 * released with {@link #go()} when the clock starts. Used by one scenario thread at a time.
 */
final class RawProcess implements AutoCloseable {

    private final Process process;
    private final long startNanos;
    private final BufferedReader out;
    private final Writer in;
    private final Path log;

    private RawProcess(Process process, long startNanos, Path log) {
        this.process = process;
        this.startNanos = startNanos;
        this.log = log;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    static RawProcess produce(Setup setup, Path dir, String topic, Path sourceFile) throws IOException {
        return produce(setup, dir, topic, sourceFile, Setup.producerSettings());
    }

    /** A raw producer with {@code settings} (empty: the Kafka client's defaults). */
    static RawProcess produce(Setup setup, Path dir, String topic, Path sourceFile, java.util.Map<String, String> producerSettings)
            throws IOException {
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.putAll(producerSettings);
        Path settings = dir.resolve("producer.properties");
        try (var w = Files.newBufferedWriter(settings)) {
            p.store(w, "raw producer: the same settings as the workers' producer.*");
        }
        return start(dir, List.of("produce", setup.bootstrapServers(), topic, sourceFile.toString(), settings.toString()));
    }

    static RawProcess consume(Setup setup, Path dir, String topic, Path sinkFile, String group, long count) throws IOException {
        Files.createDirectories(dir);
        return start(dir, List.of("consume", setup.bootstrapServers(), topic, sinkFile.toString(), group, String.valueOf(count)));
    }

    private static RawProcess start(Path dir, List<String> args) throws IOException {
        return start(dir, dir.resolve("raw.log"), System.getProperty("java.class.path"), RawClients.class.getName(),
                List.of("-Dlogback.configurationFile=" + quietLogback(dir)), args);
    }

    /**
     * A limit loop ({@link io.connectreactive.bench.limit.LimitLoop}) on Kafka Connect's class path
     * with the workers' JVM flags and a GC log, running {@code connectors} (name → configuration)
     * with {@code worker} (the workers' settings) until {@code count} records went through.
     */
    static RawProcess limit(Setup setup, Path dir, Map<String, String> worker, Map<String, Map<String, String>> connectors,
                            long count) throws IOException {
        Files.createDirectories(dir);
        List<String> args = new ArrayList<>();
        args.add(store(dir.resolve("worker.properties"), worker, "the workers' settings").toString());
        args.add(String.valueOf(count));
        int i = 0;
        for (Map.Entry<String, Map<String, String>> e : connectors.entrySet()) {
            Map<String, String> config = new LinkedHashMap<>(e.getValue());
            config.put("name", e.getKey());
            args.add(store(dir.resolve("connector-" + i++ + ".properties"), config, "connector " + e.getKey()).toString());
        }
        Path log4j = dir.resolve("log4j2.properties");
        Files.writeString(log4j, """
                rootLogger.level = WARN
                rootLogger.appenderRef.stderr.ref = STDERR
                appender.stderr.type = Console
                appender.stderr.name = STDERR
                appender.stderr.target = SYSTEM_ERR
                appender.stderr.layout.type = PatternLayout
                appender.stderr.layout.pattern = [%d] %p %m (%c)%n
                """);
        // the workers' flags (Setup.JVM_FLAGS and the GC log), without a class-data archive, as the raw clients
        List<String> flags = new ArrayList<>(List.of("-Xlog:gc:file=" + dir.resolve("gc.log") + ":uptime", "-Xlog:cds=off,cds+dynamic=off",
                "-Dlog4j2.configurationFile=" + log4j.toUri()));
        flags.addAll(Setup.profileFlags());
        return start(dir, dir.resolve("limit.log"), setup.limitClasspath(), "io.connectreactive.bench.limit.LimitLoop", flags, args);
    }

    private static Path store(Path file, Map<String, String> settings, String comment) throws IOException {
        Properties p = new Properties();
        p.putAll(settings);
        try (var w = Files.newBufferedWriter(file)) {
            p.store(w, comment);
        }
        return file;
    }

    private static RawProcess start(Path dir, Path log, String classpath, String main, List<String> flags, List<String> args)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Setup.jvmCommand(classpath, main, flags, new ArrayList<>(args)))
                .directory(dir.toFile())
                .redirectError(log.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        Children.register(p);
        RawProcess raw = new RawProcess(p, t0, log);
        raw.expect("READY");
        return raw;
    }

    private static Path quietLogback(Path dir) throws IOException {
        Path f = dir.resolve("logback-raw.xml");
        Files.writeString(f, """
                <configuration>
                  <appender name="ERR" class="ch.qos.logback.core.ConsoleAppender">
                    <target>System.err</target>
                    <encoder><pattern>%d %-5level %logger{36} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="WARN"><appender-ref ref="ERR"/></root>
                </configuration>
                """);
        return f;
    }

    /** CPU seconds the raw client's JVM used so far (/proc/PID/stat). */
    double cpuSeconds() {
        return WorkerProcess.ProcStatus.cpuSeconds(process.pid());
    }

    /** Fails when the process has failed (exited, not with 0): a run whose contender died ends now, not at the stall timeout. */
    void checkAlive() {
        if (!process.isAlive() && process.exitValue() != 0) {
            throw new IllegalStateException("exited with " + process.exitValue() + "; see " + log);
        }
    }

    /** The GC log's pauses (a limit loop's; complete once the process has exited). */
    WorkerProcess.GcLog gcLog() {
        return WorkerProcess.GcLog.read(log.resolveSibling("gc.log"));
    }

    /** Milliseconds from the JVM's start to {@code nanoTime}: the time base of its GC log. */
    double uptimeMillis(long nanoTime) {
        return (nanoTime - startNanos) / 1e6;
    }

    /** Starts the work (the clock has just started). */
    void go() throws IOException {
        in.write("GO\n");
        in.flush();
    }

    /** Waits for the process to print DONE and exit. */
    void awaitDone(long timeoutSeconds) throws IOException, InterruptedException {
        expect("DONE");
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException("did not exit; see " + log);
        }
    }

    private void expect(String word) throws IOException {
        String line;
        while ((line = out.readLine()) != null) {
            if (line.equals(word)) {
                return;
            }
        }
        throw new IllegalStateException("ended before " + word + "; see " + log);
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Children.unregister(process);
    }
}
