package io.connectreactive.kafka.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running inside this JVM.
 *
 * <p>The log directory is formatted only when it has no {@code meta.properties}, so topics and
 * committed offsets survive a restart on the same directory. Listeners bind to 127.0.0.1 only.
 * {@link #prepare()} chooses the client port and the cluster id (a few milliseconds, nothing written): from
 * then on {@link #clusterId()} and {@link #bootstrapServers()} answer, so a worker can serve its REST
 * API while {@link #start()} formats a new directory and starts the broker on another thread.
 * {@link #prepare()}, {@link #start()} and {@link #close()} block ({@code start} 1–4 s); call them
 * from {@code main}, a thread of their own or a test extension, never from an event loop.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String HOST = "127.0.0.1";

    private final Path logDir;
    private final int requestedPort;
    private final Map<String, String> overrides;
    private final String protocol;
    private KafkaRaftServer server;
    private String clusterId;
    private String bootstrapServers;
    /** The client port chosen by {@link #prepare()}. */
    private int port;
    /** The controller listener's port, chosen by {@link #start()}. */
    private int controllerPort;

    /**
     * @param logDir where the broker keeps its data; created if missing
     * @param port the client port, or 0 for any free port
     */
    public EmbeddedKafka(Path logDir, int port) {
        this(logDir, port, Map.of());
    }

    /**
     * A broker with some of its settings changed (tests: {@code auto.create.topics.enable=false}).
     *
     * @param overrides broker settings applied over the defaults
     */
    public EmbeddedKafka(Path logDir, int port, Map<String, String> overrides) {
        this(logDir, port, overrides, "PLAINTEXT");
    }

    /**
     * A broker whose client (and inter-broker) listener speaks {@code protocol}, for tests of the
     * worker's client security: {@code SASL_PLAINTEXT} with the SASL settings in {@code overrides}
     * ({@code sasl.enabled.mechanisms}, {@code listener.name.sasl_plaintext.plain.sasl.jaas.config}, ...).
     *
     * @param protocol a Kafka security protocol: PLAINTEXT, SASL_PLAINTEXT, SSL or SASL_SSL
     */
    public EmbeddedKafka(Path logDir, int port, Map<String, String> overrides, String protocol) {
        this.logDir = logDir.toAbsolutePath();
        this.requestedPort = port;
        this.overrides = Map.copyOf(overrides);
        this.protocol = protocol;
    }

    /**
     * Chooses the client port and reads the cluster id from the log directory, or chooses a new one for a
     * new directory (which {@link #start()} formats with it); the broker does not run yet. Idempotent.
     */
    public synchronized EmbeddedKafka prepare() {
        if (bootstrapServers != null) {
            return this;
        }
        try {
            Files.createDirectories(logDir);
            port = requestedPort == 0 ? freePort() : requestedPort;
            Path meta = logDir.resolve("meta.properties");
            // a new directory is formatted by start(), with the cluster id chosen here
            clusterId = Files.exists(meta) ? readClusterId(meta) : Uuid.randomUuid().toString();
            bootstrapServers = HOST + ":" + port;
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare the embedded broker's log directory " + logDir, e);
        } catch (Exception e) {
            throw new IllegalStateException("Embedded Kafka broker failed to start: " + e.getMessage(), e);
        }
    }

    /** {@link #prepare()}s the broker if needed, then starts it and waits until it serves. */
    public synchronized EmbeddedKafka start() {
        if (server != null) {
            return this;
        }
        prepare();
        long t0 = System.nanoTime();
        try {
            // chosen now, not by prepare(), and outside the kernel's ephemeral range: a port free when chosen that another
            // process takes before the controller binds it halts the JVM (Kafka's fault handler for a controller that
            // cannot start), and the ephemeral range is where the kernel hands out ports to every connection
            controllerPort = chooseControllerPort();
            Properties props = brokerProperties(port, controllerPort);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(clusterId);
            }
            server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            server.startup();
        } catch (Exception e) {
            if (server != null) {
                try {
                    server.shutdown();
                } catch (RuntimeException ignored) {
                    // the start's failure is the one reported
                }
                server = null;
            }
            throw new IllegalStateException("Embedded Kafka broker failed to start: " + e.getMessage(), e);
        }
        LOG.info("Embedded Kafka broker started in {} ms: bootstrap.servers={} (data in {})",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), bootstrapServers, logDir);
        return this;
    }

    /** The id of the broker's cluster, the one its log directory holds or is formatted with; after {@link #prepare()}. */
    public String clusterId() {
        if (clusterId == null) {
            throw new IllegalStateException("embedded broker not prepared");
        }
        return clusterId;
    }

    /** Whether something already listens on 127.0.0.1:{@code port} (another worker's embedded broker). */
    public static boolean answers(int port) {
        if (port == 0) {
            return false;
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The controller listener's port; after {@link #start()}. */
    public synchronized int controllerListenerPort() {
        return controllerPort;
    }

    /**
     * A free port below the kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}, read from /proc), where
     * neither outgoing connections nor other programs' "any free port" listeners are given ports; else any free port.
     */
    static int chooseControllerPort() throws IOException {
        int low = ephemeralLow();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 50 && low > 12_000; i++) {
            int candidate = random.nextInt(10_000, low);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(HOST, candidate));
                return candidate;
            } catch (IOException taken) {
                // try another
            }
        }
        return freePort();
    }

    /** The lowest port of the kernel's ephemeral range; 0 when unknown. */
    static int ephemeralLow() {
        try (Reader r = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            // read as a stream: a /proc file's size is 0, and reading it by its size finds a part of it
            String range = new BufferedReader(r).readLine();
            return range == null ? 0 : Integer.parseInt(range.trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The {@code bootstrap.servers} value for clients of this broker; after {@link #prepare()}. */
    public String bootstrapServers() {
        if (bootstrapServers == null) {
            throw new IllegalStateException("embedded broker not prepared");
        }
        return bootstrapServers;
    }

    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
        LOG.info("Embedded Kafka broker stopped");
    }

    private void format(String newClusterId) throws Exception {
        new Formatter()
                .setClusterId(newClusterId)
                .setNodeId(1)
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setControllerListenerName("CONTROLLER")
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .run();
    }

    private static String readClusterId(Path meta) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(meta)) {
            p.load(r);
        }
        String id = p.getProperty("cluster.id");
        if (id == null || id.isBlank()) {
            throw new IOException(meta + " names no cluster.id");
        }
        return id;
    }

    private Properties brokerProperties(int port, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listeners", protocol + "://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", protocol + "://" + HOST + ":" + port);
        p.put("listener.security.protocol.map", protocol + ":" + protocol + ",CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", protocol);
        p.put("log.dirs", logDir.toString());
        p.put("metadata.log.dir", logDir.toString());
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "true");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // the 128 MiB default kills a small heap
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("background.threads", "2");
        p.putAll(overrides);
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(HOST, 0));
            return s.getLocalPort();
        }
    }
}
