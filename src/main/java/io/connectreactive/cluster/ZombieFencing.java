package io.connectreactive.cluster;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import io.connectreactive.herder.ConflictException;
import io.connectreactive.kafka.ClientConfigs;
import io.connectreactive.kafka.KafkaFutures;
import io.connectreactive.runtime.TaskServices;
import io.connectreactive.storage.ConfigStore;
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
 * <p>The admin is the connector's ({@code connector-worker-adminclient-<connector>}, with its
 * {@code admin.override.*}), as Kafka Connect's {@code Worker.fenceZombies} makes it. Threads: called on the
 * herder's context, which owns the rounds; the admin is created and closed on the worker pool and its
 * answer hops back to the context; nothing here waits. Failures are returned, not logged: the caller logs
 * them once (a task that cannot start, a REST answer).
 */
final class ZombieFencing {

    private static final Logger LOG = LoggerFactory.getLogger(ZombieFencing.class);
    /** Kafka Connect's bound on a fencing request ({@code RestServer.DEFAULT_REST_REQUEST_TIMEOUT_MS}). */
    static final long TIMEOUT_MS = 90_000;

    private final Vertx vertx;
    private final ConfigStore configs;
    private final TaskServices services;
    /** The round under way per connector. */
    private final Map<String, Future<Void>> rounds = new HashMap<>();

    ZombieFencing(Vertx vertx, ConfigStore configs, TaskServices services) {
        this.vertx = vertx;
        this.configs = configs;
        this.services = services;
    }

    /** Runs a round for source connector {@code name} if its task configs need one; completes once the task-count record is read back. */
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
        io.vertx.core.Context context = vertx.getOrCreateContext();
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
