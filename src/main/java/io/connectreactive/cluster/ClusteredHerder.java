package io.connectreactive.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

import io.connectreactive.herder.AbstractHerder;
import io.connectreactive.herder.ConnectorStateInfo;
import io.connectreactive.herder.ConnectorValidator;
import io.connectreactive.model.State;
import io.connectreactive.model.TargetState;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.Worker;
import io.connectreactive.runtime.sink.SinkTaskVerticle;
import io.connectreactive.storage.ConfigStore;
import io.connectreactive.storage.StatusStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.connect.errors.AlreadyExistsException;
import org.apache.kafka.connect.errors.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The herder of a clustered worker. Configs, target states, task configs and restart requests live in
 * Kafka Connect's config topic, statuses in its status topic, offsets in its offset topic; every
 * worker reads all three, so any worker answers every read. Hazelcast carries the members and the
 * current {@link Assignment}: the oldest member computes it on every join, leave and config change
 * ({@link Assignor}: balanced and sticky) and publishes it; every worker then reconciles, per
 * connector, what runs here with what the topics and the assignment say should ({@link #reconcile}).
 *
 * <p>Writes work on any worker (the config topic orders them); the REST layer forwards them to the
 * leader, as Kafka Connect does, so that one worker applies them in order. A restart of one task goes
 * to the worker running it over the event bus; other restarts are Kafka Connect's restart requests in
 * the config topic, applied by every worker to what it runs.
 *
 * <p><b>Fencing.</b> {@link Fencing} decides whether this worker reaches a majority of its view (the
 * members of the last assignment applied here) and tells the herder when it does not: the herder then
 * stops everything it runs at once, each task within {@link io.connectreactive.config.WorkerConfig#fenceStopMs()},
 * and starts nothing until told it is unfenced. The herder hands it every applied assignment (the next
 * view) and asks it, as leader, whether the members present are a majority before it assigns.
 */
public final class ClusteredHerder extends AbstractHerder implements ConfigStore.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ClusteredHerder.class);
    private static final String RESTART_TASK = "connect-reactive.restart-task.";
    /** Where the leader takes zombie fencing requests from the workers starting exactly-once source tasks. */
    private static final String FENCE = "connect-reactive.fence.";

    private final Membership membership;
    private final AtomicInteger generation;
    private String self;
    private Assignment assignment = Assignment.EMPTY;
    /** Connectors started here, with the config they were started with. */
    private final Map<String, Map<String, String>> connectorsHere = new HashMap<>();
    /** Tasks started here, with the configs they were started with. */
    private final Map<TaskId, Started> tasksHere = new HashMap<>();
    private final io.connectreactive.metrics.ConnectMetrics.Rebalances rebalances;
    private volatile int rebalancing;
    private volatile long lastRebalanceMs = -1;
    /** The target state last applied to what runs here of each connector. */
    private final Map<String, TargetState> targetsHere = new HashMap<>();
    private final Fencing fencing;
    /** How long a fenced worker gives each task to stop before abandoning it. */
    private final long fenceStopMs;
    /** Completes when the tasks and connectors stopped by the last fence have stopped. */
    private Future<Void> fenceStops = Future.succeededFuture();
    /** The leader's rounds of zombie fencing of exactly-once source connectors (KIP-618). */
    private final ZombieFencing zombies;
    /** Whether source tasks here run exactly once and so need a round of zombie fencing before they start. */
    private final boolean exactlyOnceSource;

    /**
     * @param generation the connector's task config generation then ({@link ConfigStore#taskConfigGeneration}): an
     *        exactly-once source task of an older one restarts, as Kafka Connect restarts them, to be fenced
     */
    private record Started(Map<String, String> connectorConfig, Map<String, String> taskConfig, int generation) {
    }

    /**
     * @param generation where the current assignment's generation is published for the status store
     */
    public ClusteredHerder(Vertx vertx, Worker worker, ConfigStore configs, StatusStore statuses, ConnectorValidator validator,
                           String kafkaClusterId, Membership membership, AtomicInteger generation) {
        super(vertx, worker, configs, statuses, validator, kafkaClusterId);
        this.membership = membership;
        this.generation = generation;
        this.fenceStopMs = worker.services().config().fenceStopMs();
        this.zombies = new ZombieFencing(vertx, configs, worker.services());
        this.exactlyOnceSource = worker.services().config().exactlyOnceSourceEnabled();
        this.fencing = new Fencing(vertx, membership, worker.services().workerId(),
                worker.services().config().getLong(io.connectreactive.config.WorkerConfig.CLUSTER_FENCE_TIMEOUT_MS),
                new Fencing.Listener() {
                    @Override
                    public void fenced(String reason) {
                        stopFenced(reason);
                    }

                    @Override
                    public void unfenced() {
                        restartUnfenced();
                    }
                });
        this.rebalances = worker.services().metrics().rebalances(generation::get, () -> rebalancing,
                () -> lastRebalanceMs < 0 ? -1 : System.currentTimeMillis() - lastRebalanceMs);
    }

    @Override
    public Future<Void> start() {
        return onContext(() -> {
            configs.listen(this);
            return Future.all(statuses.start(), configs.start())
                    .compose(v -> vertx.executeBlocking(() -> {
                        self = membership.self();
                        membership.onAssignment(a -> context.runOnContext(x -> assigned(a)));
                        membership.onChange(() -> context.runOnContext(x -> membersChanged()),
                                () -> context.runOnContext(x -> clusterLost()));
                        membership.onLeaving((id, workerId) -> context.runOnContext(x -> fencing.memberLeaving(id, workerId)));
                        membership.onDead((id, workerId) -> context.runOnContext(x -> {
                            if (fencing.memberDead(id, workerId)) {
                                rebalance();
                            }
                        }));
                        return membership.assignment();
                    }))
                    .compose(current -> vertx.eventBus().<String>consumer(RESTART_TASK + self, msg -> {
                        TaskId id = taskId(msg.body());
                        restartHere(id).onComplete(ar -> {
                            if (ar.succeeded()) {
                                msg.reply(null);
                            } else {
                                msg.fail(500, ar.cause().getMessage());
                            }
                        });
                    }).completion().map(current))
                    .compose(current -> vertx.eventBus().<String>consumer(FENCE + self, msg ->
                            fenceZombies(msg.body()).onComplete(ar -> {
                                if (ar.succeeded()) {
                                    msg.reply(null);
                                } else {
                                    msg.fail(500, ar.cause().getMessage());
                                }
                            })).completion().map(current))
                    .map(current -> {
                        cluster.start();
                        assigned(current);
                        rebalance();
                        fencing.start();
                        started = true;
                        LOG.info("Worker {} joined the cluster as member {} ({} members, leader {})", worker.services().workerId(),
                                self, membership.workers().size(), membership.leader().workerId());
                        return null;
                    });
        });
    }

    @Override
    public boolean started() {
        return super.started() && membership.active();
    }

    @Override
    public String fenced() {
        return fencing.fenced();
    }

    /** Tells the others this worker leaves in an orderly way (so they do not count it as lost), then stops. */
    @Override
    public Future<Void> stop() {
        return onContext(() -> {
            fencing.stop();
            return self == null ? Future.<Void>succeededFuture()
                    : membership.announceLeaving().timeout(1, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty();
        }).transform(ar -> super.stop());
    }

    @Override
    public String leaderUrl() {
        Membership.Worker leader = membership.leader();
        return leader == null || leader.id().equals(self) ? null : leader.restUrl();
    }

    /** The members with what each runs, for the operator's view. */
    public List<Membership.Worker> workers() {
        return membership.workers();
    }

    // ---- membership and assignment (on the herder's context)

    private void membersChanged() {
        String now = membership.self();
        if (self != null && !self.equals(now)) {
            LOG.info("Worker {} is member {} now (was {}): Hazelcast merged it into another cluster", worker.services().workerId(), now, self);
            self = now;
            fencing.adoptView(assignment, self);
            // the merged cluster's leader may have published its assignment before this member's listener was
            // registered there: read the one in force
            vertx.executeBlocking(membership::assignment).onSuccess(current -> context.runOnContext(x -> assigned(current)));
        }
        LOG.info("Cluster membership changed: {} members, leader {}", membership.workers().size(), membership.leader().workerId());
        rebalance();
    }

    // ---- fencing: what the herder does when Fencing tells it (on the herder's context)

    /** Fenced: stops everything that runs here at once, each task within the fence's stop bound; starts nothing while fenced. */
    private void stopFenced(String reason) {
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

    /** Unfenced: once what the fence stopped has stopped, runs what is assigned here again. */
    private void restartUnfenced() {
        rebalance(); // a leader skipped the joins and leaves it saw while fenced
        Promise<Void> restarted = Promise.promise();
        fenceStops.onComplete(ar -> context.runOnContext(x -> (fencing.isFenced() ? Future.<Void>succeededFuture() : reconcileAll())
                .onComplete(restarted)));
        applied(restarted.future());
    }

    /** This worker is being merged into another cluster after a split: whatever it runs may run elsewhere now. */
    private void clusterLost() {
        LOG.warn("Worker {} lost its cluster; stopping its connectors and tasks until it has rejoined", worker.services().workerId());
        // generation 0: whatever the cluster it is merged into assigns next applies, even if numbered lower
        assigned(new Assignment(0, null, Map.of(), Map.of()), true);
    }

    /** The leader computes a new assignment; followers do nothing. */
    private void rebalance() {
        if (stopping || self == null || fencing.isFenced() || !membership.isLeader()) {
            return;
        }
        List<String> members = membership.workers().stream().map(Membership.Worker::id).toList();
        if (!fencing.majorityPresent()) {
            return; // no new view without a majority of the last one
        }
        Map<String, Integer> taskCounts = new HashMap<>();
        configs.connectors().forEach((name, e) ->
                taskCounts.put(name, e.targetState() == TargetState.STOPPED ? 0 : e.taskConfigs().size()));
        Assignment computed = Assignor.assign(assignment, members, taskCounts, self);
        // numbered above every generation this worker saw, so no member takes it for an old one
        long numbered = computed.generation() > generation.get() ? computed.generation() : generation.get() + 1L;
        Assignment next = new Assignment(numbered, self, computed.connectors(), computed.tasks(),
                membership.workers().stream().map(Membership.Worker::workerId).toList());
        if (next.sameAs(assignment) && self.equals(assignment.leader())) {
            return;
        }
        LOG.info("Leader assigns generation {}: {} connectors and {} tasks on {} workers", next.generation(),
                next.connectors().size(), next.tasks().size(), members.size());
        assignment = next;
        fencing.adoptView(next, self);
        generation.set((int) next.generation());
        membership.publish(next)
                .onFailure(err -> LOG.warn("Could not publish assignment {}: {}", next.generation(), err.toString()))
                .onSuccess(v -> applied(reconcileAll()));
    }

    private void assigned(Assignment next) {
        assigned(next, false);
    }

    private void assigned(Assignment next, boolean force) {
        if (!force && next.generation() <= assignment.generation() && !next.sameAs(assignment)) {
            return;
        }
        assignment = next;
        generation.set((int) Math.max(generation.get(), next.generation()));
        fencing.adoptView(next, self);
        applied(reconcileAll());
    }

    /** Counts a rebalance once what an assignment asked of this worker is done. */
    private void applied(Future<Void> reconciled) {
        long start = System.nanoTime();
        rebalancing++;
        reconciled.onComplete(ar -> {
            rebalancing--;
            lastRebalanceMs = System.currentTimeMillis();
            rebalances.completed().increment();
            rebalances.time().record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        });
    }

    private Future<Void> reconcileAll() {
        Set<String> names = new TreeSet<>(configs.connectors().keySet());
        names.addAll(connectorsHere.keySet());
        tasksHere.keySet().forEach(id -> names.add(id.connector()));
        List<Future<Void>> all = new ArrayList<>();
        for (String name : names) {
            all.add(change(name, () -> reconcile(name)));
        }
        return Future.join(all).transform(ar -> Future.succeededFuture());
    }

    // ---- changes read from the config topic, whoever wrote them

    @Override
    public void connectorConfigChanged(String name) {
        rebalance();
        change(name, () -> reconcile(name));
    }

    @Override
    public void targetStateChanged(String name) {
        rebalance();
        change(name, () -> reconcile(name));
    }

    @Override
    public void taskConfigsChanged(String name) {
        rebalance();
        change(name, () -> reconcile(name));
    }

    @Override
    public void restartRequested(ConfigStore.RestartRequest request) {
        String name = request.connector();
        change(name, () -> {
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
        });
    }

    private static boolean failed(StatusStore.Status s) {
        return s != null && s.state() == State.FAILED;
    }

    /**
     * Brings what runs here of {@code name} in line with the config topic and the assignment: stops
     * what is no longer assigned here, changed or STOPPED; applies a new target state; starts what is
     * assigned here and not running (a source task after reading the offset topic to its end, since
     * another worker may have run it). In the connector's chain of changes.
     */
    private Future<Void> reconcile(String name) {
        if (stopping || self == null) {
            return Future.succeededFuture();
        }
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
            // a stored config this runtime cannot honour (written by Kafka Connect before the move): its connector
            // and tasks are reported FAILED instead, and kept here as started, so that it is refused once per change
            org.apache.kafka.connect.errors.ConnectException refused = runs ? refusal(name, e.config()) : null;
            Future<Void> connector = Future.succeededFuture();
            boolean startsConnector = ownsConnector && runs && !connectorsHere.containsKey(name);
            if (startsConnector) {
                connectorsHere.put(name, e.config());
                if (refused == null) {
                    connector = worker.startConnector(name, e.config(), e.targetState(), connectorContext(name))
                            .compose(v -> reconfigureTasks(name))
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
                    refuse(name, refused, startsConnector, toStart);
                }
                return connector;
            }
            if (toStart.isEmpty()) {
                return connector;
            }
            Future<Void> fenced = fencedTasks ? preflightFencing(name, taskGeneration, toStart) : Future.succeededFuture();
            // bounded: during a broker outage the read would wait for the broker; the tasks then start from what was read
            Future<Void> tasks = fenced.compose(f -> worker.services().offsets().refresh())
                    .timeout(worker.stopDeadlineMs() + 30_000, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .recover(err -> {
                        LOG.warn("Could not read the offset topic to its end before starting tasks of {}: {}", name, err.toString());
                        return Future.succeededFuture();
                    })
                    // not those the worker stopped meanwhile, having fenced itself
                    .compose(v -> Future.join(toStart.stream().filter(tasksHere::containsKey).map(id -> worker.startTask(id, e.config(),
                            e.taskConfigs().get(id.task()), e.targetState())).toList()).otherwiseEmpty().mapEmpty());
            return Future.join(connector, tasks).otherwiseEmpty().mapEmpty();
        });
    }

    /**
     * Before exactly-once source tasks start: a round of zombie fencing by the leader (here, or asked over the
     * event bus), as Kafka Connect's worker asks for one before it starts such a task. If it fails, the tasks
     * are reported FAILED with the reason (logged once) and not started; they are retried as any failed task
     * is (a restart, or {@code runtime.task.restart.*}). When new task configs were read meanwhile, none is
     * started: the change's own reconcile, queued behind this one, starts the new ones (Kafka Connect checks the
     * task's generation likewise before it starts it). In the connector's chain of changes.
     */
    private Future<Void> preflightFencing(String name, int generation, List<TaskId> toStart) {
        return leaderFencing(name).transform(ar -> {
            if (ar.failed()) {
                Throwable err = ar.cause();
                org.apache.kafka.connect.errors.ConnectException failure = new org.apache.kafka.connect.errors.ConnectException(
                        "Failed to perform round of zombie fencing for connector " + name + ": " + err.getMessage(), err);
                List<TaskId> failed = toStart.stream().filter(tasksHere::containsKey).toList();
                LOG.error("Tasks {} not started: {}", failed, failure.getMessage());
                failed.forEach(id -> worker.services().report(id, State.FAILED, failure));
                return Future.failedFuture(failure);
            }
            if (configs.taskConfigGeneration(name) != generation) {
                toStart.forEach(tasksHere::remove);
            }
            return Future.succeededFuture();
        });
    }

    /** A round of zombie fencing for {@code name} by the leader: this worker's, or asked of the leader over the event bus. */
    private Future<Void> leaderFencing(String name) {
        Membership.Worker leader = membership.leader();
        if (leader == null || leader.id().equals(self)) {
            return fenceZombies(name);
        }
        return vertx.eventBus().request(FENCE + leader.id(), name,
                        new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(ZombieFencing.TIMEOUT_MS + 30_000))
                .<Void>mapEmpty()
                .recover(err -> Future.failedFuture(err instanceof ReplyException r && r.failureType()
                        == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE
                        ? new org.apache.kafka.connect.errors.ConnectException(r.getMessage())
                        : new org.apache.kafka.connect.errors.ConnectException("The leader " + leader.workerId()
                        + " did not answer the zombie fencing request: " + err.getMessage())));
    }

    /**
     * Kafka Connect's {@code PUT /connectors/{name}/fence}: on the leader, a round of zombie fencing
     * ({@link ZombieFencing}). Not chained with the connector's changes: a worker starting the connector's
     * tasks waits for it in that chain.
     */
    @Override
    public Future<Void> fenceZombies(String name) {
        return onContext(() -> {
            if (!membership.isLeader()) {
                return Future.failedFuture(new io.connectreactive.herder.ConflictException(
                        "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"));
            }
            return entry(name).compose(e -> isSource(e)
                    ? zombies.fence(name)
                    : Future.failedFuture(new io.connectreactive.herder.BadRequestException("Connector " + name
                            + " is not a source connector")));
        });
    }

    /** Kafka Connect fences an exactly-once source connector's tasks before its offsets change. */
    @Override
    protected Future<Void> beforeOffsetsChange(String name, ConfigStore.ConnectorEntry e) {
        if (!exactlyOnceSource || !isSource(e)) {
            return Future.succeededFuture();
        }
        return leaderFencing(name).recover(err -> {
            LOG.error("Failed to perform zombie fencing for source connector {} prior to modifying offsets: {}", name, err.toString());
            return Future.failedFuture(new org.apache.kafka.connect.errors.ConnectException(
                    "Failed to perform zombie fencing for source connector prior to modifying offsets", err));
        });
    }

    private boolean isSource(ConfigStore.ConnectorEntry e) {
        return "source".equals(worker.connectorType(e.config().get(ConnectorValidator.CONNECTOR_CLASS)));
    }

    /** Whether {@code owner} is this worker, which is not fenced. */
    private boolean mine(String owner) {
        return !fencing.isFenced() && self.equals(owner);
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
                java.util.Comparator.comparingInt(TaskId::task)).toList();
    }

    @Override
    protected Future<Void> tasksGenerated(String name, List<Map<String, String>> newConfigs, boolean changed) {
        if (!changed) {
            return Future.succeededFuture();
        }
        statuses.removeTasksFrom(name, newConfigs.size());
        return configs.putTaskConfigs(name, newConfigs);
    }

    // ---- writes: stored in the config topic; every worker applies them through the listener

    @Override
    public Future<Created<ConnectorInfo>> putConnectorConfig(String name, Map<String, String> config, boolean allowReplace,
                                                             TargetState initialState) {
        return validate(config).compose(valid -> onContext(() -> change(name, () -> {
            ConfigStore.ConnectorEntry existing = configs.connectors().get(name);
            if (existing != null && !allowReplace) {
                return Future.failedFuture(new AlreadyExistsException("Connector " + name + " already exists"));
            }
            TargetState target = existing != null ? existing.targetState() : initialState;
            return configs.putConnector(name, config, target).map(v -> {
                LOG.info("Connector {} {} ({})", name, existing == null ? "created" : "reconfigured",
                        config.get(ConnectorValidator.CONNECTOR_CLASS));
                return new Created<>(existing == null, info(name, configs.connectors().get(name)));
            });
        })));
    }

    @Override
    public Future<Void> stopConnector(String name) {
        return onContext(() -> change(name, () -> entry(name).compose(e -> {
            Future<Void> tasks = e.taskConfigs().isEmpty() ? Future.succeededFuture() : configs.putTaskConfigs(name, List.of());
            return tasks.compose(v -> {
                statuses.removeTasksFrom(name, 0);
                return e.targetState() == TargetState.STOPPED ? Future.<Void>succeededFuture()
                        : configs.putTargetState(name, TargetState.STOPPED);
            });
        })));
    }

    @Override
    public Future<Void> deleteConnector(String name) {
        return onContext(() -> change(name, () -> entry(name)
                .compose(e -> configs.removeConnector(name))
                .onSuccess(v -> {
                    statuses.remove(name);
                    LOG.info("Connector {} deleted", name);
                })));
    }

    @Override
    protected Future<Void> setTargetState(String name, TargetState target) {
        return onContext(() -> change(name, () -> entry(name).compose(e -> e.targetState() == target
                ? Future.<Void>succeededFuture()
                : configs.putTargetState(name, target).onSuccess(v -> LOG.info("Connector {} target state {}", name, target)))));
    }

    @Override
    public Future<Void> restartConnector(String name) {
        return onContext(() -> entry(name).compose(e -> configs.putRestartRequest(new ConfigStore.RestartRequest(name, false, false))));
    }

    @Override
    public Future<ConnectorStateInfo> restartConnectorAndTasks(String name, boolean onlyFailed, boolean includeTasks) {
        return onContext(() -> entry(name).compose(e -> {
            StatusStore.Status connectorStatus = statuses.connector(name);
            boolean restartConnector = !onlyFailed || failed(connectorStatus);
            List<TaskId> tasks = new ArrayList<>();
            if (includeTasks && e.targetState() != TargetState.STOPPED) {
                for (int i = 0; i < e.taskConfigs().size(); i++) {
                    TaskId id = new TaskId(name, i);
                    if (!onlyFailed || failed(statuses.task(id))) {
                        tasks.add(id);
                    }
                }
            }
            ConnectorStateInfo plan = restartPlan(name, e, restartConnector, tasks);
            return configs.putRestartRequest(new ConfigStore.RestartRequest(name, onlyFailed, includeTasks)).map(plan);
        }));
    }

    @Override
    public Future<Void> restartTask(TaskId id) {
        return onContext(() -> entry(id.connector()).compose(e -> {
            if (id.task() < 0 || id.task() >= e.taskConfigs().size()) {
                return Future.failedFuture(new NotFoundException("Unknown task: " + id));
            }
            String owner = assignment.taskOwner(id);
            if (owner == null || owner.equals(self)) {
                return restartHere(id);
            }
            return vertx.eventBus().request(RESTART_TASK + owner, id.connector() + "\n" + id.task())
                    .<Void>mapEmpty()
                    .recover(err -> Future.failedFuture(err instanceof ReplyException r && r.failureCode() >= 0
                            ? new org.apache.kafka.connect.errors.ConnectException(r.getMessage())
                            : new org.apache.kafka.connect.errors.ConnectException("The worker running task " + id
                            + " did not answer: " + err.getMessage())));
        }));
    }

    /** Stops the task if it runs here and starts it again if it is (still) assigned here. */
    private Future<Void> restartHere(TaskId id) {
        return onContext(() -> change(id.connector(), () -> {
            LOG.info("Restarting task {}", id);
            Future<Void> stopped = tasksHere.remove(id) != null ? worker.stopTask(id) : Future.succeededFuture();
            return stopped.compose(v -> reconcile(id.connector()));
        }));
    }

    private static TaskId taskId(String body) {
        int sep = body.lastIndexOf('\n');
        return new TaskId(body.substring(0, sep), Integer.parseInt(body.substring(sep + 1)));
    }
}
