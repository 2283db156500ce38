package io.connectreactive.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.herder.AbstractHerder;
import io.connectreactive.herder.BadRequestException;
import io.connectreactive.herder.ConflictException;
import io.connectreactive.herder.ConnectorStateInfo;
import io.connectreactive.herder.ConnectorValidator;
import io.connectreactive.model.TargetState;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.Worker;
import io.connectreactive.storage.ConfigStore;
import io.connectreactive.storage.StatusStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.apache.kafka.connect.connector.ConnectorContext;
import org.apache.kafka.connect.errors.AlreadyExistsException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The herder of a clustered worker. Configs, target states, task configs and restart requests live in
 * Kafka Connect's config topic, statuses in its status topic, offsets in its offset topic; every
 * worker reads all three, so any worker answers every read. Hazelcast carries the members and the
 * current {@link Assignment}: the oldest member computes it on every join, leave and config change
 * ({@link Assignor}: balanced and sticky) and publishes it; every worker then reconciles, per
 * connector, what runs here with what the topics and the assignment say should.
 *
 * <p>The herder is the coordinator: it serves the {@link io.connectreactive.herder.Herder} calls (writes
 * become config-topic records), reacts to what the config topic says, and hands the work to one class per
 * job, all on its context: {@link Rebalancer} (this worker's member id, the membership reactions, the
 * assignment: computed as leader, adopted as published), {@link Reconciler} (what runs here, in line with
 * the configs and the assignment, in each connector's chain of changes), {@link Fencing} (whether this
 * worker may run anything), {@link ZombieFencing} (the rounds of zombie fencing before exactly-once source
 * tasks start) and {@link PeerRequests} (what one worker asks of another over the event bus).
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

    private final Membership membership;
    private final Fencing fencing;
    private final Rebalancer rebalancer;
    private final PeerRequests requests;
    /** The rounds of zombie fencing of exactly-once source connectors (KIP-618). */
    private final ZombieFencing zombies;
    private final Reconciler reconciler;
    /** Whether source tasks here run exactly once and so need a round of zombie fencing before they start. */
    private final boolean exactlyOnceSource;
    /**
     * Whether only the leader writes the config topic, in transactions (exactly-once source support preparing
     * or enabled, as Kafka Connect's transactional leader): a follower's task configs go to the leader.
     */
    private final boolean leaderWrites;

    /**
     * @param generation where the current assignment's generation is published for the status store
     */
    public ClusteredHerder(Vertx vertx, Worker worker, ConfigStore configs, StatusStore statuses, ConnectorValidator validator,
                           String kafkaClusterId, Membership membership, AtomicInteger generation) {
        super(vertx, worker, configs, statuses, validator, kafkaClusterId);
        this.membership = membership;
        this.exactlyOnceSource = worker.services().config().exactlyOnceSourceEnabled();
        this.leaderWrites = worker.services().config().exactlyOnceSourcePreparingOrEnabled();
        this.fencing = new Fencing(vertx, membership, worker.services().workerId(),
                worker.services().config().getLong(WorkerConfig.CLUSTER_FENCE_TIMEOUT_MS),
                new Fencing.Listener() {
                    @Override
                    public void fenced(String reason) {
                        configs.leader(false);
                        reconciler.stopFenced(reason);
                    }

                    @Override
                    public void unfenced() {
                        restartUnfenced();
                    }
                });
        Steps steps = new Steps();
        this.rebalancer = new Rebalancer(context, membership, configs, fencing, generation, worker.services(), steps);
        this.requests = new PeerRequests(vertx);
        this.zombies = new ZombieFencing(vertx, configs, worker.services(), membership, requests, rebalancer::self,
                this::fenceZombies);
        this.reconciler = new Reconciler(worker, configs, statuses, rebalancer, fencing, zombies, steps);
    }

    @Override
    public Future<Void> start() {
        return onContext(() -> {
            configs.listen(this);
            return Future.all(statuses.start(), configs.start())
                    .compose(v -> rebalancer.join())
                    .compose(current -> requests.listen(rebalancer.self(), this::restartHere, this::fenceZombies,
                            this::writeTaskConfigs).map(current))
                    .map(current -> {
                        cluster.start();
                        rebalancer.assigned(current);
                        rebalancer.rebalance();
                        fencing.start();
                        started = true;
                        LOG.info("Worker {} joined the cluster as member {} ({} members, leader {})", worker.services().workerId(),
                                rebalancer.self(), membership.workers().size(), membership.leader().workerId());
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
            return rebalancer.self() == null ? Future.<Void>succeededFuture()
                    : membership.announceLeaving().timeout(1, TimeUnit.SECONDS).otherwiseEmpty();
        }).transform(ar -> super.stop());
    }

    @Override
    public String leaderUrl() {
        Membership.Worker leader = membership.leader();
        return leader == null || leader.id().equals(rebalancer.self()) ? null : leader.restUrl();
    }

    /** The members with what each runs, for the operator's view. */
    public List<Membership.Worker> workers() {
        return membership.workers();
    }

    /** What the herder lends the rebalancer and the reconciler: its connector-level steps (on its context). */
    private final class Steps implements Rebalancer.Host, Reconciler.Host {
        @Override
        public boolean stopping() {
            return stopping;
        }

        @Override
        public Future<Void> reconcileAll() {
            return ClusteredHerder.this.reconcileAll();
        }

        @Override
        public ConnectException refusal(String name, Map<String, String> config) {
            return ClusteredHerder.this.refusal(name, config);
        }

        @Override
        public void refuse(String name, ConnectException refusal, boolean connector, List<TaskId> tasks) {
            ClusteredHerder.this.refuse(name, refusal, connector, tasks);
        }

        @Override
        public ConnectorContext connectorContext(String name) {
            return ClusteredHerder.this.connectorContext(name);
        }

        @Override
        public Future<Void> reconfigureTasks(String name) {
            return ClusteredHerder.this.reconfigureTasks(name);
        }
    }

    /** Unfenced: once what the fence stopped has stopped, runs what is assigned here again (on the herder's context). */
    private void restartUnfenced() {
        rebalancer.rebalance(); // a leader skipped the joins and leaves it saw while fenced
        Promise<Void> restarted = Promise.promise();
        reconciler.fenceStops().onComplete(ar -> context.runOnContext(x -> (fencing.isFenced() ? Future.<Void>succeededFuture()
                : reconcileAll()).onComplete(restarted)));
        rebalancer.applied(restarted.future());
    }

    private Future<Void> reconcileAll() {
        Set<String> names = reconciler.connectorsRunningHere();
        names.addAll(configs.connectors().keySet());
        List<Future<Void>> all = new ArrayList<>();
        for (String name : names) {
            all.add(change(name, () -> reconciler.reconcile(name)));
        }
        return Future.join(all).transform(ar -> Future.succeededFuture());
    }

    // ---- changes read from the config topic, whoever wrote them

    @Override
    public void connectorConfigChanged(String name) {
        rebalancer.rebalance();
        change(name, () -> reconciler.reconcile(name));
    }

    @Override
    public void targetStateChanged(String name) {
        rebalancer.rebalance();
        change(name, () -> reconciler.reconcile(name));
    }

    @Override
    public void taskConfigsChanged(String name) {
        rebalancer.rebalance();
        change(name, () -> reconciler.reconcile(name));
    }

    @Override
    public void restartRequested(ConfigStore.RestartRequest request) {
        change(request.connector(), () -> reconciler.restart(request));
    }

    @Override
    protected Future<Void> tasksGenerated(String name, List<Map<String, String>> newConfigs, boolean changed) {
        if (!changed) {
            return Future.succeededFuture();
        }
        statuses.removeTasksFrom(name, newConfigs.size());
        Membership.Worker leader = membership.leader();
        if (leaderWrites && leader != null && !leader.id().equals(rebalancer.self())) {
            return requests.writeTaskConfigs(leader, name, newConfigs);
        }
        return configs.putTaskConfigs(name, newConfigs);
    }

    /** A follower's task configs, to write as the leader (only it writes them while {@link #leaderWrites}). */
    private Future<Void> writeTaskConfigs(String name, List<Map<String, String>> newConfigs) {
        return onContext(() -> configs.putTaskConfigs(name, newConfigs));
    }

    // ---- zombie fencing (KIP-618)

    /**
     * Kafka Connect's {@code PUT /connectors/{name}/fence}: on the leader, a round of zombie fencing
     * ({@link ZombieFencing}). Not chained with the connector's changes: a worker starting the connector's
     * tasks waits for it in that chain.
     */
    @Override
    public Future<Void> fenceZombies(String name) {
        return onContext(() -> {
            if (!membership.isLeader()) {
                return Future.failedFuture(new ConflictException(
                        "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"));
            }
            return entry(name).compose(e -> reconciler.isSource(e)
                    ? zombies.fence(name)
                    : Future.failedFuture(new BadRequestException("Connector " + name
                            + " is not a source connector")));
        });
    }

    /** Kafka Connect fences an exactly-once source connector's tasks before its offsets change. */
    @Override
    protected Future<Void> beforeOffsetsChange(String name, ConfigStore.ConnectorEntry e) {
        if (!exactlyOnceSource || !reconciler.isSource(e)) {
            return Future.succeededFuture();
        }
        return zombies.byLeader(name).recover(err -> {
            LOG.error("Failed to perform zombie fencing for source connector {} prior to modifying offsets: {}", name, err.toString());
            return Future.failedFuture(new ConnectException(
                    "Failed to perform zombie fencing for source connector prior to modifying offsets", err));
        });
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
            boolean restartConnector = !onlyFailed || Reconciler.failed(connectorStatus);
            List<TaskId> tasks = new ArrayList<>();
            if (includeTasks && e.targetState() != TargetState.STOPPED) {
                for (int i = 0; i < e.taskConfigs().size(); i++) {
                    TaskId id = new TaskId(name, i);
                    if (!onlyFailed || Reconciler.failed(statuses.task(id))) {
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
            String owner = rebalancer.current().taskOwner(id);
            if (owner == null || owner.equals(rebalancer.self())) {
                return restartHere(id);
            }
            return requests.restartTask(owner, id);
        }));
    }

    /** Stops the task if it runs here and starts it again if it is (still) assigned here. */
    private Future<Void> restartHere(TaskId id) {
        return onContext(() -> change(id.connector(), () -> reconciler.restartTask(id)));
    }
}
