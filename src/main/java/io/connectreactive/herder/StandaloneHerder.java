package io.connectreactive.herder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.kafka.ClusterMonitor;
import io.connectreactive.model.State;
import io.connectreactive.model.TargetState;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.Worker;
import io.connectreactive.storage.ConfigStore;
import io.connectreactive.storage.StatusStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.connector.ConnectorContext;
import org.apache.kafka.connect.errors.AlreadyExistsException;
import org.apache.kafka.connect.errors.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The herder of a standalone worker: one worker runs every connector and task; configs live in a
 * {@link ConfigStore} (a local file), statuses in a {@link StatusStore}.
 *
 * <p>All of its state is touched only on its own context: every public method hops there first, and
 * its result hops back to the caller's context. Changes to one connector are applied one after
 * another (a connector's operations are chained), so a restart racing a delete cannot interleave;
 * changes to different connectors do not wait for each other.
 */
public final class StandaloneHerder implements Herder {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneHerder.class);

    private final Vertx vertx;
    private final Context context;
    private final Worker worker;
    private final ConfigStore configs;
    private final StatusStore statuses;
    private final ConnectorValidator validator;
    private final String kafkaClusterId;
    private final ConnectorOffsetManager offsets;
    private final ClusterMonitor cluster;
    private final TaskRestarts autoRestart;
    /** The tail of each connector's chain of changes: changes to one connector run one after another. */
    private final Map<String, Future<Void>> changes = new java.util.HashMap<>();
    private volatile boolean started;
    private boolean stopping;

    public StandaloneHerder(Vertx vertx, Worker worker, ConfigStore configs, StatusStore statuses,
                            ConnectorValidator validator, String kafkaClusterId) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.worker = worker;
        this.configs = configs;
        this.statuses = statuses;
        this.validator = validator;
        this.kafkaClusterId = kafkaClusterId;
        this.offsets = new ConnectorOffsetManager(vertx, worker.services());
        this.cluster = new ClusterMonitor(vertx, worker.services().admin(), worker.services().config().bootstrapServers());
        this.autoRestart = new TaskRestarts(worker.services().config());
        worker.onTaskFailed(id -> context.runOnContext(v -> taskFailed(id)));
    }

    /**
     * A task failed: with {@code runtime.task.restart.enable}, restart it after the backoff, through
     * {@link #restartTask} (so it is chained with the connector's other changes), if it is still
     * FAILED then. On the herder's context.
     */
    private void taskFailed(TaskId id) {
        long delay = autoRestart.nextDelay(id);
        if (delay < 0 || stopping) {
            return;
        }
        LOG.info("Task {} failed; automatic restart {} in {} ms", id, autoRestart.attempts(id), delay);
        vertx.setTimer(Math.max(1, delay), t -> {
            StatusStore.Status status = statuses.task(id);
            if (stopping || status == null || status.state() != State.FAILED || !configs.connectors().containsKey(id.connector())) {
                return;
            }
            restartTask(id).onFailure(err -> LOG.warn("Automatic restart of task {} failed: {}", id, err.toString()));
        });
    }

    @Override
    public Future<Void> start() {
        return onContext(() -> configs.start().compose(v -> {
            cluster.start();
            List<Future<Void>> starts = new ArrayList<>();
            for (String name : configs.connectors().keySet()) {
                starts.add(change(name, () -> startConnector(name)));
            }
            return Future.join(starts).otherwiseEmpty().<Void>mapEmpty();
        }).onSuccess(v -> started = true));
    }

    @Override
    public boolean started() {
        return started;
    }

    @Override
    public ClusterMonitor.Outage kafkaOutage() {
        return cluster.outage();
    }

    @Override
    public Future<Void> stop() {
        return onContext(() -> {
            stopping = true;
            cluster.stop();
            // changes under way get the tasks' stop deadline to finish; a hung one does not hold up the rest
            long deadline = worker.stopDeadlineMs();
            return Future.join(new ArrayList<>(changes.values()))
                    .timeout(deadline, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .transform(ar -> worker.stop());
        });
    }

    @Override
    public String kafkaClusterId() {
        return kafkaClusterId;
    }

    @Override
    public Future<List<String>> connectors() {
        return onContext(() -> Future.succeededFuture(configs.connectors().keySet().stream().sorted().toList()));
    }

    @Override
    public Future<ConnectorInfo> connectorInfo(String name) {
        return onContext(() -> entry(name).map(e -> info(name, e)));
    }

    @Override
    public Future<Map<String, String>> connectorConfig(String name) {
        return onContext(() -> entry(name).map(ConfigStore.ConnectorEntry::config));
    }

    @Override
    public Future<Created<ConnectorInfo>> putConnectorConfig(String name, Map<String, String> config, boolean allowReplace,
                                                             TargetState initialState) {
        return worker.services().pluginCalls().call(() -> validator.validate(worker.services().configProviders().resolve(config)))
                .compose(valid -> onContext(() -> change(name, () -> {
                    ConfigStore.ConnectorEntry existing = configs.connectors().get(name);
                    if (existing != null && !allowReplace) {
                        return Future.failedFuture(new AlreadyExistsException("Connector " + name + " already exists"));
                    }
                    TargetState target = existing != null ? existing.targetState() : initialState;
                    Future<Void> stopped = existing != null ? stopConnectorAndTasks(name) : Future.succeededFuture();
                    return stopped
                            .compose(v -> configs.putConnector(name, config, target))
                            .compose(v -> {
                                LOG.info("Connector {} {} ({})", name, existing == null ? "created" : "reconfigured",
                                        config.get(ConnectorValidator.CONNECTOR_CLASS));
                                return startConnector(name);
                            })
                            .map(v -> new Created<>(existing == null, info(name, configs.connectors().get(name))));
                })));
    }

    @Override
    public Future<ConnectorInfo> patchConnectorConfig(String name, Map<String, String> patch) {
        return onContext(() -> entry(name).map(e -> {
            String patchedName = patch.get("name");
            if (patchedName != null && !patchedName.equals(name)) {
                throw new BadRequestException("Connector name configuration (" + patchedName
                        + ") doesn't match connector name in the URL (" + name + ")");
            }
            Map<String, String> merged = new java.util.HashMap<>(e.config());
            patch.forEach((k, v) -> {
                if (v == null) {
                    merged.remove(k);
                } else {
                    merged.put(k, v);
                }
            });
            merged.put("name", name);
            return merged;
        })).compose(merged -> putConnectorConfig(name, merged, true, TargetState.STARTED)).map(Created::result);
    }

    @Override
    public Future<Void> stopConnector(String name) {
        return onContext(() -> change(name, () -> entry(name).compose(e -> worker.stopTasks(name)
                .compose(v -> e.taskConfigs().isEmpty() ? Future.<Void>succeededFuture() : configs.putTaskConfigs(name, List.of()))
                .compose(v -> {
                    statuses.removeTasksFrom(name, 0);
                    return e.targetState() == TargetState.STOPPED ? Future.<Void>succeededFuture()
                            : configs.putTargetState(name, TargetState.STOPPED);
                })
                .compose(v -> worker.stopConnector(name))
                .onSuccess(v -> {
                    worker.services().report(name, State.STOPPED, null);
                    LOG.info("Connector {} stopped (target state STOPPED)", name);
                }))));
    }

    @Override
    public Future<List<ConnectorOffset>> connectorOffsets(String name) {
        return onContext(() -> entry(name).compose(e -> offsets.offsets(name, e.config())));
    }

    @Override
    public Future<String> alterConnectorOffsets(String name, Map<Map<String, ?>, Map<String, ?>> newOffsets) {
        if (newOffsets == null || newOffsets.isEmpty()) {
            return Future.failedFuture(new BadRequestException("Partitions / offsets need to be provided for an alter offsets request"));
        }
        return onContext(() -> change(name, () -> stoppedEntry(name).compose(e -> offsets.modify(name, e.config(), newOffsets))));
    }

    @Override
    public Future<String> resetConnectorOffsets(String name) {
        return onContext(() -> change(name, () -> stoppedEntry(name).compose(e -> offsets.modify(name, e.config(), null))));
    }

    /** The connector's entry when its offsets may be changed: STOPPED, with no task configs. */
    private Future<ConfigStore.ConnectorEntry> stoppedEntry(String name) {
        return entry(name).compose(e -> e.targetState() == TargetState.STOPPED && e.taskConfigs().isEmpty()
                ? Future.succeededFuture(e)
                : Future.failedFuture(new BadRequestException("Connectors must be in the STOPPED state before their offsets "
                + "can be modified. This can be done for the specified connector by issuing a 'PUT' request to the "
                + "'/connectors/" + name + "/stop' endpoint")));
    }

    @Override
    public Future<List<String>> connectorActiveTopics(String name) {
        if (!worker.services().config().getBoolean(WorkerConfig.TOPIC_TRACKING_ENABLE)) {
            return Future.failedFuture(new ForbiddenException("Topic tracking is disabled."));
        }
        return onContext(() -> Future.succeededFuture(configs.connectors().containsKey(name)
                ? statuses.activeTopics(name).stream().sorted().toList()
                : List.of()));
    }

    @Override
    public Future<Void> resetConnectorActiveTopics(String name) {
        if (!worker.services().config().getBoolean(WorkerConfig.TOPIC_TRACKING_ENABLE)) {
            return Future.failedFuture(new ForbiddenException("Topic tracking is disabled."));
        }
        if (!worker.services().config().getBoolean(WorkerConfig.TOPIC_TRACKING_ALLOW_RESET)) {
            return Future.failedFuture(new ForbiddenException("Topic tracking reset is disabled."));
        }
        return onContext(() -> {
            statuses.resetActiveTopics(name);
            LOG.info("Active topics of connector {} reset", name);
            return Future.succeededFuture();
        });
    }

    @Override
    public Future<Void> deleteConnector(String name) {
        return onContext(() -> change(name, () -> entry(name)
                .compose(e -> stopConnectorAndTasks(name))
                .compose(v -> configs.removeConnector(name))
                .onSuccess(v -> {
                    statuses.remove(name);
                    LOG.info("Connector {} deleted", name);
                })));
    }

    @Override
    public Future<ConnectorStateInfo> connectorStatus(String name) {
        return onContext(() -> entry(name).map(e -> statusOf(name, e)));
    }

    private ConnectorStateInfo statusOf(String name, ConfigStore.ConnectorEntry e) {
        StatusStore.Status s = statuses.connector(name);
        ConnectorStateInfo.ConnectorState connector = s == null
                ? new ConnectorStateInfo.ConnectorState(State.UNASSIGNED.name(), worker.services().workerId(), null,
                        worker.connectorVersion(name))
                : new ConnectorStateInfo.ConnectorState(s.state().name(), s.workerId(), s.trace(), worker.connectorVersion(name));
        List<ConnectorStateInfo.TaskState> tasks = new ArrayList<>();
        if (e.targetState() != TargetState.STOPPED) {
            for (int i = 0; i < e.taskConfigs().size(); i++) {
                tasks.add(taskState(new TaskId(name, i)));
            }
        }
        return new ConnectorStateInfo(name, connector, tasks, worker.connectorType(e.config().get(ConnectorValidator.CONNECTOR_CLASS)));
    }

    @Override
    public Future<ConnectorStateInfo.TaskState> taskStatus(TaskId id) {
        return onContext(() -> entry(id.connector()).compose(e -> {
            if (id.task() < 0 || id.task() >= e.taskConfigs().size()) {
                return Future.failedFuture(new NotFoundException("No status found for task " + id));
            }
            return Future.succeededFuture(taskState(id));
        }));
    }

    @Override
    public Future<List<TaskInfo>> taskConfigs(String name) {
        return onContext(() -> entry(name).map(e -> {
            List<TaskInfo> out = new ArrayList<>();
            for (int i = 0; i < e.taskConfigs().size(); i++) {
                out.add(new TaskInfo(new TaskId(name, i), new TreeMap<>(e.taskConfigs().get(i))));
            }
            return out;
        }));
    }

    @Override
    public Future<Void> pauseConnector(String name) {
        return setTargetState(name, TargetState.PAUSED);
    }

    @Override
    public Future<Void> resumeConnector(String name) {
        return setTargetState(name, TargetState.STARTED);
    }

    private Future<Void> setTargetState(String name, TargetState target) {
        return onContext(() -> change(name, () -> entry(name).compose(e -> {
            if (e.targetState() == target) {
                return Future.succeededFuture();
            }
            return configs.putTargetState(name, target).compose(v -> {
                LOG.info("Connector {} target state {}", name, target);
                if (e.targetState() == TargetState.STOPPED) {
                    return startConnector(name);
                }
                worker.setTargetState(name, target);
                return Future.succeededFuture();
            });
        })));
    }

    @Override
    public Future<Void> restartConnector(String name) {
        return onContext(() -> change(name, () -> entry(name).compose(e -> {
            LOG.info("Restarting connector {}", name);
            return worker.stopConnector(name).compose(v -> startConnector(name));
        })));
    }

    @Override
    public Future<Void> restartTask(TaskId id) {
        return onContext(() -> change(id.connector(), () -> entry(id.connector()).compose(e -> {
            if (id.task() < 0 || id.task() >= e.taskConfigs().size()) {
                return Future.failedFuture(new NotFoundException("Unknown task: " + id));
            }
            LOG.info("Restarting task {}", id);
            return worker.stopTask(id)
                    .compose(v -> worker.startTask(id, e.config(), e.taskConfigs().get(id.task()), e.targetState()))
                    .otherwiseEmpty();
        })));
    }

    @Override
    public Future<ConnectorStateInfo> restartConnectorAndTasks(String name, boolean onlyFailed, boolean includeTasks) {
        return onContext(() -> change(name, () -> entry(name).compose(e -> {
            StatusStore.Status connectorStatus = statuses.connector(name);
            boolean restartConnector = !onlyFailed || connectorStatus != null && connectorStatus.state() == State.FAILED;
            List<TaskId> tasks = new ArrayList<>();
            if (includeTasks && e.targetState() != TargetState.STOPPED) {
                for (int i = 0; i < e.taskConfigs().size(); i++) {
                    TaskId id = new TaskId(name, i);
                    StatusStore.Status s = statuses.task(id);
                    if (!onlyFailed || s != null && s.state() == State.FAILED) {
                        tasks.add(id);
                    }
                }
            }
            ConnectorStateInfo plan = restartPlan(name, e, restartConnector, tasks);
            LOG.info("Restarting connector {} ({}) and tasks {}", name, restartConnector ? "restarted" : "kept", tasks);
            Future<Void> connectorStopped = restartConnector
                    ? worker.stopConnector(name).onSuccess(v -> worker.services().report(name, State.RESTARTING, null))
                    : Future.succeededFuture();
            return connectorStopped
                    .compose(v -> Future.join(tasks.stream().map(id -> worker.stopTask(id)
                            .onSuccess(x -> worker.services().report(id, State.RESTARTING, null))).toList()))
                    .compose(v -> restartConnector ? startConnector(name) : Future.<Void>succeededFuture())
                    .compose(v -> {
                        ConfigStore.ConnectorEntry current = configs.connectors().get(name);
                        List<Future<Void>> starts = new ArrayList<>();
                        for (TaskId id : tasks) {
                            if (current != null && id.task() < current.taskConfigs().size()
                                    && !worker.runningTasks(name).contains(id)) {
                                starts.add(worker.startTask(id, current.config(), current.taskConfigs().get(id.task()),
                                        current.targetState()));
                            }
                        }
                        return Future.join(starts).otherwiseEmpty();
                    })
                    .map(v -> plan);
        })));
    }

    /** The status as it is, with the connector and the tasks about to be restarted shown RESTARTING. */
    private ConnectorStateInfo restartPlan(String name, ConfigStore.ConnectorEntry e, boolean restartConnector, List<TaskId> tasks) {
        ConnectorStateInfo now = statusOf(name, e);
        ConnectorStateInfo.ConnectorState connector = restartConnector
                ? now.connector().withState(State.RESTARTING.name())
                : now.connector();
        List<ConnectorStateInfo.TaskState> taskStates = now.tasks().stream()
                .map(t -> tasks.contains(new TaskId(name, t.id()))
                        ? t.withState(State.RESTARTING.name())
                        : t)
                .toList();
        return new ConnectorStateInfo(name, connector, taskStates, now.type());
    }

    /** Starts a stored connector (unless STOPPED) and brings its tasks in line with its task configs. */
    private Future<Void> startConnector(String name) {
        ConfigStore.ConnectorEntry e = configs.connectors().get(name);
        if (e == null) {
            return Future.succeededFuture();
        }
        if (e.targetState() == TargetState.STOPPED) {
            worker.services().report(name, State.STOPPED, null);
            return Future.succeededFuture();
        }
        return worker.startConnector(name, e.config(), e.targetState(), new HerderConnectorContext(name))
                .compose(v -> reconfigureTasks(name))
                .otherwiseEmpty();
    }

    /** Regenerates the connector's task configs; restarts its tasks when they changed or are not running. */
    private Future<Void> reconfigureTasks(String name) {
        ConfigStore.ConnectorEntry e = configs.connectors().get(name);
        if (e == null || !worker.isRunning(name)) {
            return Future.succeededFuture();
        }
        int maxTasks = Integer.parseInt(e.config().getOrDefault(ConnectorValidator.TASKS_MAX, "1").trim());
        return worker.taskConfigs(name, maxTasks).<Void>compose(newConfigs -> {
            if (newConfigs.size() > maxTasks) {
                if (!"false".equalsIgnoreCase(e.config().getOrDefault(ConnectorValidator.TASKS_MAX_ENFORCE, "true").trim())) {
                    return worker.stopTasks(name).compose(v -> Future.failedFuture(new org.apache.kafka.connect.errors.ConnectException(
                            "The connector " + name + " has generated " + newConfigs.size() + " tasks, which is greater than "
                            + maxTasks + ", the maximum number of tasks it is configured to create. This behaviour should be "
                            + "considered a bug and is disallowed. If necessary, it can be permitted by reconfiguring the "
                            + "connector with 'tasks.max.enforce' set to false; however, this option will be removed in a "
                            + "future release of Kafka Connect.")));
                }
                LOG.warn("Connector {} generated {} tasks, more than tasks.max={}; allowed by tasks.max.enforce=false",
                        name, newConfigs.size(), maxTasks);
            }
            boolean changed = !newConfigs.equals(e.taskConfigs());
            boolean running = !worker.runningTasks(name).isEmpty();
            if (!changed && running) {
                return Future.succeededFuture();
            }
            Future<Void> stored = changed ? configs.putTaskConfigs(name, newConfigs) : Future.succeededFuture();
            return stored
                    .compose(v -> worker.stopTasks(name))
                    .compose(v -> {
                        statuses.removeTasksFrom(name, newConfigs.size());
                        ConfigStore.ConnectorEntry current = configs.connectors().get(name);
                        List<Future<Void>> starts = new ArrayList<>();
                        for (int i = 0; i < newConfigs.size(); i++) {
                            starts.add(worker.startTask(new TaskId(name, i), current.config(), newConfigs.get(i), current.targetState()));
                        }
                        return Future.join(starts).otherwiseEmpty().<Void>mapEmpty();
                    });
        }).recover(err -> {
            LOG.error("Could not generate task configs of connector {}: {}", name, err.toString());
            worker.services().report(name, State.FAILED, err);
            return Future.succeededFuture();
        });
    }

    private Future<Void> stopConnectorAndTasks(String name) {
        return worker.stopTasks(name).compose(v -> worker.stopConnector(name));
    }

    private ConnectorStateInfo.TaskState taskState(TaskId id) {
        StatusStore.Status s = statuses.task(id);
        return s == null
                ? new ConnectorStateInfo.TaskState(id.task(), State.UNASSIGNED.name(), worker.services().workerId(), null,
                        worker.taskVersion(id))
                : new ConnectorStateInfo.TaskState(id.task(), s.state().name(), s.workerId(), s.trace(), worker.taskVersion(id));
    }

    private ConnectorInfo info(String name, ConfigStore.ConnectorEntry e) {
        List<TaskId> tasks = new ArrayList<>();
        for (int i = 0; i < e.taskConfigs().size(); i++) {
            tasks.add(new TaskId(name, i));
        }
        return new ConnectorInfo(name, new TreeMap<>(e.config()), tasks,
                worker.connectorType(e.config().get(ConnectorValidator.CONNECTOR_CLASS)));
    }

    private Future<ConfigStore.ConnectorEntry> entry(String name) {
        ConfigStore.ConnectorEntry e = configs.connectors().get(name);
        return e == null
                ? Future.failedFuture(new NotFoundException("Connector " + name + " not found"))
                : Future.succeededFuture(e);
    }

    /**
     * Runs a change to {@code connector} after every earlier change to it completed. Changes to
     * different connectors do not wait for each other, so a connector hanging in plugin code holds up
     * only its own changes. Called on the herder's context.
     */
    private <T> Future<T> change(String connector, Supplier<Future<T>> action) {
        if (stopping) {
            return Future.failedFuture(new org.apache.kafka.connect.errors.ConnectException("The worker is stopping"));
        }
        Future<T> result = changes.getOrDefault(connector, Future.succeededFuture()).transform(ignored -> {
            try {
                return action.get();
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
        });
        Future<Void> tail = result.transform(ar -> Future.succeededFuture());
        changes.put(connector, tail);
        // forget a finished chain, unless a later change was queued behind it meanwhile
        tail.onComplete(ar -> changes.remove(connector, tail));
        return result;
    }

    /** Runs {@code action} on the herder's context; the result is delivered on the caller's context. */
    private <T> Future<T> onContext(Supplier<Future<T>> action) {
        Context caller = Vertx.currentContext();
        Promise<T> promise = Promise.promise();
        context.runOnContext(v -> {
            Future<T> f;
            try {
                f = action.get();
            } catch (RuntimeException e) {
                f = Future.failedFuture(e);
            }
            f.onComplete(ar -> {
                if (caller == null || caller == context) {
                    promise.handle(ar);
                } else {
                    caller.runOnContext(x -> promise.handle(ar));
                }
            });
        });
        return promise.future();
    }

    /** The connector's view of the herder. Its calls may come from any thread. */
    private final class HerderConnectorContext implements ConnectorContext {
        private final String name;

        HerderConnectorContext(String name) {
            this.name = name;
        }

        @Override
        public void requestTaskReconfiguration() {
            onContext(() -> change(name, () -> reconfigureTasks(name)));
        }

        @Override
        public void raiseError(Exception e) {
            onContext(() -> {
                LOG.error("Connector {} raised an error: {}", name, e.toString());
                worker.services().report(name, State.FAILED, e);
                return Future.succeededFuture();
            });
        }

        @Override
        public PluginMetrics pluginMetrics() {
            return worker.services().pluginMetrics().forConnector(name);
        }
    }
}
