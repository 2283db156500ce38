package io.connectreactive.herder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every herder shares: the read side (connectors, configs, statuses, offsets, active topics),
 * validation, task-config generation, automatic task restarts, and the discipline of running on one
 * context with changes chained per connector. The subclasses decide where connectors and tasks run:
 * {@link StandaloneHerder} runs them all here, {@code cluster.ClusteredHerder} runs what the cluster's
 * leader assigned to this worker.
 *
 * <p>All of its state is touched only on its own context: every public method hops there first, and
 * its result hops back to the caller's context. Changes to one connector are applied one after
 * another (a connector's operations are chained), so a restart racing a delete cannot interleave;
 * changes to different connectors do not wait for each other.
 */
public abstract class AbstractHerder implements Herder {

    private static final Logger LOG = LoggerFactory.getLogger(AbstractHerder.class);

    protected final Vertx vertx;
    protected final Context context;
    protected final Worker worker;
    protected final ConfigStore configs;
    protected final StatusStore statuses;
    protected final ConnectorValidator validator;
    protected final ConnectorOffsetManager offsets;
    protected final ClusterMonitor cluster;
    private final String kafkaClusterId;
    private final TaskRestarts autoRestart;
    /** The tail of each connector's chain of changes: changes to one connector run one after another. */
    private final Map<String, Future<Void>> changes = new HashMap<>();
    protected volatile boolean started;
    protected boolean stopping;

    protected AbstractHerder(Vertx vertx, Worker worker, ConfigStore configs, StatusStore statuses,
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
    protected void taskFailed(TaskId id) {
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
                    .timeout(deadline, TimeUnit.MILLISECONDS)
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
    public Future<ConnectorInfo> patchConnectorConfig(String name, Map<String, String> patch) {
        return onContext(() -> entry(name).map(e -> {
            String patchedName = patch.get("name");
            if (patchedName != null && !patchedName.equals(name)) {
                throw new BadRequestException("Connector name configuration (" + patchedName
                        + ") doesn't match connector name in the URL (" + name + ")");
            }
            Map<String, String> merged = new HashMap<>(e.config());
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
    public Future<List<ConnectorOffset>> connectorOffsets(String name) {
        return onContext(() -> entry(name).compose(e -> offsets.offsets(name, e.config())));
    }

    @Override
    public Future<String> alterConnectorOffsets(String name, Map<Map<String, ?>, Map<String, ?>> newOffsets) {
        if (newOffsets == null || newOffsets.isEmpty()) {
            return Future.failedFuture(new BadRequestException("Partitions / offsets need to be provided for an alter offsets request"));
        }
        return onContext(() -> change(name, () -> stoppedEntry(name).compose(e -> beforeOffsetsChange(name, e)
                .compose(v -> offsets.modify(name, e.config(), newOffsets)))));
    }

    @Override
    public Future<String> resetConnectorOffsets(String name) {
        return onContext(() -> change(name, () -> stoppedEntry(name).compose(e -> beforeOffsetsChange(name, e)
                .compose(v -> offsets.modify(name, e.config(), null)))));
    }

    /**
     * What must happen before a STOPPED connector's offsets change (in its chain of changes): nothing here;
     * a clustered worker with exactly-once source support fences the source connector's tasks first.
     */
    protected Future<Void> beforeOffsetsChange(String name, ConfigStore.ConnectorEntry e) {
        return Future.succeededFuture();
    }

    /** The connector's entry when its offsets may be changed: STOPPED, with no task configs. */
    protected Future<ConfigStore.ConnectorEntry> stoppedEntry(String name) {
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
    public Future<ConnectorStateInfo> connectorStatus(String name) {
        return onContext(() -> entry(name).map(e -> statusOf(name, e)));
    }

    protected ConnectorStateInfo statusOf(String name, ConfigStore.ConnectorEntry e) {
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

    /** The status as it is, with the connector and the tasks about to be restarted shown RESTARTING. */
    protected ConnectorStateInfo restartPlan(String name, ConfigStore.ConnectorEntry e, boolean restartConnector, List<TaskId> tasks) {
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

    /**
     * Runs a change after validating {@code config} (its config-provider placeholders resolved) on a
     * plugin thread; a config that does not validate fails with BadRequestException.
     */
    protected Future<Void> validate(Map<String, String> config) {
        return worker.services().pluginCalls().call(() -> {
            validator.validate(worker.services().configProviders().resolve(config));
            return null;
        });
    }

    /** Changes the connector's target state (pause, resume). */
    protected abstract Future<Void> setTargetState(String name, TargetState target);

    /**
     * The running connector generated {@code newConfigs} (on the herder's context, in the connector's
     * chain of changes): store them when {@code changed} and bring the tasks in line.
     */
    protected abstract Future<Void> tasksGenerated(String name, List<Map<String, String>> newConfigs, boolean changed);

    /** Regenerates the connector's task configs (the connector runs here) and hands them to {@link #tasksGenerated}. */
    protected Future<Void> reconfigureTasks(String name) {
        ConfigStore.ConnectorEntry e = configs.connectors().get(name);
        if (e == null || !worker.isRunning(name)) {
            return Future.succeededFuture();
        }
        int maxTasks = Integer.parseInt(e.config().getOrDefault(ConnectorValidator.TASKS_MAX, "1").trim());
        return worker.taskConfigs(name, maxTasks).<Void>compose(newConfigs -> {
            if (newConfigs.size() > maxTasks) {
                if (!"false".equalsIgnoreCase(e.config().getOrDefault(ConnectorValidator.TASKS_MAX_ENFORCE, "true").trim())) {
                    return worker.stopTasks(name).compose(v -> Future.failedFuture(new ConnectException(
                            "The connector " + name + " has generated " + newConfigs.size() + " tasks, which is greater than "
                            + maxTasks + ", the maximum number of tasks it is configured to create. This behaviour should be "
                            + "considered a bug and is disallowed. If necessary, it can be permitted by reconfiguring the "
                            + "connector with 'tasks.max.enforce' set to false; however, this option will be removed in a "
                            + "future release of Kafka Connect.")));
                }
                LOG.warn("Connector {} generated {} tasks, more than tasks.max={}; allowed by tasks.max.enforce=false",
                        name, newConfigs.size(), maxTasks);
            }
            return tasksGenerated(name, newConfigs, !newConfigs.equals(e.taskConfigs()));
        }).recover(err -> {
            LOG.error("Could not generate task configs of connector {}: {}", name, err.toString());
            worker.services().report(name, State.FAILED, err);
            return Future.succeededFuture();
        });
    }

    /**
     * Why this worker does not run connector {@code name} with {@code config}, or null when it does: a
     * source connector's exactly-once setting it cannot honour ({@link ExactlyOnceSourceKeys#unsupported}:
     * on a worker without exactly-once source support {@code exactly.once.support=required} and transaction
     * boundaries; on a standalone worker also a per-connector offsets topic).
     * Validation refuses such a config on create and update; this catches one stored without it (by
     * Kafka Connect in the config topic before the cluster moved to this runtime, or in a standalone
     * worker's stored configs), which would otherwise run at least once where exactly once was asked
     * for. On the herder's context.
     */
    protected ConnectException refusal(String name, Map<String, String> config) {
        String error = ExactlyOnceSourceKeys.unsupported(config, worker.services().config().exactlyOnceSourceEnabled(),
                worker.services().config().clustered());
        if (error == null || !"source".equals(worker.connectorType(config.get(ConnectorValidator.CONNECTOR_CLASS)))) {
            return null;
        }
        return new ConnectException("Connector " + name + " and its tasks are not started: " + error);
    }

    /**
     * Instead of starting them, reports the connector (when {@code connector}) and {@code tasks} FAILED
     * with {@code refusal} (its message names the key), in one log line. On the herder's context.
     */
    protected void refuse(String name, ConnectException refusal, boolean connector, List<TaskId> tasks) {
        if (connector) {
            LOG.error("{}", refusal.getMessage());
            worker.services().report(name, State.FAILED, refusal);
        } else {
            LOG.error("Tasks {} not started: {}", tasks, refusal.getMessage());
        }
        tasks.forEach(id -> worker.services().report(id, State.FAILED, refusal));
    }

    protected Future<Void> stopConnectorAndTasks(String name) {
        return worker.stopTasks(name).compose(v -> worker.stopConnector(name));
    }

    protected ConnectorStateInfo.TaskState taskState(TaskId id) {
        StatusStore.Status s = statuses.task(id);
        return s == null
                ? new ConnectorStateInfo.TaskState(id.task(), State.UNASSIGNED.name(), worker.services().workerId(), null,
                        worker.taskVersion(id))
                : new ConnectorStateInfo.TaskState(id.task(), s.state().name(), s.workerId(), s.trace(), worker.taskVersion(id));
    }

    protected ConnectorInfo info(String name, ConfigStore.ConnectorEntry e) {
        List<TaskId> tasks = new ArrayList<>();
        for (int i = 0; i < e.taskConfigs().size(); i++) {
            tasks.add(new TaskId(name, i));
        }
        return new ConnectorInfo(name, new TreeMap<>(e.config()), tasks,
                worker.connectorType(e.config().get(ConnectorValidator.CONNECTOR_CLASS)));
    }

    protected Future<ConfigStore.ConnectorEntry> entry(String name) {
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
    protected <T> Future<T> change(String connector, Supplier<Future<T>> action) {
        if (stopping) {
            return Future.failedFuture(new ConnectException("The worker is stopping"));
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
    protected <T> Future<T> onContext(Supplier<Future<T>> action) {
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

    /** The connector's view of the herder, given to it at start. */
    protected ConnectorContext connectorContext(String name) {
        return new HerderConnectorContext(name);
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
