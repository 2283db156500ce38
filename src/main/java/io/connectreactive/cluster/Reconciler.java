package io.connectreactive.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import io.connectreactive.herder.ConnectorValidator;
import io.connectreactive.model.State;
import io.connectreactive.model.TargetState;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.Worker;
import io.connectreactive.runtime.sink.SinkTaskVerticle;
import io.connectreactive.storage.ConfigStore;
import io.connectreactive.storage.StatusStore;
import io.vertx.core.Future;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.connect.connector.ConnectorContext;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs on this worker, kept in line with the config topic and the assignment ({@link #reconcile}):
 * the connectors and tasks started here, with the configs they were started with, and the target state
 * applied to each connector. It stops what is no longer assigned here, changed or STOPPED, starts what is
 * assigned here and not running (exactly-once source tasks after a round of zombie fencing, every task
 * after reading the offset topic to its end), applies the restart requests read from the config topic to
 * what runs here, and stops everything at once when the worker is fenced ({@link #stopFenced}).
 *
 * <p>Threads: called on the herder's context, each connector's reconcile in that connector's chain of
 * changes (the herder's {@code change}); the worker's calls complete there.
 */
final class Reconciler {

    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    /** What the herder lends the reconciler (its connector-level steps). Called on the herder's context. */
    interface Host {
        boolean stopping();

        /** Why this worker does not run connector {@code name} with {@code config}, or null when it does. */
        ConnectException refusal(String name, Map<String, String> config);

        /** Reports the connector (when {@code connector}) and {@code tasks} FAILED with {@code refusal} instead of starting them. */
        void refuse(String name, ConnectException refusal, boolean connector, List<TaskId> tasks);

        ConnectorContext connectorContext(String name);

        /** Regenerates the task configs of the connector running here. */
        Future<Void> reconfigureTasks(String name);
    }

    /**
     * @param generation the connector's task config generation then ({@link ConfigStore#taskConfigGeneration}): an
     *        exactly-once source task of an older one restarts, as Kafka Connect restarts them, to be fenced
     */
    private record Started(Map<String, String> connectorConfig, Map<String, String> taskConfig, int generation) {
    }

    private final Worker worker;
    private final ConfigStore configs;
    private final StatusStore statuses;
    private final Rebalancer rebalancer;
    private final Fencing fencing;
    private final ZombieFencing zombies;
    private final Host host;
    /** Whether source tasks here run exactly once and so need a round of zombie fencing before they start. */
    private final boolean exactlyOnceSource;
    /** How long a fenced worker gives each task to stop before abandoning it. */
    private final long fenceStopMs;
    /** Connectors started here, with the config they were started with. */
    private final Map<String, Map<String, String>> connectorsHere = new HashMap<>();
    /** Tasks started here, with the configs they were started with. */
    private final Map<TaskId, Started> tasksHere = new HashMap<>();
    /** The target state last applied to what runs here of each connector. */
    private final Map<String, TargetState> targetsHere = new HashMap<>();
    /** Completes when the tasks and connectors stopped by the last fence have stopped. */
    private Future<Void> fenceStops = Future.succeededFuture();

    Reconciler(Worker worker, ConfigStore configs, StatusStore statuses, Rebalancer rebalancer, Fencing fencing,
               ZombieFencing zombies, Host host) {
        this.worker = worker;
        this.configs = configs;
        this.statuses = statuses;
        this.rebalancer = rebalancer;
        this.fencing = fencing;
        this.zombies = zombies;
        this.host = host;
        this.exactlyOnceSource = worker.services().config().exactlyOnceSourceEnabled();
        this.fenceStopMs = worker.services().config().fenceStopMs();
    }

    /** The connectors something of which runs here, sorted. */
    Set<String> connectorsRunningHere() {
        Set<String> names = new TreeSet<>(connectorsHere.keySet());
        tasksHere.keySet().forEach(id -> names.add(id.connector()));
        return names;
    }

    /** Completes when the tasks and connectors stopped by the last fence have stopped. */
    Future<Void> fenceStops() {
        return fenceStops;
    }

    boolean isSource(ConfigStore.ConnectorEntry e) {
        return "source".equals(worker.connectorType(e.config().get(ConnectorValidator.CONNECTOR_CLASS)));
    }

    static boolean failed(StatusStore.Status s) {
        return s != null && s.state() == State.FAILED;
    }

    /** Fenced: stops everything that runs here at once, each task within the fence's stop bound; starts nothing while fenced. */
    void stopFenced(String reason) {
        LOG.warn("Worker {} is fenced: {}; stopping its connectors and tasks (each task within {} ms)",
                worker.services().workerId(), reason, fenceStopMs);
        long start = System.nanoTime();
        List<Future<Void>> tasks = new ArrayList<>();
        for (TaskId id : new ArrayList<>(tasksHere.keySet())) {
            tasksHere.remove(id);
            tasks.add(worker.stopTask(id, fenceStopMs));
        }
        List<Future<Void>> all = new ArrayList<>(tasks);
        for (String name : new ArrayList<>(connectorsHere.keySet())) {
            connectorsHere.remove(name);
            all.add(worker.stopConnector(name));
        }
        targetsHere.clear();
        fenceStops = Future.join(all).transform(ar -> Future.succeededFuture());
        int count = tasks.size();
        Future.join(tasks).onComplete(ar -> LOG.info("Worker {} fenced: its {} tasks stopped in {} ms", worker.services().workerId(),
                count, (System.nanoTime() - start) / 1_000_000));
    }

    /** Applies a restart request read from the config topic to what runs here of its connector, then reconciles it. In its chain. */
    Future<Void> restart(ConfigStore.RestartRequest request) {
        String name = request.connector();
        List<Future<Void>> stops = new ArrayList<>();
        if (connectorsHere.containsKey(name) && (!request.onlyFailed() || failed(statuses.connector(name)))) {
            connectorsHere.remove(name);
            stops.add(worker.stopConnector(name).onSuccess(v -> worker.services().report(name, State.RESTARTING, null)));
        }
        if (request.includeTasks()) {
            for (TaskId id : tasksOf(name)) {
                if (!request.onlyFailed() || failed(statuses.task(id))) {
                    tasksHere.remove(id);
                    stops.add(worker.stopTask(id).onSuccess(v -> worker.services().report(id, State.RESTARTING, null)));
                }
            }
        }
        if (!stops.isEmpty()) {
            LOG.info("Restarting what runs here of connector {} (only failed: {}, tasks: {})", name,
                    request.onlyFailed(), request.includeTasks());
        }
        return Future.join(stops).transform(ar -> reconcile(name));
    }

    /** Stops the task if it runs here and starts it again if it is (still) assigned here. In its connector's chain. */
    Future<Void> restartTask(TaskId id) {
        LOG.info("Restarting task {}", id);
        Future<Void> stopped = tasksHere.remove(id) != null ? worker.stopTask(id) : Future.succeededFuture();
        return stopped.compose(v -> reconcile(id.connector()));
    }

    /**
     * Brings what runs here of {@code name} in line with the config topic and the assignment: stops
     * what is no longer assigned here, changed or STOPPED; applies a new target state; starts what is
     * assigned here and not running (a source task after reading the offset topic to its end, since
     * another worker may have run it). In the connector's chain of changes.
     */
    Future<Void> reconcile(String name) {
        if (host.stopping() || rebalancer.self() == null) {
            return Future.succeededFuture();
        }
        Assignment assignment = rebalancer.current();
        ConfigStore.ConnectorEntry e = configs.connectors().get(name);
        boolean runs = e != null && e.targetState() != TargetState.STOPPED;
        int taskGeneration = configs.taskConfigGeneration(name);
        // exactly-once source tasks all restart on new task configs (as Kafka Connect's do), so that the previous
        // generation is fenced before any of the new one runs, and no task keeps a producer the fencing would fence
        boolean fencedTasks = e != null && exactlyOnceSource && isSource(e);
        List<Future<Void>> stops = new ArrayList<>();
        for (TaskId id : tasksOf(name)) {
            Started s = tasksHere.get(id);
            boolean keep = runs && id.task() < e.taskConfigs().size() && mine(assignment.taskOwner(id))
                    && s.connectorConfig().equals(e.config()) && s.taskConfig().equals(e.taskConfigs().get(id.task()))
                    && (!fencedTasks || s.generation() == taskGeneration);
            if (!keep) {
                tasksHere.remove(id);
                boolean gone = !runs || id.task() >= e.taskConfigs().size();
                stops.add(worker.stopTask(id).onSuccess(v -> {
                    if (gone) {
                        leaveGroup(id);
                    }
                }));
            }
        }
        boolean ownsConnector = e != null && mine(assignment.connectorOwner(name));
        Map<String, String> startedWith = connectorsHere.get(name);
        if (startedWith != null && !(ownsConnector && runs && startedWith.equals(e.config()))) {
            connectorsHere.remove(name);
            stops.add(worker.stopConnector(name));
        }
        return Future.join(stops).transform(ar -> {
            if (fencing.isFenced()) {
                return Future.succeededFuture(); // fenced while these stopped: start nothing
            }
            if (e == null) {
                targetsHere.remove(name);
                return Future.succeededFuture();
            }
            TargetState applied = targetsHere.get(name);
            if (applied != null && applied != e.targetState() && runs) {
                worker.setTargetState(name, e.targetState());
            }
            targetsHere.put(name, e.targetState());
            if (ownsConnector && !runs) {
                StatusStore.Status s = statuses.connector(name);
                if (s == null || s.state() != State.STOPPED || !worker.services().workerId().equals(s.workerId())) {
                    worker.services().report(name, State.STOPPED, null);
                    LOG.info("Connector {} stopped (target state STOPPED)", name);
                }
            }
            return start(name, e, runs, ownsConnector, fencedTasks, taskGeneration);
        });
    }

    /** The starting half of {@link #reconcile}: the connector and the tasks assigned here and not running. */
    private Future<Void> start(String name, ConfigStore.ConnectorEntry e, boolean runs, boolean ownsConnector, boolean fencedTasks,
                               int taskGeneration) {
        Assignment assignment = rebalancer.current();
        // a stored config this runtime cannot honour (written by Kafka Connect before the move): its connector
        // and tasks are reported FAILED instead, and kept here as started, so that it is refused once per change
        ConnectException refused = runs ? host.refusal(name, e.config()) : null;
        Future<Void> connector = Future.succeededFuture();
        boolean startsConnector = ownsConnector && runs && !connectorsHere.containsKey(name);
        if (startsConnector) {
            connectorsHere.put(name, e.config());
            if (refused == null) {
                connector = worker.startConnector(name, e.config(), e.targetState(), host.connectorContext(name))
                        .compose(v -> host.reconfigureTasks(name))
                        .otherwiseEmpty();
            }
        }
        List<TaskId> toStart = new ArrayList<>();
        if (runs) {
            for (int i = 0; i < e.taskConfigs().size(); i++) {
                TaskId id = new TaskId(name, i);
                if (mine(assignment.taskOwner(id)) && !tasksHere.containsKey(id)) {
                    toStart.add(id);
                }
            }
        }
        for (TaskId id : toStart) {
            tasksHere.put(id, new Started(e.config(), e.taskConfigs().get(id.task()), taskGeneration));
        }
        if (refused != null) {
            if (startsConnector || !toStart.isEmpty()) {
                host.refuse(name, refused, startsConnector, toStart);
            }
            return connector;
        }
        if (toStart.isEmpty()) {
            return connector;
        }
        Future<Void> fenced = fencedTasks ? zombies.beforeTasksStart(name, taskGeneration, toStart, tasksHere.keySet())
                : Future.succeededFuture();
        // bounded: during a broker outage the read would wait for the broker; the tasks then start from what was read
        Future<Void> tasks = fenced.compose(f -> worker.services().offsets().refresh())
                .timeout(worker.stopDeadlineMs() + 30_000, TimeUnit.MILLISECONDS)
                .recover(err -> {
                    LOG.warn("Could not read the offset topic to its end before starting tasks of {}: {}", name, err.toString());
                    return Future.succeededFuture();
                })
                // not those the worker stopped meanwhile, having fenced itself
                .compose(v -> Future.join(toStart.stream().filter(tasksHere::containsKey).map(id -> worker.startTask(id, e.config(),
                        e.taskConfigs().get(id.task()), e.targetState())).toList()).otherwiseEmpty().mapEmpty());
        return Future.join(connector, tasks).otherwiseEmpty().mapEmpty();
    }

    /** Whether {@code owner} is this worker, which is not fenced. */
    private boolean mine(String owner) {
        return !fencing.isFenced() && rebalancer.self().equals(owner);
    }

    /**
     * A sink task that no longer exists (its connector deleted or STOPPED, or fewer tasks) takes its
     * static member out of the connector's consumer group, so its partitions go to the other tasks now
     * rather than after session.timeout.ms, and a STOPPED connector's group is empty for offset changes.
     * Harmless for a source task (no such group or member).
     */
    private void leaveGroup(TaskId id) {
        String group = "connect-" + id.connector();
        worker.services().admin().removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions(
                        List.of(new MemberToRemove(SinkTaskVerticle.staticMemberId(id)))))
                .all().whenComplete((v, err) -> {
                    if (err == null) {
                        LOG.info("Task {} left consumer group {}", id, group);
                    }
                });
    }

    private List<TaskId> tasksOf(String name) {
        return tasksHere.keySet().stream().filter(id -> id.connector().equals(name)).sorted(
                Comparator.comparingInt(TaskId::task)).toList();
    }
}
