package io.connectreactive.bench.limit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.connector.ConnectorContext;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.runtime.isolation.LoaderSwap;
import org.apache.kafka.connect.runtime.isolation.Plugins;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.sink.SinkConnectorContext;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceConnectorContext;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/**
 * The "limit" contender, run as its own JVM on Kafka Connect's class path by the harness
 * ({@code RawProcess.limit}): the scenario's own connectors and tasks, loaded from the same
 * plugin.path with Kafka Connect's {@link Plugins}, with the same converters, transforms and
 * producer/consumer settings as the workers get, each task driven by the simplest correct loop
 * ({@link SourceLoop}, {@link SinkLoop}) on its own thread, and no runtime around them: no REST,
 * statuses, offset storage, metrics or error tolerance. What a runtime costs beyond this is its own.
 *
 * <pre>
 * LimitLoop WORKER_PROPERTIES COUNT CONNECTOR_PROPERTIES...
 * </pre>
 * The worker properties are the ones both workers get (bootstrap.servers, converters,
 * offset.flush.interval.ms, producer.*, plugin.path); each connector file is a connector's
 * configuration (with {@code name}). Protocol on stdin/stdout, as {@code RawClients}: {@code READY}
 * once the plugins are loaded, start (connectors, task configs, tasks, clients) on {@code GO}, stop
 * once COUNT records were acknowledged by the broker (sources) or handed to {@code put} (sinks), then
 * print {@code DONE} and exit. All of it on the main thread, except the loops.
 */
public final class LimitLoop {

    private LimitLoop() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            // a connector that failed to start: exit now, whatever non-daemon threads it left behind
            t.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        BufferedReader control = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        // stdout is the protocol's; what plugins print (SchemaSourceTask prints a line per record) goes to stderr,
        // the log file, as a worker's stdout goes to its log (a pipe nobody reads would block them once full)
        PrintStream protocol = System.out;
        System.setOut(System.err);
        Map<String, String> worker = load(Path.of(args[0]));
        long count = Long.parseLong(args[1]);
        List<Map<String, String>> connectors = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            connectors.add(load(Path.of(args[i])));
        }
        Map<String, String> pluginProps = new HashMap<>();
        if (worker.containsKey("plugin.path")) {
            pluginProps.put("plugin.path", worker.get("plugin.path"));
        }
        // start-up work, before READY: every plugin here has a ServiceLoader manifest, so no scan of the class path
        pluginProps.put("plugin.discovery", "service_load");
        Plugins plugins = new Plugins(pluginProps);
        for (Map<String, String> c : connectors) {
            plugins.connectorClass(c.get("connector.class"));
        }
        protocol.println("READY");
        protocol.flush();
        String go = control.readLine();
        if (!"GO".equals(go)) {
            throw new IllegalStateException("expected GO, got " + go);
        }

        AtomicLong progress = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long flushInterval = Long.parseLong(worker.getOrDefault("offset.flush.interval.ms", "60000"));
        Metrics metrics = new Metrics();
        List<Connector> started = new ArrayList<>();
        List<SourceLoop> sources = new ArrayList<>();
        List<SinkLoop> sinks = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (Map<String, String> config : connectors) {
            String name = config.get("name");
            String className = config.get("connector.class");
            ClassLoader loader = plugins.connectorLoader(className, null);
            int tasksMax = Integer.parseInt(config.getOrDefault("tasks.max", "1"));
            Connector connector;
            List<Map<String, String>> taskConfigs;
            Semaphore reconfigure = new Semaphore(0);
            try (LoaderSwap swap = plugins.withClassLoader(loader)) {
                connector = plugins.newConnector(className);
                connector.initialize(connectorContext(connector, reconfigure, failure,
                        new PluginMetricsImpl(metrics, Map.of("connector", name))));
                connector.start(config);
                started.add(connector);
                taskConfigs = awaitTaskConfigs(connector, tasksMax, reconfigure, name);
            }
            Class<? extends Task> taskClass = connector.taskClass();
            for (int i = 0; i < taskConfigs.size(); i++) {
                Map<String, String> taskConfig = new HashMap<>(taskConfigs.get(i));
                taskConfig.put("task.class", taskClass.getName());
                PluginMetrics taskMetrics = new PluginMetricsImpl(metrics, Map.of("connector", name, "task", String.valueOf(i)));
                Runnable loop;
                try (LoaderSwap swap = plugins.withClassLoader(loader)) {
                    Task task = plugins.newTask(taskClass);
                    if (connector instanceof SinkConnector) {
                        for (String key : List.of(SinkTask.TOPICS_CONFIG, SinkTask.TOPICS_REGEX_CONFIG)) {
                            if (config.containsKey(key)) {
                                taskConfig.put(key, config.get(key));
                            }
                        }
                        SinkLoop sink = new SinkLoop((SinkTask) task, Glue.<SinkRecord>create(worker, config, loader),
                                consumerConfig(worker, config, name, i), flushInterval, progress, failure);
                        sink.start(taskConfig, taskMetrics);
                        sinks.add(sink);
                        loop = sink;
                    } else {
                        Map<String, Object> producerConfig = producerConfig(worker, config, name, i);
                        SourceLoop.Transactions tx = null;
                        if ("enabled".equals(worker.get("exactly.once.source.support")) && config.containsKey("exactly.once.support")) {
                            // as Kafka Connect's exactly-once source task: its transactional id, offsets in its transactions
                            producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, worker.get("group.id") + "-" + name + "-" + i);
                            producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
                            String offsetsTopic = worker.getOrDefault("offset.storage.topic", worker.get("group.id") + "-offsets");
                            long intervalMs = Long.parseLong(config.getOrDefault("transaction.boundary.interval.ms",
                                    worker.getOrDefault("offset.flush.interval.ms", "60000")));
                            tx = SourceLoop.Transactions.of(name, offsetsTopic, config.getOrDefault("transaction.boundary", "poll"), intervalMs);
                        }
                        SourceLoop source = new SourceLoop((SourceTask) task, Glue.<SourceRecord>create(worker, config, loader),
                                producerConfig, progress, failure, tx);
                        source.start(taskConfig, taskMetrics);
                        sources.add(source);
                        loop = source;
                    }
                }
                Thread t = new Thread(loop, "limit-task-" + name + "-" + i);
                t.setContextClassLoader(loader);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }
        while (progress.get() < count && failure.get() == null) {
            Thread.sleep(5);
        }
        sources.forEach(SourceLoop::stop);
        sinks.forEach(SinkLoop::stop);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        sources.forEach(SourceLoop::close);
        for (Connector c : started) {
            try (LoaderSwap swap = plugins.withClassLoader(c.getClass().getClassLoader())) {
                c.stop();
            }
        }
        metrics.close();
        if (failure.get() != null) {
            System.err.println("limit loop failed after " + progress.get() + " of " + count + " records:");
            failure.get().printStackTrace();
            System.exit(1);
        }
        protocol.println("DONE");
        protocol.flush();
        System.exit(0);
    }

    /**
     * {@code taskConfigs(tasks.max)}, asked again whenever the connector requests a reconfiguration
     * (and every 100 ms) while it returns none: MirrorSourceConnector has none until it has listed
     * the source topics, on its own scheduler thread.
     */
    private static List<Map<String, String>> awaitTaskConfigs(Connector connector, int tasksMax, Semaphore reconfigure, String name)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            List<Map<String, String>> configs = connector.taskConfigs(tasksMax);
            if (!configs.isEmpty()) {
                return configs;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " gave no task configurations in 60 s");
            }
            reconfigure.tryAcquire(100, TimeUnit.MILLISECONDS);
        }
    }

    private static ConnectorContext connectorContext(Connector connector, Semaphore reconfigure, AtomicReference<Throwable> failure,
                                           PluginMetrics metrics) {
        if (connector instanceof SourceConnector) {
            return new SourceConnectorContext() {
                @Override
                public OffsetStorageReader offsetStorageReader() {
                    return new OffsetStorageReader() {
                        @Override
                        public <T> Map<String, Object> offset(Map<String, T> partition) {
                            return null;
                        }

                        @Override
                        public <T> Map<Map<String, T>, Map<String, Object>> offsets(java.util.Collection<Map<String, T>> partitions) {
                            return Map.of();
                        }
                    };
                }

                @Override
                public void requestTaskReconfiguration() {
                    reconfigure.release();
                }

                @Override
                public void raiseError(Exception e) {
                    failure.compareAndSet(null, e);
                }

                @Override
                public PluginMetrics pluginMetrics() {
                    return metrics;
                }
            };
        }
        return new SinkConnectorContext() {
            @Override
            public void requestTaskReconfiguration() {
                reconfigure.release();
            }

            @Override
            public void raiseError(Exception e) {
                failure.compareAndSet(null, e);
            }

            @Override
            public PluginMetrics pluginMetrics() {
                return metrics;
            }
        };
    }

    /** Kafka Connect's Worker.baseProducerConfigs, then the worker's producer.*, then the connector's producer.override.*. */
    static Map<String, Object> producerConfig(Map<String, String> worker, Map<String, String> connector, String name, int task) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, worker.get("bootstrap.servers"));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(Integer.MAX_VALUE));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "connector-producer-" + name + "-" + task);
        p.putAll(withPrefix(worker, "producer."));
        p.putAll(withPrefix(connector, "producer.override."));
        return p;
    }

    /** Kafka Connect's Worker.baseConsumerConfigs (group connect-NAME), then the worker's consumer.*, then consumer.override.*. */
    static Map<String, Object> consumerConfig(Map<String, String> worker, Map<String, String> connector, String name, int task) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, worker.get("bootstrap.servers"));
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "connect-" + name);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "connector-consumer-" + name + "-" + task);
        c.putAll(withPrefix(worker, "consumer."));
        c.putAll(withPrefix(connector, "consumer.override."));
        return c;
    }

    private static Map<String, String> withPrefix(Map<String, String> m, String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    private static Map<String, String> load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }
}
