package io.connectreactive.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.connectreactive.config.ConfigProviders;
import io.connectreactive.config.WorkerConfig;
import io.connectreactive.herder.ConnectorValidator;
import io.connectreactive.herder.Herder;
import io.connectreactive.herder.StandaloneHerder;
import io.connectreactive.kafka.ClientConfigs;
import io.connectreactive.kafka.SharedProducer;
import io.connectreactive.kafka.embedded.EmbeddedKafka;
import io.connectreactive.metrics.ConnectMetrics;
import io.connectreactive.metrics.MeteredStatusStore;
import io.connectreactive.plugin.PluginDiscovery;
import io.connectreactive.plugin.PluginRegistry;
import io.connectreactive.rest.RestServer;
import io.connectreactive.model.TargetState;
import io.connectreactive.runtime.PluginMetricsRegistry;
import io.connectreactive.runtime.TaskServices;
import io.connectreactive.runtime.sink.SinkConsumers;
import io.connectreactive.runtime.Worker;
import io.connectreactive.runtime.exec.PluginExecutor;
import io.connectreactive.storage.ConfigStore;
import io.connectreactive.storage.OffsetStore;
import io.connectreactive.storage.StatusStore;
import io.connectreactive.storage.file.FileConfigStore;
import io.connectreactive.storage.file.FileOffsetStore;
import io.connectreactive.storage.kafka.KafkaConfigStore;
import io.connectreactive.storage.kafka.KafkaOffsetStore;
import io.connectreactive.storage.kafka.KafkaStatusStore;
import io.connectreactive.cluster.ClusteredHerder;
import io.connectreactive.cluster.Membership;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.connectreactive.storage.memory.MemoryStatusStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.utils.AppInfoParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one wiring class: builds a worker's object graph from its configuration (embedded broker if
 * needed, Vert.x, stores, shared producer, worker, herder, REST) and tears it down in the reverse
 * order. An embedded broker starts on a thread of its own beside the rest; until the worker has
 * started, {@link StartingRest} answers on the REST listeners. A standalone worker keeps configs and offsets in files; a clustered one (a {@code group.id})
 * runs Vert.x clustered over Hazelcast and keeps them in Kafka Connect's three topics. {@link #start} and {@link #stop} block; call them from {@code main} or a test, not
 * from an event loop.
 */
public final class ConnectWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectWorker.class);

    private final VertxOptions vertxOptions;
    private WorkerConfig config;
    private EmbeddedKafka broker;
    private Vertx vertx;
    private OffsetStore offsets;
    private SharedProducer producer;
    private PluginMetricsRegistry metrics;
    private ConnectMetrics connectMetrics;
    private ConfigProviders configProviders;
    private Admin admin;
    private Herder herder;
    private RestServer rest;
    private HazelcastClusterManager clusterManager;
    private ConfigStore configStore;
    private StatusStore statusStore;
    private int restPort;

    public ConnectWorker(VertxOptions vertxOptions) {
        this.vertxOptions = vertxOptions;
    }

    /** Starts everything; returns once REST answers and stored connectors were started. */
    public ConnectWorker start(WorkerConfig workerConfig) {
        long t0 = System.nanoTime();
        long startedAtMs = System.currentTimeMillis();
        config = workerConfig;
        if (config.embeddedBroker() && config.clustered() && EmbeddedKafka.answers(config.getInt(WorkerConfig.EMBEDDED_KAFKA_PORT))) {
            // a cluster on one machine: the first worker started the embedded broker, the others use it
            config = config.withBootstrapServers("127.0.0.1:" + config.getInt(WorkerConfig.EMBEDDED_KAFKA_PORT));
        }
        StartingRest starting = null;
        try {
            // the slow parts run side by side: the embedded broker's start, the cluster-id round trip,
            // the plugin scan, client set-up
            CompletableFuture<EmbeddedKafka> brokerStart = null;
            if (config.embeddedBroker()) {
                broker = new EmbeddedKafka(config.dataDir().resolve("kafka"), config.getInt(WorkerConfig.EMBEDDED_KAFKA_PORT)).prepare();
                config = config.withBootstrapServers(broker.bootstrapServers());
                EmbeddedKafka b = broker;
                brokerStart = CompletableFuture.supplyAsync(b::start,
                        r -> new Thread(r, "cr-embedded-kafka-start").start());
            }
            WorkerConfig.Listener listener = config.listener();
            restPort = listener.port() == 0 ? freePort(listener.host()) : listener.port();
            String workerId = config.advertisedHost() + ":" + config.advertisedPort(restPort);

            AtomicInteger generation = new AtomicInteger();
            if (config.clustered()) {
                clusterManager = Membership.clusterManager(config, config.groupId(), workerId,
                        config.advertisedProtocol() + "://" + workerId);
                vertxOptions.getEventBusOptions().setHost(config.getString(WorkerConfig.CLUSTER_HOST));
                vertx = await(Vertx.builder().with(vertxOptions).withClusterManager(clusterManager).buildClustered());
                offsets = new KafkaOffsetStore(vertx, config);
                configStore = new KafkaConfigStore(vertx, config);
                statusStore = new KafkaStatusStore(vertx, config, generation::get);
            } else {
                vertx = Vertx.vertx(vertxOptions);
                offsets = new FileOffsetStore(vertx, config.offsetFile());
                configStore = new FileConfigStore(vertx, config.configFile());
                statusStore = new MemoryStatusStore();
            }
            List<WorkerConfig.Listener> listeners = new ArrayList<>(config.listeners());
            listeners.set(0, listener.withPort(restPort));
            if (brokerStart != null) {
                // REST answers GET / and /health (503 starting) while the broker starts; the rest 503
                starting = await(StartingRest.bind(vertx, config, listeners, broker.clusterId()));
            }
            // the plugin scan starts once REST answers: it would compete with Vert.x's start for the CPU
            CompletableFuture<PluginRegistry> scan = CompletableFuture.supplyAsync(
                    () -> new PluginRegistry(config.getList(WorkerConfig.PLUGIN_PATH),
                            PluginDiscovery.of(config.getString(WorkerConfig.PLUGIN_DISCOVERY))));
            ClientConfigs clients = new ClientConfigs(config);
            admin = Admin.create(clients.workerAdmin());
            // the embedded broker's id is in its log directory: no round trip, nor a wait for its start
            KafkaFuture<String> clusterIdLookup = broker != null
                    ? KafkaFuture.completedFuture(broker.clusterId())
                    : admin.describeCluster().clusterId();
            producer = new SharedProducer(vertx, clients.sharedProducer(),
                    new SharedProducer.QueueBound(config.getInt(WorkerConfig.SOURCE_MAX_QUEUED)));
            metrics = new PluginMetricsRegistry();
            connectMetrics = new ConnectMetrics(config.getBoolean(WorkerConfig.METRICS_JMX_ENABLE)).attach(vertx);
            connectMetrics.appInfo(workerId, AppInfoParser.getVersion(), AppInfoParser.getCommitId(), startedAtMs);
            connectMetrics.queuedRecords(producer.bound()::queued, producer.bound().max());
            connectMetrics.bindWorkerClient(producer.client());
            PluginRegistry plugins;
            try {
                plugins = scan.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
            configProviders = ConfigProviders.create(config, plugins);
            String clusterId = clusterId(clusterIdLookup, config.bootstrapServers());
            TaskServices services = new TaskServices(config, plugins, offsets,
                    new MeteredStatusStore(statusStore, connectMetrics),
                    producer, workerId, metrics, configProviders, admin, new PluginExecutor(vertx),
                    connectMetrics, SinkConsumers.of(config.getString(WorkerConfig.SINK_CONSUMERS), config.clustered(),
                    connectMetrics));
            Worker worker = new Worker(vertx, services);
            ConnectorValidator validator = new ConnectorValidator(plugins, config.clientOverridePolicy(),
                    config.exactlyOnceSourceEnabled(), config.clustered());
            herder = config.clustered()
                    ? new ClusteredHerder(vertx, worker, configStore, services.statuses(), validator, clusterId,
                            new Membership(vertx, clusterManager, config.groupId()), generation)
                    : new StandaloneHerder(vertx, worker, configStore, services.statuses(), validator, clusterId);
            rest = new RestServer(vertx, config, listeners, herder, plugins, validator);
            await(connectMetrics.watchEventLoops(vertx, vertxOptions.getEventLoopPoolSize()));
            if (brokerStart != null) {
                awaitBroker(brokerStart);
            }
            await(offsets.start());
            await(rest.start());
            if (starting != null) {
                await(starting.close());
                starting = null;
            }
            await(herder.start());
            LOG.info("Worker {} started in {} ms (Kafka at {})", workerId,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), config.bootstrapServers());
            return this;
        } catch (RuntimeException e) {
            if (starting != null) {
                awaitQuietly(starting.close());
            }
            close();
            throw e;
        }
    }

    /** Creates or updates a connector, as a connector file on the command line does. */
    public void putConnector(String name, Map<String, String> connectorConfig) {
        await(herder.putConnectorConfig(name, connectorConfig, true, TargetState.STARTED));
    }

    public Herder herder() {
        return herder;
    }

    /** The worker's shared source producer (its queue bound, for tests and metrics). */
    public SharedProducer producer() {
        return producer;
    }

    /** The worker's metrics (Micrometer registry, GET /metrics). */
    public ConnectMetrics metrics() {
        return connectMetrics;
    }

    public int restPort() {
        return restPort;
    }

    /** The port bound for one of the configured listeners or admin listeners (port 0 resolved), null if none. */
    public Integer restPort(WorkerConfig.Listener listener) {
        if (rest == null) {
            return null;
        }
        Integer port = rest.port(listener);
        return port != null ? port : listener.equals(config.listener()) ? Integer.valueOf(restPort) : null;
    }

    public String bootstrapServers() {
        return config.bootstrapServers();
    }

    public Vertx vertx() {
        return vertx;
    }

    /** Stops REST, then every task (draining and storing offsets), the producer, Vert.x and the broker. */
    @Override
    public void close() {
        try {
            if (rest != null) {
                awaitQuietly(rest.stop());
            }
            if (herder != null) {
                awaitQuietly(herder.stop());
            }
            if (offsets != null) {
                awaitQuietly(offsets.stop());
            }
            if (configStore != null) {
                awaitQuietly(configStore.stop());
            }
            if (statusStore != null) {
                awaitQuietly(statusStore.stop());
            }
            if (producer != null) {
                awaitQuietly(producer.close(vertx));
            }
            if (metrics != null) {
                metrics.close();
            }
            if (connectMetrics != null) {
                connectMetrics.close();
            }
            if (configProviders != null) {
                configProviders.close();
            }
            if (vertx != null) {
                // a clustered worker leaves its cluster here: its tasks stopped above, the others take them over now
                awaitQuietly(vertx.close());
            }
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
        } finally {
            rest = null;
            herder = null;
            offsets = null;
            configStore = null;
            statusStore = null;
            clusterManager = null;
            producer = null;
            metrics = null;
            connectMetrics = null;
            configProviders = null;
            admin = null;
            vertx = null;
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
        LOG.info("Worker stopped");
    }

    private static String clusterId(KafkaFuture<String> lookup, String bootstrapServers) {
        try {
            return lookup.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while connecting to Kafka at " + bootstrapServers, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException auth) {
                throw new IllegalStateException("Kafka at " + bootstrapServers + " refused the worker's credentials "
                        + "(security.protocol, sasl.*, ssl.*): " + auth.getMessage(), e);
            }
            throw new IllegalStateException("Could not reach Kafka at " + bootstrapServers + ": " + e.getMessage(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Could not reach Kafka at " + bootstrapServers + ": " + e.getMessage(), e);
        }
    }

    private static void awaitBroker(CompletableFuture<EmbeddedKafka> start) {
        try {
            start.get(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while the embedded Kafka broker started", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("The embedded Kafka broker did not start within 120 s", e);
        }
    }

    private static int freePort(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(host, 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("No free port on " + host, e);
        }
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out", e);
        }
    }

    private static void awaitQuietly(Future<?> f) {
        try {
            await(f);
        } catch (RuntimeException e) {
            LOG.warn("Error while stopping: {}", e.getMessage());
        }
    }
}
