package io.connectreactive.cluster;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import io.connectreactive.herder.ConflictException;
import io.connectreactive.kafka.ClientConfigs;
import io.connectreactive.kafka.KafkaFutures;
import io.connectreactive.model.State;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.TaskServices;
import io.connectreactive.storage.ConfigStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FenceProducersOptions;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster leader's rounds of zombie fencing for exactly-once source connectors (KIP-618), as Kafka
 * Connect's {@code DistributedHerder.doFenceZombieSourceTasks} runs them. When the connector's task configs
 * were committed after its last task-count record ({@link ConfigStore#pendingFencing}), the producers of
 * the previous generation of its tasks are fenced with {@code Admin.fenceProducers}: transactional ids
 * {@link ClientConfigs#transactionalId} for tasks 0 up to the count the task-count record gives, and then
 * the current number of task configs is written as the new task-count record. Without a record (the
 * connector's first generation with exactly-once support) or with one task before and after (the new
 * task's own producer fences the old one) only the record is written; with no task configs committed since
 * the last record, nothing is done. Concurrent requests for one connector share one round; a round fails
 * with a conflict when new task configs were committed while it fenced, as Kafka Connect's does.
 *
 * <p>Every worker asks for a round before it starts exactly-once source tasks ({@link #beforeTasksStart}) or
 * changes such a connector's offsets ({@link #byLeader}): of the leader, which is this worker or is asked over
 * the event bus ({@link PeerRequests#fence}); the leader runs the round with {@link #fence}.
 *
 * <p>The admin is the connector's ({@code connector-worker-adminclient-<connector>}, with its
 * {@code admin.override.*}), as Kafka Connect's {@code Worker.fenceZombies} makes it. Threads: called on the
 * herder's context, which owns the rounds; the admin is created and closed on the worker pool and its
 * answer hops back to the context; nothing here waits. A round's failure is returned, not logged, and
 * logged once where it is handled: {@link #beforeTasksStart} names the tasks it does not start, a REST
 * answer carries it.
 */
final class ZombieFencing {

    private static final Logger LOG = LoggerFactory.getLogger(ZombieFencing.class);
    /** Kafka Connect's bound on a fencing request ({@code RestServer.DEFAULT_REST_REQUEST_TIMEOUT_MS}). */
    static final long TIMEOUT_MS = 90_000;

    private final Vertx vertx;
    private final ConfigStore configs;
    private final TaskServices services;
    private final Membership membership;
    private final PeerRequests requests;
    /** This worker's member id now. */
    private final Supplier<String> self;
    /** The herder's round as leader ({@code PUT /connectors/{name}/fence}): checks it leads and the connector is a source. */
    private final Function<String, Future<Void>> leaderRound;
    /** The round under way per connector. */
    private final Map<String, Future<Void>> rounds = new HashMap<>();

    ZombieFencing(Vertx vertx, ConfigStore configs, TaskServices services, Membership membership, PeerRequests requests,
                  Supplier<String> self, Function<String, Future<Void>> leaderRound) {
        this.vertx = vertx;
        this.configs = configs;
        this.services = services;
        this.membership = membership;
        this.requests = requests;
        this.self = self;
        this.leaderRound = leaderRound;
    }

    /**
     * Before exactly-once source tasks start: a round of zombie fencing by the leader (here, or asked over the
     * event bus), as Kafka Connect's worker asks for one before it starts such a task. If it fails, the tasks
     * are reported FAILED with the reason (logged once) and not started; they are retried as any failed task
     * is (a restart, or {@code runtime.task.restart.*}). When new task configs were read meanwhile, none is
     * started: the change's own reconcile, queued behind this one, starts the new ones (Kafka Connect checks the
     * task's generation likewise before it starts it). In the connector's chain of changes.
     *
     * @param generation the connector's task config generation the tasks were to start with
     * @param startingHere the tasks the herder is starting here (live: those it stopped meanwhile are gone);
     *        the tasks not to start after all are removed from it
     */
    Future<Void> beforeTasksStart(String name, int generation, List<TaskId> toStart, Set<TaskId> startingHere) {
        return byLeader(name).transform(ar -> {
            if (ar.failed()) {
                Throwable err = ar.cause();
                ConnectException failure = new ConnectException(
                        "Failed to perform round of zombie fencing for connector " + name + ": " + err.getMessage(), err);
                List<TaskId> failed = toStart.stream().filter(startingHere::contains).toList();
                LOG.error("Tasks {} not started: {}", failed, failure.getMessage());
                failed.forEach(id -> services.report(id, State.FAILED, failure));
                return Future.failedFuture(failure);
            }
            if (configs.taskConfigGeneration(name) != generation) {
                toStart.forEach(startingHere::remove);
            }
            return Future.succeededFuture();
        });
    }

    /** A round of zombie fencing for {@code name} by the leader: this worker's, or asked of the leader over the event bus. */
    Future<Void> byLeader(String name) {
        Membership.Worker leader = membership.leader();
        if (leader == null || leader.id().equals(self.get())) {
            return leaderRound.apply(name);
        }
        return requests.fence(leader, name);
    }

    /** On the leader: runs a round for source connector {@code name} if its task configs need one; completes once the task-count record is read back. */
    Future<Void> fence(String name) {
        return configs.refresh()
                .recover(err -> Future.failedFuture(new ConnectException(
                        "Failed to read to end of config topic before performing zombie fencing", err)))
                .compose(v -> {
                    ConfigStore.ConnectorEntry e = configs.connectors().get(name);
                    if (e == null) {
                        return Future.failedFuture(new NotFoundException("Connector " + name + " not found"));
                    }
                    if (!configs.pendingFencing(name)) {
                        LOG.debug("Skipping zombie fencing round for connector {} as all old task generations have already "
                                + "been fenced out", name);
                        return Future.succeededFuture();
                    }
                    int taskCount = e.taskConfigs().size();
                    Integer previous = configs.taskCountRecord(name);
                    if (previous == null || (previous == 1 && taskCount == 1)) {
                        LOG.debug("Skipping zombie fencing round for connector {} but writing its task count record ({} tasks): {}",
                                name, taskCount, previous == null ? "first generation with exactly-once source support"
                                        : "one task before and after");
                        return configs.putTaskCountRecord(name, taskCount);
                    }
                    Future<Void> round = rounds.get(name);
                    if (round == null) {
                        round = round(name, e.config(), previous, taskCount);
                        rounds.put(name, round);
                        Future<Void> started = round;
                        round.onComplete(ar -> rounds.remove(name, started));
                    }
                    return round;
                });
    }

    private Future<Void> round(String name, Map<String, String> connectorConfig, int toFence, int toRecord) {
        int generation = configs.taskConfigGeneration(name);
        String group = services.config().groupId();
        List<String> ids = IntStream.range(0, toFence).mapToObj(i -> ClientConfigs.transactionalId(group, name, i)).toList();
        Map<String, Object> props;
        try {
            props = services.clients().offsetsAdmin(name, connectorConfig, Duration.ofMillis(TIMEOUT_MS));
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        LOG.info("Fencing out the producers of the {} previous tasks of source connector {} ({} to {})", toFence, name,
                ids.get(0), ids.get(ids.size() - 1));
        long start = System.nanoTime();
        Context context = vertx.getOrCreateContext();
        return vertx.executeBlocking(() -> Admin.create(props), false)
                .compose(admin -> KafkaFutures.of(admin.fenceProducers(ids, new FenceProducersOptions().timeoutMs((int) TIMEOUT_MS)).all(),
                                context)
                        .eventually(() -> vertx.executeBlocking(() -> {
                            admin.close(Duration.ofSeconds(5));
                            return null;
                        }, false)))
                .compose(v -> configs.refresh())
                .compose(v -> generation < configs.taskConfigGeneration(name)
                        ? Future.<Void>failedFuture(new ConflictException(
                                "Fencing failed because new task configurations were generated for the connector"))
                        : configs.putTaskCountRecord(name, toRecord))
                .onSuccess(v -> LOG.info("Fenced out the producers of the {} previous tasks of source connector {} in {} ms; "
                        + "task count record {} written", toFence, name, (System.nanoTime() - start) / 1_000_000, toRecord));
    }
}
