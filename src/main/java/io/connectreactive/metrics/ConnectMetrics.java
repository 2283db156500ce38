package io.connectreactive.metrics;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

import io.connectreactive.model.State;
import io.connectreactive.model.TaskId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The worker's metrics: one Micrometer registry (Prometheus), read by Kafka Connect's JMX MBeans when
 * {@code metrics.jmx.enable} ({@link KafkaConnectMBeans}),
 * the worker-wide meters of Kafka Connect's {@code connect-worker-metrics} (with KIP-846's task counts
 * per connector), {@code connector-metrics}, the status and ratios of {@code connector-task-metrics},
 * and the factory of each task's {@link TaskMetrics}. Meters of a connector or task are removed when it
 * goes away. Created and wired by {@code ConnectWorker}; status changes arrive through
 * {@link MeteredStatusStore}, connector starts from the {@code Worker} (herder's context); every method is
 * thread-safe and none blocks. See {@link MetricNames} for the naming rule.
 */
public final class ConnectMetrics implements AutoCloseable {

    /**
     * Where meters are registered: the Prometheus registry itself, never a composite (a composite meter's
     * every update walks its children, which a source task's per-poll meters paid for at every poll: 7 % of
     * a worker's CPU with 1,000 busy tasks). The JMX beans read these meters when asked.
     */
    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MeterRegistry registry = prometheus;
    private final KafkaConnectMBeans jmx;
    private final Map<TaskId, TaskStatus> tasks = new ConcurrentHashMap<>();
    private final Map<String, ConnectorMeters> connectors = new ConcurrentHashMap<>();
    private final List<Meter> workerMeters = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();
    private final Map<String, AtomicLong> loopDelays = new ConcurrentHashMap<>();

    private final Counter connectorAttempts;
    private final Counter connectorSuccesses;
    private final Counter connectorFailures;
    private final Counter taskAttempts;
    private final Counter taskSuccesses;
    private final Counter taskFailures;

    /** @param jmxEnabled also register Kafka Connect's MBeans (domain {@code kafka.connect}) */
    public ConnectMetrics(boolean jmxEnabled) {
        jmx = jmxEnabled ? new KafkaConnectMBeans(registry) : null;
        String w = MetricNames.WORKER;
        connectorAttempts = worker(Counter.builder(w + "connector.startup.attempts").register(registry));
        connectorSuccesses = worker(Counter.builder(w + "connector.startup.success").register(registry));
        connectorFailures = worker(Counter.builder(w + "connector.startup.failure").register(registry));
        taskAttempts = worker(Counter.builder(w + "task.startup.attempts").register(registry));
        taskSuccesses = worker(Counter.builder(w + "task.startup.success").register(registry));
        taskFailures = worker(Counter.builder(w + "task.startup.failure").register(registry));
        worker(Gauge.builder(w + "connector.startup.success.percentage", this, m -> ratio(m.connectorSuccesses, m.connectorAttempts))
                .register(registry));
        worker(Gauge.builder(w + "connector.startup.failure.percentage", this, m -> ratio(m.connectorFailures, m.connectorAttempts))
                .register(registry));
        worker(Gauge.builder(w + "task.startup.success.percentage", this, m -> ratio(m.taskSuccesses, m.taskAttempts)).register(registry));
        worker(Gauge.builder(w + "task.startup.failure.percentage", this, m -> ratio(m.taskFailures, m.taskAttempts)).register(registry));
    }

    private <M extends Meter> M worker(M meter) {
        synchronized (workerMeters) {
            workerMeters.add(meter);
        }
        return meter;
    }

    private static double ratio(Counter part, Counter whole) {
        double total = whole.count();
        return total == 0 ? 0 : part.count() / total;
    }

    private static final Map<Vertx, ConnectMetrics> BY_VERTX = new ConcurrentHashMap<>();

    /** Makes these the metrics {@link #of(Vertx)} finds for {@code vertx} (the worker's), until {@link #close()}. */
    public ConnectMetrics attach(Vertx vertx) {
        BY_VERTX.put(vertx, this);
        attachedTo = vertx;
        return this;
    }

    /** The metrics of the worker running on {@code vertx}, or null (for GET /metrics). */
    public static ConnectMetrics of(Vertx vertx) {
        return BY_VERTX.get(vertx);
    }

    private volatile Vertx attachedTo;

    /** The registry every meter is registered in (Prometheus'). */
    public MeterRegistry registry() {
        return registry;
    }

    /** Every meter in Prometheus' text format (0.0.4). CPU only, proportional to the meters: call it off the event loop. */
    public String scrape() {
        return prometheus.scrape();
    }

    /** connector-count and task-count of connect-worker-metrics, read at scrape time. The worker calls it once. */
    public void workerCounts(IntSupplier connectorCount, IntSupplier taskCount) {
        worker(Gauge.builder(MetricNames.WORKER + "connector.count", connectorCount, IntSupplier::getAsInt).strongReference(true)
                .description("Connectors run by this worker").register(registry));
        worker(Gauge.builder(MetricNames.WORKER + "task.count", taskCount, IntSupplier::getAsInt).strongReference(true)
                .description("Tasks run by this worker").register(registry));
    }

    /**
     * Kafka Connect's {@code connect-worker-rebalance-metrics} of a clustered worker: {@code epoch} (the
     * assignment's generation), {@code rebalancing} (1 while this worker applies a new assignment),
     * {@code time-since-last-rebalance-ms}, and the returned meters: {@code rebalance-completed-total} and
     * the rebalance time (receipt of an assignment to its connectors and tasks started or stopped).
     */
    public Rebalances rebalances(LongSupplier epoch, IntSupplier rebalancing, LongSupplier sinceLastMs) {
        worker(Gauge.builder(MetricNames.REBALANCE + "epoch", epoch, LongSupplier::getAsLong).strongReference(true)
                .description("The generation of the assignment in force").register(registry));
        worker(Gauge.builder(MetricNames.REBALANCE + "rebalancing", rebalancing, IntSupplier::getAsInt).strongReference(true)
                .description("1 while this worker applies a new assignment").register(registry));
        worker(Gauge.builder(MetricNames.REBALANCE + "time.since.last.rebalance.ms", sinceLastMs,
                LongSupplier::getAsLong).strongReference(true)
                .description("Milliseconds since this worker last applied an assignment (-1 before the first)").register(registry));
        Counter completed = worker(Counter.builder(MetricNames.REBALANCE + "rebalance.completed")
                .description("Assignments this worker applied").register(registry));
        Timer time = worker(Timer.builder(MetricNames.REBALANCE + "rebalance.time")
                .description("From receiving an assignment to its connectors and tasks started or stopped").register(registry));
        return new Rebalances(completed, time);
    }

    /** The meters a clustered herder updates after each applied assignment. */
    public record Rebalances(Counter completed, Timer time) {
    }

    /** Queued records worker-wide and their bound ({@code runtime.source.max.queued.records}). */
    public void queuedRecords(IntSupplier queued, int max) {
        worker(Gauge.builder(MetricNames.OWN + "source.queued.records", queued, IntSupplier::getAsInt).strongReference(true)
                .description("Records handed to Kafka producers by all source tasks and not yet acknowledged").register(registry));
        worker(Gauge.builder(MetricNames.OWN + "source.queued.records.max", () -> max)
                .description("runtime.source.max.queued.records").register(registry));
    }

    /**
     * Measures every event loop's delay: a probe verticle per loop ({@code instances}) whose 1 s timer
     * notes how late it fires, as {@code connect.reactive.event.loop.delay{loop=<thread>}}.
     */
    public Future<String> watchEventLoops(Vertx vertx, int instances) {
        return vertx.deployVerticle(DelayProbe::new, new DeploymentOptions().setInstances(Math.max(1, instances)));
    }

    /** Binds a worker-wide Kafka client (the shared producer) through Micrometer's Kafka binder. */
    public void bindWorkerClient(Object client) {
        AutoCloseable binder = bindClient(client, Tags.empty());
        if (binder != null) {
            synchronized (clients) {
                clients.add(binder);
            }
        }
    }

    /** Binds a connector's Kafka client (the consumer its sink tasks share), tagged with the connector; closing it unbinds. */
    public AutoCloseable bindConnectorClient(Object client, String connector) {
        return bindClient(client, Tags.of(MetricNames.TAG_CONNECTOR, connector));
    }

    /** A {@link KafkaClientMetrics} of a producer or consumer, bound with {@code tags}; null for anything else. */
    AutoCloseable bindClient(Object client, Tags tags) {
        KafkaClientMetrics binder;
        if (client instanceof Producer<?, ?> p) {
            binder = new KafkaClientMetrics(p, tags);
        } else if (client instanceof Consumer<?, ?> c) {
            binder = new KafkaClientMetrics(c, tags);
        } else {
            return null;
        }
        binder.bindTo(registry);
        return binder;
    }

    /**
     * Kafka Connect's {@code app-info} bean of this worker ({@code kafka.connect:type=app-info,client-id=<workerId>}:
     * version, commit-id, start-time-ms) when JMX is on; the worker calls it once its id is known.
     */
    public void appInfo(String workerId, String version, String commitId, long startTimeMs) {
        if (jmx != null) {
            jmx.appInfo(workerId, version, commitId, startTimeMs);
        }
    }

    /** A task's meters, created as it is deployed; closing them removes them. */
    public TaskMetrics task(TaskId id, boolean source) {
        return new TaskMetrics(this, id, source);
    }

    // --- connectors, from the Worker ---

    /** A connector's start was attempted. */
    public void connectorStarting(String name) {
        connectorAttempts.increment();
    }

    /** The connector started: connector-metrics' class, type and version (gauges of value 1 with them as tags). */
    public void connectorStarted(String name, String type, String connectorClass, String version) {
        connectorSuccesses.increment();
        ConnectorMeters c = connector(name);
        synchronized (c) {
            c.removeInfo(this);
            c.info = Gauge.builder(MetricNames.CONNECTOR + "info", () -> 1)
                    .description("connector-type, connector-class and connector-version as tags")
                    .tags(Tags.of(MetricNames.TAG_CONNECTOR, name, "connector.type", type, "connector.class", connectorClass,
                            "connector.version", version == null ? "unknown" : version))
                    .register(registry);
        }
    }

    public void connectorFailedToStart(String name) {
        connectorFailures.increment();
    }

    /** The connector stopped on this worker (its status may stay, STOPPED). */
    public void connectorStopped(String name) {
        ConnectorMeters c = connectors.get(name);
        if (c != null) {
            synchronized (c) {
                c.removeInfo(this);
            }
        }
    }

    // --- statuses, from MeteredStatusStore ---

    void connectorState(String name, State state) {
        connector(name).state = state;
    }

    void taskState(TaskId id, State state) {
        connector(id.connector());
        TaskStatus status = tasks.computeIfAbsent(id, t -> new TaskStatus(this, t));
        State before = status.change(state);
        if (state == State.UNASSIGNED) {
            taskAttempts.increment();
        } else if (before == State.UNASSIGNED && (state == State.RUNNING || state == State.PAUSED)) {
            taskSuccesses.increment();
        } else if (before == State.UNASSIGNED && state == State.FAILED) {
            taskFailures.increment();
        }
    }

    void forgetConnector(String name) {
        forgetTasksFrom(name, 0);
        ConnectorMeters c = connectors.remove(name);
        if (c != null) {
            synchronized (c) {
                c.removeInfo(this);
                c.meters.forEach(this::remove);
            }
        }
    }

    void forgetTasksFrom(String connector, int fromTask) {
        tasks.keySet().removeIf(id -> {
            if (id.connector().equals(connector) && id.task() >= fromTask) {
                tasks.get(id).meters.forEach(this::remove);
                return true;
            }
            return false;
        });
    }

    private ConnectorMeters connector(String name) {
        return connectors.computeIfAbsent(name, n -> new ConnectorMeters(this, n));
    }

    /** Removes a meter (and, with the last of its group and tags, its JMX bean). */
    void remove(Meter meter) {
        registry.remove(meter);
    }

    /** Closes a binder (null: nothing to close). */
    public static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // a binder's close only cancels its refresh
        }
    }

    /** Unbinds the Kafka clients and closes the registry (JMX MBeans unregistered). */
    @Override
    public void close() {
        if (attachedTo != null) {
            BY_VERTX.remove(attachedTo, this);
        }
        synchronized (clients) {
            clients.forEach(ConnectMetrics::closeQuietly);
            clients.clear();
        }
        prometheus.close();
        if (jmx != null) {
            jmx.close();
        }
    }

    private static String status(State s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    /** connector-metrics' status, the info gauge, and KIP-846's task counts by state of one connector. */
    private static final class ConnectorMeters {
        final List<Meter> meters = new ArrayList<>();
        volatile State state;
        Gauge info;

        ConnectorMeters(ConnectMetrics m, String name) {
            Tags tags = Tags.of(MetricNames.TAG_CONNECTOR, name);
            for (State s : State.values()) {
                meters.add(Gauge.builder(MetricNames.CONNECTOR + "status", this, c -> c.state == s ? 1 : 0)
                        .description("1 for the connector's current status").tags(tags.and("status", status(s))).register(m.registry));
            }
            Map<State, String> kip846 = new EnumMap<>(State.class);
            kip846.put(State.RUNNING, "running");
            kip846.put(State.PAUSED, "paused");
            kip846.put(State.FAILED, "failed");
            kip846.put(State.UNASSIGNED, "unassigned");
            kip846.put(State.RESTARTING, "restarting");
            kip846.put(State.STOPPED, "destroyed");
            kip846.forEach((s, label) -> meters.add(Gauge.builder(MetricNames.WORKER + "connector." + label + ".task.count",
                    m, x -> x.taskCount(name, s)).tags(tags).register(m.registry)));
            meters.add(Gauge.builder(MetricNames.WORKER + "connector.total.task.count", m, x -> x.taskCount(name, null))
                    .tags(tags).register(m.registry));
        }

        void removeInfo(ConnectMetrics m) {
            if (info != null) {
                m.remove(info);
                info = null;
            }
        }
    }

    private double taskCount(String connector, State state) {
        int n = 0;
        for (TaskStatus t : tasks.values()) {
            if (t.connector.equals(connector) && (state == null || t.state == state)) {
                n++;
            }
        }
        return n;
    }

    /** connector-task-metrics' status, running-ratio and pause-ratio of one task. */
    private static final class TaskStatus {
        final String connector;
        final List<Meter> meters = new ArrayList<>();
        final long created = System.nanoTime();
        volatile State state;
        private long since = created;
        private long running;
        private long paused;

        TaskStatus(ConnectMetrics m, TaskId id) {
            this.connector = id.connector();
            Tags tags = Tags.of(MetricNames.TAG_CONNECTOR, id.connector(), MetricNames.TAG_TASK, String.valueOf(id.task()));
            for (State s : State.values()) {
                meters.add(Gauge.builder(MetricNames.TASK + "status", this, t -> t.state == s ? 1 : 0)
                        .description("1 for the task's current status").tags(tags.and("status", status(s))).register(m.registry));
            }
            meters.add(Gauge.builder(MetricNames.TASK + "running.ratio", this, t -> t.ratio(State.RUNNING))
                    .description("Share of time the task has spent running").tags(tags).register(m.registry));
            meters.add(Gauge.builder(MetricNames.TASK + "pause.ratio", this, t -> t.ratio(State.PAUSED))
                    .description("Share of time the task has spent paused").tags(tags).register(m.registry));
        }

        synchronized State change(State next) {
            State before = state;
            long now = System.nanoTime();
            account(now);
            state = next;
            return before;
        }

        private void account(long now) {
            if (state == State.RUNNING) {
                running += now - since;
            } else if (state == State.PAUSED) {
                paused += now - since;
            }
            since = now;
        }

        synchronized double ratio(State which) {
            long now = System.nanoTime();
            account(now);
            long total = now - created;
            return total <= 0 ? 0 : (double) (which == State.RUNNING ? running : paused) / total;
        }
    }

    /** One per event loop: a 1 s timer that notes how late it fires. */
    private final class DelayProbe extends VerticleBase {
        private static final long PERIOD_MS = 1_000;
        private long expected;

        @Override
        public Future<?> start() {
            // start() runs on the event loop this probe measures
            AtomicLong delay = loopDelays.computeIfAbsent(Thread.currentThread().getName(), l -> {
                AtomicLong v = new AtomicLong();
                worker(TimeGauge.builder(MetricNames.OWN + "event.loop.delay", v, TimeUnit.NANOSECONDS, AtomicLong::get)
                        .description("How late the last 1 s timer on this event loop fired").tags("loop", l).register(registry));
                return v;
            });
            expected = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PERIOD_MS);
            vertx.setPeriodic(PERIOD_MS, t -> {
                long now = System.nanoTime();
                delay.set(Math.max(0, now - expected));
                expected = now + TimeUnit.MILLISECONDS.toNanos(PERIOD_MS);
            });
            return Future.succeededFuture();
        }
    }
}
