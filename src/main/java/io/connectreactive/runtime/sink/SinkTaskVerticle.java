package io.connectreactive.runtime.sink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.connectreactive.api.ReactiveSinkTask;
import io.connectreactive.api.ReactiveTaskContext;
import io.connectreactive.config.WorkerConfig;
import io.connectreactive.plugin.LoaderSwap;
import io.connectreactive.runtime.State;
import io.connectreactive.runtime.TaskId;
import io.connectreactive.runtime.TaskServices;
import io.connectreactive.runtime.TaskVerticle;
import io.connectreactive.runtime.Worker;
import io.connectreactive.runtime.exec.TaskThread;
import io.connectreactive.runtime.glue.ConverterChain;
import io.connectreactive.runtime.glue.TransformChain;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.client.consumer.KafkaReadStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sink task and its pipeline: a vertx-kafka-client consumer in group {@code connect-<connector>}
 * is polled only when the task has no batch in hand (flow control: records wait in Kafka, not in
 * memory), each batch is converted and given to the task ({@code put()} on the task's dedicated
 * thread for a classic task, {@code write()} on the context for a reactive one), and every
 * {@code offset.flush.interval.ms} (or on {@code requestCommit()}) the task's
 * {@code preCommit}/{@code flush} runs and then the consumer commits exactly the offsets it
 * returned. A {@link RetriableException} from {@code put} hands the same batch again after the
 * task's {@code timeout(ms)}.
 *
 * <p>Deployed by the worker; all its state lives on its own context.
 */
public final class SinkTaskVerticle extends VerticleBase implements TaskVerticle {

    private static final Logger LOG = LoggerFactory.getLogger(SinkTaskVerticle.class);
    private static final long DEFAULT_RETRY_BACKOFF_MS = 100;

    private final TaskServices services;
    private final TaskId id;
    private final Class<? extends SinkTask> taskClass;
    private Map<String, String> connectorConfig;
    private Map<String, String> taskConfig;
    private boolean paused;
    /** The task's version(), read by the herder from its own context. */
    private volatile String version;
    private java.util.function.Consumer<String> topicUsed;

    private SinkTask task;
    private TaskThread thread;
    private ConverterChain converters;
    private TransformChain<SinkRecord> transforms = TransformChain.empty();
    private KafkaReadStream<byte[], byte[]> consumer;
    private final Map<TopicPartition, OffsetAndMetadata> currentOffsets = new HashMap<>();
    private final Map<TopicPartition, Long> pendingSeeks = new HashMap<>();
    private final Set<TopicPartition> assignment = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Set<TopicPartition> taskPaused = new HashSet<>();
    private long retryBackoffMs = DEFAULT_RETRY_BACKOFF_MS;
    private long commitTimer = -1;
    private boolean committing;
    private boolean commitRequested;
    private boolean stopping;
    private boolean failed;
    private Future<Void> loopDone = Future.succeededFuture();
    private Future<ConsumerRecords<byte[], byte[]>> prefetched;
    private io.vertx.core.Promise<Void> loopPromise;

    public SinkTaskVerticle(TaskServices services, TaskId id, Class<? extends SinkTask> taskClass,
                            Map<String, String> connectorConfig, Map<String, String> taskConfig, boolean paused) {
        this.services = services;
        this.id = id;
        this.taskClass = taskClass;
        this.connectorConfig = connectorConfig;
        this.taskConfig = taskConfig;
        this.paused = paused;
    }

    @Override
    public TaskId id() {
        return id;
    }

    /** Resolves config-provider placeholders (they may read files: off the event loop), then starts. */
    @Override
    public String version() {
        return version;
    }

    /** Resolves config-provider placeholders first, then starts the task. */
    @Override
    public Future<?> start() {
        return services.resolve(vertx, connectorConfig, taskConfig).transform(ar -> {
            if (ar.failed()) {
                fail(ar.cause());
                return Future.succeededFuture();
            }
            connectorConfig = ar.result().connector();
            taskConfig = ar.result().task();
            return startResolved();
        });
    }

    private Future<?> startResolved() {
        Future<Void> started;
        try {
            task = services.plugins().newPlugin(taskClass);
            version = Worker.versionOf(task::version);
            converters = ConverterChain.create(services.plugins(), services.config(), connectorConfig);
            transforms = TransformChain.create(services.plugins(), connectorConfig);
            topicUsed = services.activeTopicRecorder(id.connector());
            SinkTaskContext ctx = new Context();
            try (LoaderSwap s = swap()) {
                task.initialize(ctx);
            }
            if (task instanceof ReactiveSinkTask reactive) {
                try (LoaderSwap s = swap()) {
                    started = reactive.open(new ReactiveTaskContext<>(vertx, context, ctx), taskConfig);
                }
            } else {
                thread = new TaskThread("cr-task-" + id, services.plugins().loaderFor(taskClass));
                started = thread.call(context, () -> {
                    task.start(taskConfig);
                    return null;
                });
            }
            started = started.compose(v -> subscribe());
        } catch (RuntimeException e) {
            started = Future.failedFuture(e);
        }
        return started.map(v -> {
            long interval = services.config().getLong(WorkerConfig.OFFSET_FLUSH_INTERVAL_MS);
            commitTimer = vertx.setPeriodic(interval, t -> commit());
            services.report(id, paused ? State.PAUSED : State.RUNNING, null);
            LOG.info("Task {} started ({}{})", id, taskClass.getSimpleName(),
                    task instanceof ReactiveSinkTask ? ", reactive" : ", classic on thread cr-task-" + id);
            loopPromise = io.vertx.core.Promise.promise();
            loopDone = loopPromise.future();
            loop();
            return null;
        }).recover(err -> {
            fail(err);
            return Future.succeededFuture();
        });
    }

    private Future<Void> subscribe() {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.config().bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putAll(services.config().withPrefix("consumer."));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "connect-" + id.connector());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "connector-consumer-" + id);
        connectorConfig.forEach((k, v) -> {
            if (k.startsWith("consumer.override.")) {
                props.put(k.substring("consumer.override.".length()), v);
            }
        });
        // creating a KafkaConsumer takes long enough to trip the blocked-thread checker: not on the event loop
        return vertx.executeBlocking(() -> new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer()), false)
                .compose(this::subscribe);
    }

    /** Wraps the consumer (on the task's context, which vertx-kafka-client captures) and subscribes it. */
    private Future<Void> subscribe(KafkaConsumer<byte[], byte[]> kafkaConsumer) {
        consumer = KafkaReadStream.create(vertx, kafkaConsumer);
        consumer.partitionsAssignedHandler(this::onAssigned);
        consumer.partitionsRevokedHandler(this::onRevoked);
        consumer.exceptionHandler(this::fail);
        String regex = connectorConfig.get("topics.regex");
        if (regex != null && !regex.isBlank()) {
            return consumer.subscribe(Pattern.compile(regex));
        }
        Set<String> topics = new HashSet<>();
        for (String t : connectorConfig.getOrDefault("topics", "").split(",")) {
            if (!t.isBlank()) {
                topics.add(t.trim());
            }
        }
        return consumer.subscribe(topics);
    }

    private void onAssigned(Set<TopicPartition> partitions) {
        assignment.addAll(partitions);
        if (paused) {
            consumer.pause(partitions);
        }
        callTask(() -> task.open(new ArrayList<>(partitions))).onFailure(this::fail);
    }

    private void onRevoked(Set<TopicPartition> partitions) {
        if (stopping) {
            return; // stop() already committed and closes the task's partitions itself
        }
        Map<TopicPartition, OffsetAndMetadata> revoked = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata o = currentOffsets.remove(tp);
            if (o != null) {
                revoked.put(tp, o);
            }
        }
        assignment.removeAll(partitions);
        if (!failed && !revoked.isEmpty()) {
            consumer.commit(revoked).onFailure(err -> LOG.debug("Commit on revocation of task {} failed: {}", id, err.toString()));
        }
        callTask(() -> task.close(new ArrayList<>(partitions)));
    }

    /**
     * Poll, convert, put, repeat. While the task works on a batch, the next one is already being
     * fetched (at most one batch in hand and one on its way: the flow control). Records of that
     * prefetched batch whose partition was paused, rewound or revoked meanwhile are dropped and, if
     * still ours, fetched again from the same offset.
     */
    private void loop() {
        if (stopping || failed) {
            loopPromise.tryComplete();
            return;
        }
        if (commitRequested && !committing) {
            commit();
        }
        if (!pendingSeeks.isEmpty() && prefetched != null) {
            // let the poll under way land (its records are dropped as stale), then seek
            Future<ConsumerRecords<byte[], byte[]>> landing = prefetched;
            prefetched = null;
            landing.onComplete(ar -> {
                if (ar.succeeded()) {
                    dropStale(ar.result());
                }
                loop();
            });
            return;
        }
        if (!pendingSeeks.isEmpty()) {
            Map<TopicPartition, Long> seeks = new HashMap<>(pendingSeeks);
            pendingSeeks.clear();
            List<Future<Void>> done = new ArrayList<>();
            seeks.forEach((tp, offset) -> {
                done.add(consumer.seek(tp, offset));
                currentOffsets.put(tp, new OffsetAndMetadata(offset));
            });
            Future.join(done).onComplete(ar -> loop());
            return;
        }
        Future<ConsumerRecords<byte[], byte[]>> next = prefetched != null ? prefetched : poll();
        prefetched = null;
        next.onComplete(ar -> {
            if (ar.failed()) {
                if (!stopping) {
                    fail(ar.cause());
                }
                loopPromise.tryComplete();
                return;
            }
            if (stopping || failed) {
                loopPromise.tryComplete();
                return;
            }
            List<ConsumerRecord<byte[], byte[]>> records = dropStale(ar.result());
            if (records.isEmpty() && task instanceof ReactiveSinkTask) {
                loop();
                return;
            }
            // a classic task is also given empty batches, as Kafka Connect does: some flush on time in put()
            List<SinkRecord> batch = new ArrayList<>(records.size());
            Map<TopicPartition, OffsetAndMetadata> consumed = new HashMap<>();
            try {
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    consumed.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    SinkRecord converted = converters.toSinkRecord(r);
                    SinkRecord transformed = transforms.isEmpty() ? converted : transforms.apply(converted);
                    if (transformed != null) {
                        batch.add(transformed);
                    }
                }
            } catch (RuntimeException e) {
                fail(new org.apache.kafka.connect.errors.DataException(
                        "Could not convert or transform a record consumed by task " + id + ": " + e.getMessage(), e));
                loopPromise.tryComplete();
                return;
            }
            if (!records.isEmpty() && pendingSeeks.isEmpty()) {
                prefetched = poll();
            }
            deliver(batch, consumed);
        });
    }

    private Future<ConsumerRecords<byte[], byte[]>> poll() {
        return consumer.poll(Duration.ofMillis(services.config().getLong(WorkerConfig.SINK_POLL_TIMEOUT_MS)));
    }

    /**
     * The records the task may have now: those of partitions paused or rewound since they were
     * fetched are dropped and fetched again later from their first offset; those of partitions no
     * longer assigned are dropped.
     */
    private List<ConsumerRecord<byte[], byte[]>> dropStale(ConsumerRecords<byte[], byte[]> records) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>(records.count());
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> of = records.records(tp);
            if (!assignment.contains(tp)) {
                continue;
            }
            if (paused || taskPaused.contains(tp) || pendingSeeks.containsKey(tp)) {
                pendingSeeks.putIfAbsent(tp, of.get(0).offset());
                continue;
            }
            topicUsed.accept(tp.topic());
            out.addAll(of);
        }
        return out;
    }

    /** Hands the batch to the task; once taken, the consumed offsets (filtered records included) count as processed. */
    private void deliver(List<SinkRecord> batch, Map<TopicPartition, OffsetAndMetadata> consumed) {
        if (batch.isEmpty() && !consumed.isEmpty()) {
            currentOffsets.putAll(consumed);
            loop();
            return;
        }
        put(batch).onComplete(ar -> {
            if (ar.succeeded()) {
                currentOffsets.putAll(consumed);
                loop();
            } else if (ar.cause() instanceof RetriableException && !stopping) {
                LOG.info("Task {} asked to retry a batch of {} records in {} ms: {}", id, batch.size(), retryBackoffMs,
                        ar.cause().getMessage());
                vertx.setTimer(Math.max(1, retryBackoffMs), t -> deliver(batch, consumed));
            } else {
                if (!stopping) {
                    fail(ar.cause());
                }
                loopPromise.tryComplete();
            }
        });
    }

    private Future<Void> put(Collection<SinkRecord> batch) {
        if (task instanceof ReactiveSinkTask reactive) {
            try (LoaderSwap s = swap()) {
                return reactive.write(batch);
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
        }
        return thread.call(context, () -> {
            task.put(batch);
            return null;
        });
    }

    /** preCommit (flush) then commit exactly what it returned; skipped while a commit is under way. */
    private Future<Void> commit() {
        if (committing || consumer == null || failed) {
            return Future.succeededFuture();
        }
        committing = true;
        commitRequested = false;
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(currentOffsets);
        Future<Map<TopicPartition, OffsetAndMetadata>> flushed;
        if (task instanceof ReactiveSinkTask reactive) {
            try (LoaderSwap s = swap()) {
                flushed = reactive.flushOffsets(offsets);
            }
        } else {
            flushed = thread.call(context, () -> task.preCommit(offsets));
        }
        return flushed.compose(toCommit -> toCommit == null || toCommit.isEmpty()
                        ? Future.<Void>succeededFuture()
                        : consumer.commit(toCommit).<Void>mapEmpty())
                .recover(err -> {
                    LOG.warn("Offset commit of task {} failed, retried at the next interval: {}", id, err.toString());
                    return Future.succeededFuture();
                })
                .eventually(() -> {
                    committing = false;
                    return Future.succeededFuture();
                });
    }

    @Override
    public void pauseTask() {
        context.runOnContext(v -> {
            paused = true;
            if (consumer != null && !failed) {
                consumer.pause(new HashSet<>(assignment));
                services.report(id, State.PAUSED, null);
            }
        });
    }

    @Override
    public void resumeTask() {
        context.runOnContext(v -> {
            paused = false;
            if (consumer != null && !failed) {
                Set<TopicPartition> resume = new HashSet<>(assignment);
                resume.removeAll(taskPaused);
                consumer.resume(resume);
                services.report(id, State.RUNNING, null);
            }
        });
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        if (commitTimer >= 0) {
            vertx.cancelTimer(commitTimer);
        }
        long timeout = services.config().getLong(WorkerConfig.TASK_SHUTDOWN_TIMEOUT_MS);
        Future<Void> finalCommit = loopDone
                .timeout(Math.max(1, timeout), java.util.concurrent.TimeUnit.MILLISECONDS)
                .recover(err -> {
                    LOG.warn("Graceful stop of task {} failed: its batch was not taken within {} ms", id, timeout);
                    return Future.succeededFuture();
                })
                .compose(v -> {
                    committing = false;
                    return commit();
                });
        return finalCommit
                .compose(v -> callTask(() -> task.close(new ArrayList<>(assignment))))
                .recover(err -> Future.succeededFuture())
                .compose(v -> stopTask())
                .eventually(() -> {
                    transforms.close();
                    return Future.succeededFuture();
                })
                .eventually(() -> {
                    if (consumer == null) {
                        return Future.succeededFuture();
                    }
                    // no call into the consumer may follow close(): vertx-kafka-client would start a second thread for it
                    consumer.partitionsRevokedHandler(null).partitionsAssignedHandler(null);
                    return consumer.close();
                })
                .eventually(() -> {
                    if (thread != null) {
                        thread.shutdown();
                    }
                    services.pluginMetrics().release(id);
                    LOG.info("Task {} stopped", id);
                    return Future.succeededFuture();
                });
    }

    private Future<Void> stopTask() {
        if (task == null) {
            return Future.succeededFuture();
        }
        Future<Void> stopped;
        try (LoaderSwap s = swap()) {
            stopped = task instanceof ReactiveSinkTask reactive ? reactive.close() : callTask(task::stop);
        }
        return stopped.recover(err -> {
            LOG.warn("Task {} failed to stop: {}", id, err.toString());
            return Future.succeededFuture();
        });
    }

    /** Runs a call into the task: on its thread when classic, on the context when reactive. */
    private Future<Void> callTask(Runnable call) {
        if (thread == null) {
            try (LoaderSwap s = swap()) {
                call.run();
                return Future.succeededFuture();
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
        }
        return thread.call(context, () -> {
            call.run();
            return null;
        });
    }

    /** Makes the task's plugin loader the thread's context class loader until closed. */
    private LoaderSwap swap() {
        return services.plugins().swap(taskClass);
    }

    private void fail(Throwable err) {
        if (failed) {
            return;
        }
        failed = true;
        LOG.error("Task {} failed: {}", id, err.toString());
        services.report(id, State.FAILED, err);
    }

    /** Kafka Connect's context for a sink task; its calls may come from the task's thread. */
    private final class Context implements SinkTaskContext {
        @Override
        public Map<String, String> configs() {
            return taskConfig;
        }

        @Override
        public void offset(Map<TopicPartition, Long> offsets) {
            context.runOnContext(v -> pendingSeeks.putAll(offsets));
        }

        @Override
        public void offset(TopicPartition tp, long offset) {
            offset(Map.of(tp, offset));
        }

        @Override
        public void timeout(long timeoutMs) {
            context.runOnContext(v -> retryBackoffMs = timeoutMs);
        }

        @Override
        public Set<TopicPartition> assignment() {
            return Set.copyOf(assignment);
        }

        @Override
        public void pause(TopicPartition... partitions) {
            context.runOnContext(v -> {
                taskPaused.addAll(List.of(partitions));
                consumer.pause(Set.of(partitions));
            });
        }

        @Override
        public void resume(TopicPartition... partitions) {
            context.runOnContext(v -> {
                List.of(partitions).forEach(taskPaused::remove);
                if (!paused) {
                    consumer.resume(Set.of(partitions));
                }
            });
        }

        @Override
        public void requestCommit() {
            context.runOnContext(v -> commitRequested = true);
        }

        @Override
        public org.apache.kafka.common.metrics.PluginMetrics pluginMetrics() {
            return services.pluginMetrics().forTask(id);
        }
    }
}
