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
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The harness's handle on a {@link RawClients} JVM: started with the same JVM flags as the workers,
 * waited for until its client exists ({@code READY}), then released with {@link #go()} when the
 * clock starts.
 */
final class RawProcess implements AutoCloseable {

    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final Path log;

    private RawProcess(Process process, Path log) {
        this.process = process;
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
        Path log = dir.resolve("raw.log");
        ProcessBuilder pb = new ProcessBuilder(Setup.jvmCommand(System.getProperty("java.class.path"),
                RawClients.class.getName(), List.of("-Dlogback.configurationFile=" + quietLogback(dir)), new ArrayList<>(args)))
                .directory(dir.toFile())
                .redirectError(log.toFile());
        Process p = pb.start();
        Children.register(p);
        RawProcess raw = new RawProcess(p, log);
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

    /** Starts the work (the clock has just started). */
    void go() throws IOException {
        in.write("GO\n");
        in.flush();
    }

    /** Waits for the process to print DONE and exit. */
    void awaitDone(long timeoutSeconds) throws IOException, InterruptedException {
        expect("DONE");
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException("raw client did not exit; see " + log);
        }
    }

    private void expect(String word) throws IOException {
        String line;
        while ((line = out.readLine()) != null) {
            if (line.equals(word)) {
                return;
            }
        }
        throw new IllegalStateException("raw client ended before " + word + "; see " + log);
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
