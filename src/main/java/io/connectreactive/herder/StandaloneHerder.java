package io.connectreactive.herder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.connectreactive.model.State;
import io.connectreactive.model.TargetState;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.Worker;
import io.connectreactive.storage.ConfigStore;
import io.connectreactive.storage.StatusStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.apache.kafka.connect.errors.AlreadyExistsException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The herder of a standalone worker: one worker runs every connector and task; configs live in a
 * {@link ConfigStore} (a local file), statuses in a {@link StatusStore}.
 */
public final class StandaloneHerder extends AbstractHerder {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneHerder.class);

    private static final int TASKS_PER_TURN = 50;

    public StandaloneHerder(Vertx vertx, Worker worker, ConfigStore configs, StatusStore statuses,
                            ConnectorValidator validator, String kafkaClusterId) {
        super(vertx, worker, configs, statuses, validator, kafkaClusterId);
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
    public Future<Created<ConnectorInfo>> putConnectorConfig(String name, Map<String, String> config, boolean allowReplace,
                                                             TargetState initialState) {
        return validate(config)
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
    protected Future<Void> setTargetState(String name, TargetState target) {
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
                    .compose(v -> startTask(id, e))
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
                        if (current != null && restartConnector && refusal(name, current.config()) != null) {
                            return Future.succeededFuture(); // startConnector reported its tasks FAILED too
                        }
                        List<Future<Void>> starts = new ArrayList<>();
                        for (TaskId id : tasks) {
                            if (current != null && id.task() < current.taskConfigs().size()
                                    && !worker.runningTasks(name).contains(id)) {
                                starts.add(startTask(id, current));
                            }
                        }
                        return Future.join(starts).otherwiseEmpty();
                    })
                    .map(v -> plan);
        })));
    }

    /**
     * Starts a stored connector (unless STOPPED) and brings its tasks in line with its task configs; one
     * whose config this runtime cannot honour ({@link #refusal}) is reported FAILED, with its stored
     * tasks, and not started.
     */
    private Future<Void> startConnector(String name) {
        ConfigStore.ConnectorEntry e = configs.connectors().get(name);
        if (e == null) {
            return Future.succeededFuture();
        }
        if (e.targetState() == TargetState.STOPPED) {
            worker.services().report(name, State.STOPPED, null);
            return Future.succeededFuture();
        }
        ConnectException refused = refusal(name, e.config());
        if (refused != null) {
            List<TaskId> tasks = new ArrayList<>();
            for (int i = 0; i < e.taskConfigs().size(); i++) {
                tasks.add(new TaskId(name, i));
            }
            refuse(name, refused, true, tasks);
            return Future.succeededFuture();
        }
        return worker.startConnector(name, e.config(), e.targetState(), connectorContext(name))
                .compose(v -> reconfigureTasks(name))
                .otherwiseEmpty();
    }

    /** Starts a task from its stored config, unless its connector's config is one this runtime cannot honour. */
    private Future<Void> startTask(TaskId id, ConfigStore.ConnectorEntry e) {
        ConnectException refused = refusal(id.connector(), e.config());
        if (refused != null) {
            refuse(id.connector(), refused, false, List.of(id));
            return Future.succeededFuture();
        }
        return worker.startTask(id, e.config(), e.taskConfigs().get(id.task()), e.targetState());
    }

    @Override
    protected Future<Void> tasksGenerated(String name, List<Map<String, String>> newConfigs, boolean changed) {
        if (!changed && !worker.runningTasks(name).isEmpty()) {
            return Future.succeededFuture();
        }
        Future<Void> stored = changed ? configs.putTaskConfigs(name, newConfigs) : Future.succeededFuture();
        return stored
                .compose(v -> worker.stopTasks(name))
                .compose(v -> {
                    statuses.removeTasksFrom(name, newConfigs.size());
                    ConfigStore.ConnectorEntry current = configs.connectors().get(name);
                    return startTasks(name, current, newConfigs, 0, new ArrayList<>());
                });
    }

    /**
     * Starts the tasks {@value #TASKS_PER_TURN} per event-loop turn (each start reports a status and
     * registers meters: a thousand in one turn would hold the loop for half a second); completes when all did.
     */
    private Future<Void> startTasks(String name, ConfigStore.ConnectorEntry current, List<Map<String, String>> taskConfigs,
                                    int from, List<Future<Void>> starts) {
        int to = Math.min(from + TASKS_PER_TURN, taskConfigs.size());
        for (int i = from; i < to; i++) {
            starts.add(worker.startTask(new TaskId(name, i), current.config(), taskConfigs.get(i), current.targetState()));
        }
        if (to == taskConfigs.size()) {
            return Future.join(starts).otherwiseEmpty().mapEmpty();
        }
        Promise<Void> rest = Promise.promise();
        context.runOnContext(v -> startTasks(name, current, taskConfigs, to, starts).onComplete(rest));
        return rest.future();
    }
}
