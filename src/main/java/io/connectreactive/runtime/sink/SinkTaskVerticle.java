package io.connectreactive.runtime.sink;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.connectreactive.api.ReactiveSinkTask;
import io.connectreactive.api.ReactiveTaskContext;
import io.connectreactive.config.WorkerConfig;
import io.connectreactive.kafka.ClientConfigs;
import io.connectreactive.plugin.LoaderSwap;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.TaskServices;
import io.connectreactive.runtime.TaskLifecycleVerticle;
import io.connectreactive.runtime.errors.PendingReports;
import io.connectreactive.runtime.errors.SinkErrantReporter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sink task's lifecycle and delivery, with Kafka Connect's {@code WorkerSinkTask} guarantees.
 *
 * <p>A {@link SinkConsumerLoop} thread owns the consumer (group {@code connect-<connector>}) and
 * hands batches here, at most one in the task's hand and one fetched ahead. Each batch is
 * filtered (records of partitions revoked, rewound or paused since they were fetched are dropped;
 * a paused partition is sought back to its first dropped record), converted and transformed, and
 * given to the task: {@code put()} on the task's dedicated {@link TaskThread} (conversion there
 * too: a converter may block) for a classic task, {@code write()} on this context for a
 * {@link ReactiveSinkTask} (every call into the task goes through {@link SinkTaskCalls}; the batch in
 * hand is a {@link SinkDelivery}). The {@link SinkOffsetTracker} counts what was processed; every
 * {@code offset.flush.interval.ms} (or on {@code requestCommit()}) {@code preCommit}/
 * {@code flushOffsets} runs and the loop commits exactly what it returned, for partitions still
 * assigned.
 *
 * <p>Rebalances are synchronous: the loop's thread waits while this side waits for the batch in
 * the task's hand, runs {@code preCommit} for the revoked partitions (the loop commits that) and
 * {@code close(revoked)}; on assignment {@code open(assigned)} runs and its rewinds are applied
 * before any record of those partitions is delivered. A {@link RetriableException} holds every
 * partition (the loop keeps polling: no eviction) and hands the same batch again after the
 * task's {@code timeout(ms)}. A failed task's consumer is closed at once: it leaves the group.
 *
 * <p>Deployed by the worker; all its state lives on its own context.
 */
public final class SinkTaskVerticle extends TaskLifecycleVerticle<SinkTask, SinkRecord> {

    private static final Logger LOG = LoggerFactory.getLogger(SinkTaskVerticle.class);
    private static final long DEFAULT_RETRY_BACKOFF_MS = 100;

    private Consumer<String> topicUsed;
    private SinkTaskContextImpl sinkContext;
    /** Calls into the task, classic or reactive; null until the task exists. */
    private SinkTaskCalls calls;
    private SinkConsumer loop;
    private final SinkOffsetTracker tracker = new SinkOffsetTracker();
    /** Dead-letter-queue writes not yet acknowledged: commits of their partitions wait for them. */
    private final PendingReports reports = new PendingReports();
    /** The task's ErrantRecordReporter, or null (KIP-610: only with a dead-letter queue or the error log). */
    private volatile SinkErrantReporter errantReporter;
    private final Set<TopicPartition> taskPaused = new HashSet<>();
    /** Batches handed by the loop and not yet delivered; bounded by {@link SinkConsumerLoop#MAX_OUTSTANDING}. */
    private final ArrayDeque<SinkConsumer.Batch> ahead = new ArrayDeque<>();
    /** The batch in the task's hand (being put, or waiting for a retry), else null. */
    private SinkDelivery current;
    /** Completes when the put under way (if any) has returned and its offsets are counted. */
    private Future<Void> putInFlight = Future.succeededFuture();
    private Promise<Void> idle;
    private long retryBackoffMs = DEFAULT_RETRY_BACKOFF_MS;
    private long commitTimer = -1;
    private boolean commitRequested;
    private boolean commitsFailing;
    private boolean started;

    public SinkTaskVerticle(TaskServices services, TaskId id, Class<? extends SinkTask> taskClass,
                            Map<String, String> connectorConfig, Map<String, String> taskConfig, boolean paused) {
        super(services, id, taskClass, ReactiveSinkTask.class, connectorConfig, taskConfig, paused);
    }

    @Override
    protected void initialize(SinkTask task) {
        sinkContext = new SinkTaskContextImpl(context, taskConfig, new Requests());
        task.initialize(sinkContext);
    }

    /** Starts the task (on its thread, or a reactive task's open), then the consumer loop and the commit timer. */
    @Override
    protected Future<Void> begin() {
        topicUsed = services.activeTopicRecorder(id.connector());
        Map<String, Object> consumerConfig;
        try {
            consumerConfig = services.clients().sinkConsumer(id, connectorConfig);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        if (errors.config().dlqTopic() != null || errors.config().logEnable()) {
            errantReporter = new SinkErrantReporter(errors, reports, converters::toConsumerRecord);
        }
        Future<Void> start;
        if (task instanceof ReactiveSinkTask reactive) {
            try (LoaderSwap s = swap()) {
                start = reactive.open(new ReactiveTaskContext<>(vertx, context, sinkContext), taskConfig);
            }
        } else {
            start = thread.call(context, () -> {
                task.start(taskConfig);
                return null;
            });
        }
        if (task instanceof ReactiveSinkTask reactive) {
            start = start.onSuccess(v -> watchFailure(reactive));
        }
        calls = new SinkTaskCalls(id, task, thread, context, converters, transforms, this::swap, errors, reports);
        metrics.partitions(() -> tracker.owned().size());
        metrics.activeRecords(() -> {
            SinkDelivery d = current;
            return d == null ? 0 : d.size();
        });
        return start.compose(v -> subscribe(consumerConfig)).map(v -> {
            started = true;
            metrics.bindClient(loop.client());
            long interval = services.config().getLong(WorkerConfig.OFFSET_FLUSH_INTERVAL_MS);
            commitTimer = vertx.setPeriodic(interval, t -> commit());
            LOG.info("Task {} started ({}{}, consumer on thread {})", id, taskClass.getSimpleName(),
                    classic ? ", classic on thread cr-task-" + id : ", reactive", loop.thread());
            return null;
        });
    }

    /** A reactive task that fails on its own, between calls, fails the task (on this context). */
    private void watchFailure(ReactiveSinkTask reactive) {
        Future<Void> failure;
        try (LoaderSwap s = swap()) {
            failure = reactive.failure();
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        failure.onFailure(err -> context.runOnContext(v -> {
            if (!stopping) {
                fail(err);
            }
        }));
    }

    /** Starts the task's consumer ({@link ClientConfigs#sinkConsumer}'s settings, its own or its connector's); it subscribes and polls on its own thread. */
    private Future<Void> subscribe(Map<String, Object> props) {
        Duration pollTimeout = Duration.ofMillis(services.config().getLong(WorkerConfig.SINK_POLL_TIMEOUT_MS));
        loop = services.sinkConsumers().member(id, props, connectorConfig.get("topics"), connectorConfig.get("topics.regex"),
                pollTimeout, !(task instanceof ReactiveSinkTask), new LoopHandler());
        if (paused) {
            loop.pauseAll(true);
        }
        return Future.fromCompletionStage(loop.start(), context);
    }

    /** The sink task's static member id in its consumer group, in clustered mode. */
    public static String staticMemberId(TaskId id) {
        return ClientConfigs.sinkGroupInstanceId(id);
    }

    // --- delivery, on the context ---

    /** A batch from the loop: delivered now if the task's hands are free, else queued (at most one waits). */
    private void onBatch(SinkConsumer.Batch batch) {
        if (stopping || failed) {
            loop.release();
            return;
        }
        metrics.read(batch.records().count());
        ahead.add(batch);
        if (current == null) {
            next();
        }
    }

    private void next() {
        while (current == null && !stopping && !failed) {
            if (commitRequested && !tracker.committing()) {
                commit();
            }
            SinkConsumer.Batch batch = ahead.poll();
            if (batch == null) {
                return;
            }
            SinkDelivery d = select(batch);
            if (d == null) {
                loop.release();
                continue;
            }
            current = d;
            deliver(d);
        }
    }

    /**
     * The records of the batch the task may have now: those of partitions revoked or rewound since
     * they were fetched are dropped (the loop reads them again from the right offset); those of a
     * paused partition are dropped and the partition sought back to the first of them.
     */
    private SinkDelivery select(SinkConsumer.Batch batch) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(batch.records().count());
        for (TopicPartition tp : batch.records().partitions()) {
            List<ConsumerRecord<byte[], byte[]>> of = batch.records().records(tp);
            if (!tracker.fresh(tp, batch.generation(), batch.epochs().getOrDefault(tp, 0L))) {
                continue;
            }
            if (paused || taskPaused.contains(tp)) {
                loop.seek(tp, tracker.seek(tp, of.get(0).offset()));
                continue;
            }
            topicUsed.accept(tp.topic());
            records.addAll(of);
        }
        if (records.isEmpty() && (!batch.records().isEmpty() || calls.reactive())) {
            return null; // a classic task is given empty polls, as Kafka Connect does: some flush on time in put()
        }
        return new SinkDelivery(batch, records);
    }

    private void deliver(SinkDelivery d) {
        Promise<Void> settled = Promise.promise();
        putInFlight = settled.future();
        long t0 = System.nanoTime();
        calls.put(d).onComplete(ar -> {
            if (ar.succeeded()) {
                metrics.put(d.size(), System.nanoTime() - t0);
                tracker.processed(d.consumed(), d.batch.generation(), d.batch.epochs());
                settled.complete();
                done(d);
            } else if (ar.cause() instanceof RetriableException && !stopping && !failed) {
                settled.complete();
                if (!d.retrying) {
                    d.retrying = true;
                    loop.hold(true); // fetch nothing meanwhile, but keep polling: the group keeps the task
                }
                LOG.info("Task {} asked to retry a batch of {} records in {} ms: {}", id, d.size(), retryBackoffMs,
                        ar.cause().getMessage());
                vertx.setTimer(Math.max(1, retryBackoffMs), t -> {
                    if (stopping || failed) {
                        done(d);
                        return;
                    }
                    d.retain(p -> tracker.fresh(p, d.batch.generation(), d.batch.epochs().getOrDefault(p, 0L)));
                    deliver(d);
                });
            } else {
                settled.complete();
                if (!stopping) {
                    fail(ar.cause());
                }
                done(d);
            }
        });
    }

    /** The task is done with the batch: hand it back to the loop and go on with the next one. */
    private void done(SinkDelivery d) {
        current = null;
        if (d.retrying) {
            loop.hold(stopping);
        }
        loop.release();
        if (stopping || failed) {
            ahead.forEach(b -> loop.release());
            ahead.clear();
            if (idle != null) {
                idle.tryComplete();
            }
            return;
        }
        if (commitRequested && !tracker.committing()) {
            commit();
        }
        next();
    }



    // --- commits, on the context ---

    /** preCommit (flush) then commit exactly what it returned; skipped while a commit is under way. */
    private Future<Void> commit() {
        if (tracker.committing() || loop == null || failed || stopping || !started || cancelled) {
            if (tracker.committing()) {
                metrics.commitSkipped();
            }
            return Future.succeededFuture();
        }
        commitRequested = false;
        long t0 = System.nanoTime();
        long seq = tracker.beginCommit();
        long generation = tracker.generation();
        Map<TopicPartition, OffsetAndMetadata> processed = tracker.offsets();
        return awaitReports(processed.keySet())
                .compose(v -> calls.preCommit(processed))
                .compose(toCommit -> {
                    if (!tracker.isCurrent(seq)) {
                        return Future.<Void>succeededFuture(); // a rebalance committed meanwhile
                    }
                    Map<TopicPartition, OffsetAndMetadata> mine = tracker.ownedOnly(toCommit);
                    return mine.isEmpty() ? Future.<Void>succeededFuture()
                            : Future.fromCompletionStage(loop.commit(mine, generation, false), context);
                })
                .transform(ar -> {
                    metrics.offsetCommit(System.nanoTime() - t0, ar.succeeded());
                    if (!tracker.endCommit(seq)) {
                        LOG.debug("Task {}: answer of overtaken commit {} ignored", id, seq);
                    } else if (ar.failed()) {
                        // one line when commits start failing (a broker outage fails every one), one when they work again
                        if (!commitsFailing) {
                            commitsFailing = true;
                            LOG.warn("Offset commit of task {} failed, retried at each interval: {}", id, ar.cause().toString());
                        } else {
                            LOG.debug("Offset commit of task {} failed again: {}", id, ar.cause().toString());
                        }
                    } else if (commitsFailing) {
                        commitsFailing = false;
                        LOG.info("Offset commits of task {} succeed again", id);
                    }
                    return Future.succeededFuture();
                });
    }


    // --- rebalances: asked by the loop's thread, which waits for the answer ---

    private void onAssigned(Map<TopicPartition, Long> positions, long generation,
                            Promise<Map<TopicPartition, SinkConsumer.Seek>> answer) {
        tracker.assign(positions, generation);
        LOG.info("Task {} assigned {} (the positions, before any rewind in open())", id, positions);
        calls.call(() -> task.open(new ArrayList<>(positions.keySet()))).onComplete(ar -> {
            if (ar.failed()) {
                fail(ar.cause());
            }
            // rewinds asked in open() arrived on this context before open's answer
            answer.complete(tracker.seeksOf(positions.keySet()));
        });
    }

    private void onRevoking(Set<TopicPartition> partitions, long generation, Promise<Map<TopicPartition, OffsetAndMetadata>> answer) {
        if (stopping || failed) {
            answer.complete(Map.of()); // stop() commits and closes the task's partitions itself
            return;
        }
        tracker.revoking(partitions, generation);
        // the batch in the task's hand finishes first: its offsets count
        putInFlight.onComplete(v -> {
            Map<TopicPartition, OffsetAndMetadata> offsets = tracker.offsetsOf(partitions);
            awaitReports(partitions).compose(x -> calls.preCommit(offsets)).onComplete(ar -> {
                if (ar.failed()) {
                    LOG.warn("Task {} failed preCommit of revoked partitions {}: nothing committed for them: {}",
                            id, partitions, ar.cause().toString());
                    answer.complete(Map.of());
                } else {
                    Map<TopicPartition, OffsetAndMetadata> mine = new HashMap<>(tracker.ownedOnly(ar.result()));
                    mine.keySet().retainAll(partitions);
                    answer.complete(mine);
                }
            });
        });
    }

    private void onRevoked(Set<TopicPartition> partitions, Promise<Void> answer) {
        if (stopping || failed) {
            answer.complete();
            return;
        }
        tracker.remove(partitions);
        LOG.info("Task {} revoked {}", id, partitions);
        calls.call(() -> task.close(new ArrayList<>(partitions))).onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn("Task {} failed to close partitions {}: {}", id, partitions, ar.cause().toString());
            }
            answer.complete();
        });
    }

    private void onLost(Set<TopicPartition> partitions, long generation, Promise<Void> answer) {
        if (stopping || failed) {
            answer.complete();
            return;
        }
        tracker.revoking(partitions, generation);
        putInFlight.onComplete(v -> onRevoked(partitions, answer));
    }

    // --- pause / resume / stop ---

    @Override
    protected void targetState(boolean pause) {
        loop.pauseAll(pause);
    }

    /** Waits for the batch in the task's hand (up to task.shutdown.graceful.timeout.ms), commits, closes the task's partitions, stops it. */
    @Override
    protected Future<Void> end() {
        if (commitTimer >= 0) {
            vertx.cancelTimer(commitTimer);
        }
        if (loop != null) {
            loop.hold(true);
        }
        idle = Promise.promise();
        if (current == null) {
            idle.complete();
        }
        long timeout = services.config().getLong(WorkerConfig.TASK_SHUTDOWN_TIMEOUT_MS);
        return idle.future()
                .timeout(Math.max(1, timeout), TimeUnit.MILLISECONDS)
                .recover(err -> {
                    LOG.warn("Graceful stop of task {} failed: its batch was not taken within {} ms", id, timeout);
                    return Future.succeededFuture();
                })
                .compose(v -> finalCommit())
                .compose(v -> calls == null || !started ? Future.<Void>succeededFuture()
                        : calls.call(() -> task.close(new ArrayList<>(tracker.owned()))))
                .recover(err -> Future.succeededFuture())
                .compose(v -> stopTask());
    }

    /** Abandoned: nothing more is delivered or committed. */
    @Override
    protected void onCancel() {
        if (commitTimer >= 0) {
            vertx.cancelTimer(commitTimer);
        }
        ahead.clear();
    }

    /** The consumer leaves the group (after the final commit, or at once when abandoned). */
    @Override
    protected Future<Void> release() {
        return loop == null ? Future.succeededFuture() : Future.fromCompletionStage(loop.close(), context);
    }

    /** The last commit: preCommit of every owned partition, committed synchronously before the consumer closes. */
    private Future<Void> finalCommit() {
        if (loop == null || failed || !started || cancelled) {
            return Future.succeededFuture();
        }
        tracker.abandonCommit();
        Map<TopicPartition, OffsetAndMetadata> processed = tracker.offsets();
        return awaitReports(processed.keySet())
                .compose(v -> calls.preCommit(processed))
                .compose(toCommit -> {
                    Map<TopicPartition, OffsetAndMetadata> mine = tracker.ownedOnly(toCommit);
                    return mine.isEmpty() ? Future.<Void>succeededFuture()
                            : Future.fromCompletionStage(loop.commit(mine, -1, true), context);
                })
                .recover(err -> {
                    LOG.warn("Final offset commit of task {} failed: {}", id, err.toString());
                    return Future.succeededFuture();
                });
    }



    private Future<Void> stopTask() {
        if (calls == null) {
            return Future.succeededFuture();
        }
        return calls.stop().recover(err -> {
            LOG.warn("Task {} failed to stop: {}", id, err.toString());
            return Future.succeededFuture();
        });
    }

    /**
     * Completes once the dead-letter-queue writes of records of {@code partitions} were
     * acknowledged; a failed write fails the task (its offsets are then never committed).
     */
    private Future<Void> awaitReports(Collection<TopicPartition> partitions) {
        return reports.await(partitions, context).onFailure(err -> {
            if (!stopping) {
                fail(err);
            }
        });
    }

    /** The task failed: its consumer leaves the group at once (not at undeploy). */
    @Override
    protected void onFailure() {
        if (loop != null) {
            loop.close();
        }
    }

    /** The consumer loop's requests, from its thread: each hops onto this context. */
    private final class LoopHandler implements SinkConsumer.Handler {
        @Override
        public void batch(SinkConsumer.Batch batch) {
            context.runOnContext(v -> onBatch(batch));
        }

        @Override
        public CompletionStage<Map<TopicPartition, OffsetAndMetadata>> revoking(Set<TopicPartition> partitions, long generation) {
            Promise<Map<TopicPartition, OffsetAndMetadata>> answer = Promise.promise();
            context.runOnContext(v -> onRevoking(partitions, generation, answer));
            return answer.future().toCompletionStage();
        }

        @Override
        public CompletionStage<Void> revoked(Set<TopicPartition> partitions) {
            Promise<Void> answer = Promise.promise();
            context.runOnContext(v -> onRevoked(partitions, answer));
            return answer.future().toCompletionStage();
        }

        @Override
        public CompletionStage<Void> lost(Set<TopicPartition> partitions, long generation) {
            Promise<Void> answer = Promise.promise();
            context.runOnContext(v -> onLost(partitions, generation, answer));
            return answer.future().toCompletionStage();
        }

        @Override
        public CompletionStage<Map<TopicPartition, SinkConsumer.Seek>> assigned(Map<TopicPartition, Long> positions, long generation) {
            Promise<Map<TopicPartition, SinkConsumer.Seek>> answer = Promise.promise();
            context.runOnContext(v -> {
                if (stopping || failed) {
                    answer.complete(Map.of());
                } else {
                    onAssigned(positions, generation, answer);
                }
            });
            return answer.future().toCompletionStage();
        }

        @Override
        public void failed(Throwable error) {
            context.runOnContext(v -> {
                if (!stopping) {
                    fail(error);
                }
            });
        }
    }

    /** What the task asks through its SinkTaskContext, on this context. */
    private final class Requests implements SinkTaskContextImpl.Requests {
        @Override
        public void rewind(Map<TopicPartition, Long> offsets) {
            offsets.forEach((tp, offset) -> {
                SinkConsumer.Seek seek = tracker.rewind(tp, offset);
                if (loop != null) {
                    loop.seek(tp, seek);
                }
            });
        }

        @Override
        public void retryBackoff(long ms) {
            retryBackoffMs = ms;
        }

        @Override
        public void pause(Set<TopicPartition> partitions, boolean pause) {
            if (pause) {
                taskPaused.addAll(partitions);
            } else {
                taskPaused.removeAll(partitions);
            }
            if (loop != null) {
                loop.pause(partitions, pause);
            }
        }

        @Override
        public void requestCommit() {
            commitRequested = true;
            if (current == null) {
                commit();
            }
        }

        @Override
        public Set<TopicPartition> assignment() {
            return tracker.assignmentView();
        }

        @Override
        public ErrantRecordReporter errantRecordReporter() {
            return errantReporter;
        }

        @Override
        public PluginMetrics pluginMetrics() {
            return services.pluginMetrics().forTask(id);
        }
    }
}
