package io.connectreactive.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.connectreactive.kafka.embedded.EmbeddedKafka;

/**
 * A Kafka broker in a JVM of its own, on a port and data directory the test chooses, so that a test
 * can kill it and start it again (its data survives) while a worker runs against it.
 */
public final class BrokerProcess implements AutoCloseable {

    private final Process process;
    private final int port;

    private BrokerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Entry point of the broker's JVM: {@code BrokerProcess <data dir> <port>}; runs until killed. */
    public static void main(String[] args) throws InterruptedException {
        new EmbeddedKafka(Path.of(args[0]), Integer.parseInt(args[1])).start();
        Thread.currentThread().join();
    }

    /** Starts the broker and returns once it accepts connections. */
    public static BrokerProcess start(Path dataDir, int port, Path log) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-cp", System.getProperty("java.class.path"), BrokerProcess.class.getName(), dataDir.toString(), String.valueOf(port)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("The broker process ended: " + WorkerProcess.tail(log, 30));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return new BrokerProcess(p, port);
            } catch (IOException notYet) {
                Thread.onSpinWait();
                p.waitFor(java.util.concurrent.TimeUnit.MILLISECONDS.toMillis(200), java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("The broker did not listen on " + port + " within 90 s: " + WorkerProcess.tail(log, 30));
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** SIGKILL, as a crashed or unplugged broker. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        kill9();
    }
}
