package io.connectreactive.storage.kafka;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.herder.ConflictException;
import io.connectreactive.kafka.ClientConfigs;
import io.connectreactive.model.TargetState;
import io.connectreactive.storage.ConfigStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connector configs, target states, task configs and restart requests in Kafka Connect's config
 * topic ({@code config.storage.topic}, one partition, compacted), in Kafka Connect's records
 * ({@link ConnectFormat}), read and applied as {@code KafkaConfigBackingStore} applies them: task
 * configs count only once their {@code commit-<name>} record is read, and a commit whose task
 * records are incomplete leaves the connector with no tasks until new ones are committed. Also
 * the task-count records of exactly-once source connectors ({@code tasks-fencing-<name>}): a commit
 * read after a connector's last one makes it pending fencing, a task-count record read ends that.
 * While exactly-once source support is preparing or enabled, only the leader writes those records
 * (connector and task configs, task-count records, restart requests), each write in one transaction
 * of Kafka Connect's leader id ({@link #leader}).
 *
 * <p>Threads: the topic's reader thread decodes nothing; it hands each batch to the context that
 * called {@link #start()} (the herder's), which owns every field below, applies the records in
 * topic order, then tells the listener. Every other method is called on that context. A write
 * completes there once Kafka acknowledged it and the reader read the topic to its end after that,
 * so {@link #connectors()} shows it; a write that takes more than 30 s fails (Kafka Connect's
 * bound), though the record may still land.
 */
public final class KafkaConfigStore implements ConfigStore {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaConfigStore.class);
    /** Kafka Connect's {@code READ_WRITE_TOTAL_TIMEOUT_MS}. */
    static final long WRITE_TIMEOUT_MS = 30_000;

    private final Vertx vertx;
    private final KafkaTopicLog log;
    private final ConnectFormat format;
    private Context context;
    private Listener listener;
    private boolean started;

    /** Connector configs, in the order the connectors were first read. */
    private final Map<String, Map<String, String>> connectorConfigs = new LinkedHashMap<>();
    /** Target states, also of connectors not (yet) known, as Kafka Connect keeps them. */
    private final Map<String, TargetState> targetStates = new HashMap<>();
    /** Committed task configs per connector and task number (may hold more than the count). */
    private final Map<String, Map<Integer, Map<String, String>>> taskConfigs = new HashMap<>();
    private final Map<String, Integer> taskCounts = new HashMap<>();
    /** Task configs read and not yet committed. */
    private final Map<String, Map<Integer, Map<String, String>>> deferred = new HashMap<>();
    /** Connectors whose last commit named tasks that were not all written: no tasks until the next commit. */
    private final Set<String> inconsistent = new HashSet<>();
    private final Set<String> unknownKeysLogged = new HashSet<>();
    /** Task-count records ({@code tasks-fencing-<name>}), also of connectors removed since, as Kafka Connect keeps them. */
    private final Map<String, Integer> taskCountRecords = new HashMap<>();
    /** Connectors whose task configs were committed after their last task-count record. */
    private final Set<String> pendingFencing = new HashSet<>();
    /** Complete sets of task configs read per connector. */
    private final Map<String, Integer> taskConfigGenerations = new HashMap<>();
    private volatile Map<String, ConnectorEntry> view = Map.of();
    /** Kafka Connect's leader transactional id while exactly-once source support is preparing or enabled, else null. */
    private final String leaderTransactionalId;
    /** How long a privileged write waits for this worker to learn that it leads, and how often it looks. */
    private static final long LEADERSHIP_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long LEADERSHIP_POLL_MS = 50;
    /** Whether the herder said this worker leads (so writes privileged records, in transactions). */
    /** Whether this worker leads, as its rebalances told ({@link #leader(boolean)}); null before the first. */
    private Boolean leader;

    public KafkaConfigStore(Vertx vertx, WorkerConfig config) {
        this.vertx = vertx;
        WorkerConfig.InternalTopic topic = config.internalTopic(WorkerConfig.CONFIG_STORAGE_PREFIX);
        this.format = new ConnectFormat(topic.name());
        this.log = new KafkaTopicLog("configs", WorkerConfig.CONFIG_STORAGE_TOPIC, config, topic, Map.of(),
                config.exactlyOnceSourcePreparingOrEnabled() ? Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed") : Map.of(),
                this::received);
        this.leaderTransactionalId = config.exactlyOnceSourcePreparingOrEnabled()
                ? ClientConfigs.leaderTransactionalId(config.groupId()) : null;
    }

    @Override
    public Future<Void> start() {
        context = vertx.getOrCreateContext();
        return Future.fromCompletionStage(log.start(), context).compose(v -> {
            if (log.partitionCount() > 1) {
                log.stop();
                return Future.failedFuture(new ConfigException("Topic '" + log.topicName() + "' supplied via the '"
                        + WorkerConfig.CONFIG_STORAGE_TOPIC + "' property is required to have a single partition in order to "
                        + "guarantee consistency of connector configurations, but found " + log.partitionCount() + " partitions."));
            }
            started = true;
            LOG.info("Config store started on topic {} ({} connectors)", log.topicName(), connectorConfigs.size());
            return Future.<Void>succeededFuture();
        });
    }

    /** Stops reading and closes the clients, once the writes handed over are acknowledged or failed. */
    @Override
    public Future<Void> stop() {
        return Future.fromCompletionStage(log.stop(), vertx.getOrCreateContext())
                .onSuccess(v -> LOG.info("Config store on topic {} stopped", log.topicName()));
    }

    @Override
    public Map<String, ConnectorEntry> connectors() {
        return view;
    }

    @Override
    public Future<Void> putConnector(String name, Map<String, String> config, TargetState targetState) {
        return attempt(() -> {
            List<Map.Entry<byte[], byte[]>> records = new ArrayList<>();
            // as Kafka Connect: a target state only when one is asked for; STARTED is what a connector without one has
            if (targetState != null && targetState != targetStates.getOrDefault(name, TargetState.STARTED)) {
                records.add(record(ConnectFormat.TARGET_STATE_PREFIX + name, format.targetState(targetState)));
            }
            records.add(record(ConnectFormat.CONNECTOR_PREFIX + name, format.properties(config)));
            return writePrivileged(records, "connector configuration of " + name);
        });
    }

    @Override
    public Future<Void> putTargetState(String name, TargetState targetState) {
        return attempt(() -> {
            if (!connectorConfigs.containsKey(name)) {
                return Future.failedFuture(new IllegalStateException("no connector " + name));
            }
            return write(List.of(record(ConnectFormat.TARGET_STATE_PREFIX + name, format.targetState(targetState))),
                    "target state of " + name);
        });
    }

    @Override
    public Future<Void> putTaskConfigs(String name, List<Map<String, String>> configs) {
        return attempt(() -> {
            if (!connectorConfigs.containsKey(name)) {
                return Future.failedFuture(new IllegalStateException("no connector " + name));
            }
            List<Map.Entry<byte[], byte[]>> tasks = new ArrayList<>();
            for (int i = 0; i < configs.size(); i++) {
                tasks.add(record(ConnectFormat.TASK_PREFIX + name + "-" + i, format.properties(configs.get(i))));
            }
            if (leaderTransactionalId != null) {
                // the leader's writer: the task configs and their commit in one transaction
                tasks.add(record(ConnectFormat.COMMIT_TASKS_PREFIX + name, format.commit(configs.size())));
                return writePrivileged(tasks, "task configurations of " + name);
            }
            // the commit goes out only once every task config is acknowledged, as Kafka Connect does
            CompletableFuture<Void> done = allAcked(log.send(tasks))
                    .thenCompose(v -> allAcked(log.send(List.of(record(ConnectFormat.COMMIT_TASKS_PREFIX + name,
                            format.commit(configs.size()))))))
                    .thenCompose(v -> log.readToEnd());
            return finish(done, "task configurations of " + name);
        });
    }

    @Override
    public Future<Void> removeConnector(String name) {
        List<Map.Entry<byte[], byte[]>> records = new ArrayList<>();
        records.add(record(ConnectFormat.CONNECTOR_PREFIX + name, null));
        records.add(record(ConnectFormat.TARGET_STATE_PREFIX + name, null));
        return writePrivileged(records, "removal of connector " + name);
    }

    @Override
    public Future<Void> putRestartRequest(RestartRequest request) {
        return attempt(() -> {
            return writePrivileged(List.of(record(ConnectFormat.RESTART_PREFIX + request.connector(), format.restartRequest(request))),
                    "restart request of " + request.connector());
        });
    }

    @Override
    public Integer taskCountRecord(String name) {
        return taskCountRecords.get(name);
    }

    @Override
    public boolean pendingFencing(String name) {
        return pendingFencing.contains(name);
    }

    @Override
    public int taskConfigGeneration(String name) {
        return taskConfigGenerations.getOrDefault(name, 0);
    }

    @Override
    public Future<Void> putTaskCountRecord(String name, int taskCount) {
        return attempt(() -> writePrivileged(List.of(record(ConnectFormat.TASK_COUNT_PREFIX + name, format.taskCount(taskCount))),
                "task count record of " + name));
    }

    @Override
    public Future<Void> refresh() {
        return Future.fromCompletionStage(log.readToEnd(), context());
    }

    @Override
    public void listen(Listener listener) {
        this.listener = listener;
    }

    /** Runs a write, turning an exception (a config the converter refuses) into a failed future. */
    private static Future<Void> attempt(Supplier<Future<Void>> write) {
        try {
            return write.get();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    @Override
    public void leader(boolean leader) {
        if (leaderTransactionalId == null || Boolean.valueOf(leader).equals(this.leader)) {
            return;
        }
        boolean led = Boolean.TRUE.equals(this.leader);
        this.leader = leader;
        if (!leader && !led) {
            return; // told it does not lead before it ever did: nothing to give up
        }
        if (leader) {
            Future.fromCompletionStage(log.claim(leaderTransactionalId), context()).onComplete(ar -> {
                if (ar.succeeded()) {
                    LOG.info("Writing topic {} as the leader, in transactions of {}", log.topicName(), leaderTransactionalId);
                } else {
                    LOG.warn("Could not take write privileges for topic {} as the leader (retried at the next write): {}",
                            log.topicName(), ar.cause().toString());
                }
            });
        } else {
            log.release();
            LOG.info("Gave up write privileges for topic {}: this worker is not the leader", log.topicName());
        }
    }

    /**
     * A write Kafka Connect's leader makes with its fencible writer when exactly-once source support is
     * preparing or enabled: then in one transaction, on the leader only; otherwise as {@link #write}.
     */
    private Future<Void> writePrivileged(List<Map.Entry<byte[], byte[]>> records, String what) {
        if (leaderTransactionalId == null) {
            return write(records, what);
        }
        return leadership(System.nanoTime() + LEADERSHIP_WAIT_NANOS, what)
                .compose(v -> finish(log.sendInTransaction(records).thenCompose(x -> log.readToEnd()), what));
    }

    /**
     * Completes if this worker leads. One whose REST already takes requests learns whether it leads at its first
     * rebalance, moments later (a one-worker cluster's first connector can be created in that gap): until then a
     * write waits, up to {@code deadline}. Fails with a 409 (as Kafka Connect answers a worker that is not the
     * leader) when it does not lead.
     */
    private Future<Void> leadership(long deadline, String what) {
        if (Boolean.TRUE.equals(leader)) {
            return Future.succeededFuture();
        }
        if (leader != null || System.nanoTime() - deadline > 0) {
            return Future.failedFuture(new ConflictException("Cannot write the " + what + ": while "
                    + WorkerConfig.EXACTLY_ONCE_SOURCE_SUPPORT + " is preparing or enabled only the leader of the cluster writes "
                    + log.topicName() + ", and this worker is not the leader"));
        }
        Promise<Void> later = Promise.promise();
        vertx.setTimer(LEADERSHIP_POLL_MS, t -> leadership(deadline, what).onComplete(later));
        return later.future();
    }

    private Future<Void> write(List<Map.Entry<byte[], byte[]>> records, String what) {
        return finish(allAcked(log.send(records)).thenCompose(v -> log.readToEnd()), what);
    }

    private Future<Void> finish(CompletableFuture<Void> done, String what) {
        return Future.fromCompletionStage(done, context())
                .timeout(WRITE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .recover(err -> {
                    LOG.warn("Could not write the {} to topic {}: {}", what, log.topicName(), err.toString());
                    return Future.failedFuture(new ConnectException("Error writing the " + what + " to Kafka: " + err.getMessage(), err));
                });
    }

    private Context context() {
        return context != null ? context : vertx.getOrCreateContext();
    }

    private static CompletableFuture<Void> allAcked(List<CompletableFuture<RecordMetadata>> acks) {
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
    }

    private static Map.Entry<byte[], byte[]> record(String key, byte[] value) {
        return new AbstractMap.SimpleImmutableEntry<>(ConnectFormat.key(key), value);
    }

    /** On the reader thread: hand the batch to the store's context, in order. */
    private void received(ConsumerRecords<byte[], byte[]> records) {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(records.count());
        records.forEach(batch::add);
        context.runOnContext(v -> apply(batch));
    }

    /** On the context: apply the records in topic order, publish the new view, then tell the listener. */
    private void apply(List<ConsumerRecord<byte[], byte[]>> batch) {
        List<Consumer<Listener>> events = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : batch) {
            try {
                apply(ConnectFormat.key(r.key()), r.value(), events);
            } catch (DataException | ClassCastException e) {
                LOG.error("Ignoring record {} at offset {} of {}: {}", ConnectFormat.key(r.key()), r.offset(), log.topicName(), e.getMessage());
            }
        }
        view = buildView();
        Listener l = listener;
        if (started && l != null) {
            for (Consumer<Listener> event : events) {
                try {
                    event.accept(l);
                } catch (RuntimeException e) {
                    LOG.error("The config store's listener failed", e);
                }
            }
        }
    }

    private void apply(String key, byte[] bytes, List<Consumer<Listener>> events) {
        if (key == null) {
            LOG.warn("Ignoring a record without key in {}", log.topicName());
            return;
        }
        Object value = format.read(bytes);
        if (key.startsWith(ConnectFormat.TARGET_STATE_PREFIX)) {
            applyTargetState(key.substring(ConnectFormat.TARGET_STATE_PREFIX.length()), value, events);
        } else if (key.startsWith(ConnectFormat.CONNECTOR_PREFIX)) {
            applyConnector(key.substring(ConnectFormat.CONNECTOR_PREFIX.length()), value, events);
        } else if (key.startsWith(ConnectFormat.TASK_PREFIX)) {
            applyTask(key, value);
        } else if (key.startsWith(ConnectFormat.COMMIT_TASKS_PREFIX)) {
            applyCommit(key.substring(ConnectFormat.COMMIT_TASKS_PREFIX.length()), value, events);
        } else if (key.startsWith(ConnectFormat.TASK_COUNT_PREFIX)) {
            applyTaskCount(key.substring(ConnectFormat.TASK_COUNT_PREFIX.length()), value);
        } else if (key.startsWith(ConnectFormat.RESTART_PREFIX)) {
            RestartRequest request = restartRequest(key.substring(ConnectFormat.RESTART_PREFIX.length()), value);
            if (request != null) {
                events.add(l -> l.restartRequested(request));
            }
        } else if (!ignored(key) && unknownKeysLogged.add(key)) {
            LOG.warn("Ignoring record with unknown key {} in {}", key, log.topicName());
        }
    }

    private static boolean ignored(String key) {
        for (String prefix : ConnectFormat.IGNORED_CONFIG_PREFIXES) {
            if (key.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private void applyTargetState(String name, Object value, List<Consumer<Listener>> events) {
        if (value == null) {
            // removed with the connector; a connector still configured falls back to STARTED
            targetStates.remove(name);
            return;
        }
        if (!(value instanceof Map<?, ?> map)) {
            LOG.error("Ignoring target state of connector {}: not a map", name);
            return;
        }
        Object state = map.get("state.v2") instanceof String s ? s : map.get("state");
        TargetState parsed;
        try {
            parsed = TargetState.valueOf(String.valueOf(state));
        } catch (IllegalArgumentException e) {
            LOG.error("Ignoring invalid target state {} of connector {}", state, name);
            return;
        }
        boolean known = connectorConfigs.containsKey(name);
        TargetState previous = known ? targetStates.getOrDefault(name, TargetState.STARTED) : targetStates.get(name);
        targetStates.put(name, parsed);
        if (parsed != previous && known) {
            events.add(l -> l.targetStateChanged(name));
        }
    }

    private void applyConnector(String name, Object value, List<Consumer<Listener>> events) {
        if (value == null) {
            removeConnectorState(name);
            LOG.debug("Connector {} removed from {}", name, log.topicName());
        } else {
            Object properties = value instanceof Map<?, ?> map ? map.get("properties") : null;
            if (!(properties instanceof Map<?, ?> props)) {
                LOG.error("Ignoring config of connector {}: no 'properties' map", name);
                return;
            }
            connectorConfigs.put(name, strings(props));
        }
        events.add(l -> l.connectorConfigChanged(name));
    }

    private void applyTask(String key, Object value) {
        int dash = key.lastIndexOf('-');
        String connector = dash > ConnectFormat.TASK_PREFIX.length() - 1 ? key.substring(ConnectFormat.TASK_PREFIX.length(), dash) : null;
        Integer task = null;
        try {
            task = connector == null ? null : Integer.parseInt(key.substring(dash + 1));
        } catch (NumberFormatException e) {
            // below
        }
        if (task == null) {
            LOG.error("Ignoring task configuration because {} couldn't be parsed as a task config key", key);
            return;
        }
        Object properties = value instanceof Map<?, ?> map ? map.get("properties") : null;
        if (!(properties instanceof Map<?, ?> props)) {
            LOG.error("Ignoring configuration of task {}-{}: no 'properties' map", connector, task);
            return;
        }
        deferred.computeIfAbsent(connector, c -> new HashMap<>()).put(task, strings(props));
    }

    private void applyCommit(String name, Object value, List<Consumer<Listener>> events) {
        if (!connectorConfigs.containsKey(name)) {
            // deleted earlier, its configs compacted away: Kafka Connect ignores the commit too
            removeConnectorState(name);
            return;
        }
        if (!(value instanceof Map<?, ?> map)) {
            LOG.error("Ignoring task commit of connector {}: not a map", name);
            return;
        }
        int count = ConnectFormat.intValue(map.get("tasks"));
        Map<Integer, Map<String, String>> pending = deferred.remove(name);
        boolean complete = true;
        for (int i = 0; i < count; i++) {
            complete &= pending != null && pending.containsKey(i);
        }
        if (complete) {
            if (pending != null) {
                taskConfigs.computeIfAbsent(name, c -> new HashMap<>()).putAll(pending);
            }
            inconsistent.remove(name);
        } else {
            LOG.warn("Task configs of connector {} committed with {} tasks but not all were written; the connector has no "
                    + "tasks until new ones are committed", name, count);
            inconsistent.add(name);
        }
        taskCounts.put(name, count);
        if (complete) {
            taskConfigGenerations.merge(name, 1, Integer::sum);
        }
        // as Kafka Connect: task configs committed after the latest task-count record need a round of zombie fencing
        pendingFencing.add(name);
        events.add(l -> l.taskConfigsChanged(name));
    }

    private void applyTaskCount(String name, Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            LOG.error("Ignoring task count record of connector {}: not a map", name);
            return;
        }
        taskCountRecords.put(name, ConnectFormat.intValue(map.get("task-count")));
        // as Kafka Connect: a task-count record after the latest task configs means those need no fencing
        pendingFencing.remove(name);
    }

    private RestartRequest restartRequest(String name, Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            LOG.error("Ignoring restart request of connector {}: not a map", name);
            return null;
        }
        // as Kafka Connect: a missing or invalid flag means false
        return new RestartRequest(name, Boolean.TRUE.equals(map.get("only-failed")), Boolean.TRUE.equals(map.get("include-tasks")));
    }

    private void removeConnectorState(String name) {
        connectorConfigs.remove(name);
        taskCounts.remove(name);
        taskConfigs.remove(name);
        deferred.remove(name);
        inconsistent.remove(name);
    }

    /** A config as strings; Kafka Connect allows null values, which a ConnectorEntry cannot hold: they are left out. */
    private static Map<String, String> strings(Map<?, ?> props) {
        Map<String, String> out = new LinkedHashMap<>();
        props.forEach((k, v) -> {
            if (k != null && v != null) {
                out.put(String.valueOf(k), String.valueOf(v));
            }
        });
        return out;
    }

    private Map<String, ConnectorEntry> buildView() {
        Map<String, ConnectorEntry> out = new LinkedHashMap<>();
        ConnectorEntry unchanged;
        for (Map.Entry<String, Map<String, String>> e : connectorConfigs.entrySet()) {
            String name = e.getKey();
            unchanged = view.get(name);
            TargetState state = targetStates.getOrDefault(name, TargetState.STARTED);
            List<Map<String, String>> tasks = tasks(name);
            if (unchanged != null && unchanged.config().equals(e.getValue()) && unchanged.targetState() == state
                    && unchanged.taskConfigs().equals(tasks)) {
                out.put(name, unchanged);
            } else {
                out.put(name, new ConnectorEntry(e.getValue(), state, tasks));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private List<Map<String, String>> tasks(String name) {
        Integer count = taskCounts.get(name);
        Map<Integer, Map<String, String>> configs = taskConfigs.get(name);
        if (count == null || inconsistent.contains(name) || configs == null) {
            return List.of();
        }
        List<Map<String, String>> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Map<String, String> c = configs.get(i);
            if (c == null) {
                return List.of();
            }
            out.add(c);
        }
        return out;
    }
}
