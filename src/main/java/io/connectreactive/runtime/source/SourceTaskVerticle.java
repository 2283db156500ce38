package io.connectreactive.runtime.source;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.connectreactive.api.ReactiveSourceTask;
import io.connectreactive.api.ReactiveTaskContext;
import io.connectreactive.config.WorkerConfig;
import io.connectreactive.kafka.ClientConfigs;
import io.connectreactive.kafka.SharedProducer;
import io.connectreactive.kafka.TopicCreation;
import io.connectreactive.plugin.LoaderSwap;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.TaskServices;
import io.connectreactive.runtime.TaskLifecycleVerticle;
import io.connectreactive.storage.ConnectorOffsetStore;
import io.connectreactive.storage.OffsetStore;
import io.connectreactive.storage.TransactionalOffsets;
import io.connectreactive.storage.kafka.KafkaOffsetStore;
import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.source.TransactionContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One source task: creates the task, runs its records to Kafka (a classic task's
 * {@link ClassicSourceLoop} on its dedicated thread, a reactive task's {@link SourcePipeline} on its
 * context) and, every
 * {@code offset.flush.interval.ms}, stores the committable offsets and calls the task's
 * {@code commit()}. Stopping drains records in flight (up to
 * {@code task.shutdown.graceful.timeout.ms}) and stores offsets once more.
 *
 * <p>Records go to the worker's shared producer, or, when the connector has
 * {@code producer.override.*} settings (allowed by {@code connector.client.config.override.policy}),
 * to a producer of the task's own, created as it starts and closed as it stops. A classic task's
 * plugin calls ({@code poll}, transforms, converters, {@code commitRecord}, {@code commit}) run on
 * its own {@link TaskThread}; a reactive task's on its context.
 *
 * <p>Offsets are the worker's, or, for a connector with its own offsets topic on a clustered worker
 * ({@code offsets.storage.topic}, {@link KafkaOffsetStore#connectorTopic}), the task's own
 * {@link ConnectorOffsetStore} (that topic first, the worker's offsets as fallback and secondary copy), as Kafka
 * Connect gives each such task: started (its topic read to the end on the store's own thread) before the
 * task's {@code start()}, after {@code initTransactions()} for an exactly-once task, whose transactions then
 * carry the offsets to that topic; stopped as the task is released.
 *
 * <p>Deployed by the worker; all its state lives on its own context. A failure to start or run is
 * reported as FAILED status; the deployment itself stays until the worker undeploys it.
 */
public final class SourceTaskVerticle extends TaskLifecycleVerticle<SourceTask, SourceRecord> {

    private static final Logger LOG = LoggerFactory.getLogger(SourceTaskVerticle.class);
    private static final String TRANSACTION_BOUNDARY = "transaction.boundary";
    private static final String TRANSACTION_BOUNDARY_INTERVAL_MS = "transaction.boundary.interval.ms";

    private final boolean commitRecord;
    private SourceTaskContext sourceContext;
    /** Calls into the task, by its kind; set as the task starts. */
    private Calls calls;
    private ClassicSourceLoop classicLoop;
    private ExactlyOnceSourceLoop exactlyOnceLoop;
    /** An exactly-once task's transactional producer, else null. */
    private Producer<byte[], byte[]> transactional;
    /** An exactly-once task's transaction context (transaction.boundary=connector), else null. */
    private TaskTransactionContext transactionContext;
    private SourceFlow pipeline;
    /** The task's own producer (producer.override.*), else null: it uses the worker's. */
    private SharedProducer ownProducer;
    private long commitTimer = -1;
    private Future<Void> lastCommit = Future.succeededFuture();
    /** Where the task's offsets are read and stored: the worker's store, or {@link #connectorOffsets} once started. */
    private volatile OffsetStore offsets;
    /** The store on the connector's own offsets topic, else null; stopped at release. */
    private ConnectorOffsetStore connectorOffsets;

    public SourceTaskVerticle(TaskServices services, TaskId id, Class<? extends SourceTask> taskClass,
                              Map<String, String> connectorConfig, Map<String, String> taskConfig, boolean paused) {
        super(services, id, taskClass, ReactiveSourceTask.class, connectorConfig, taskConfig, paused);
        this.commitRecord = overridesCommitRecord(taskClass);
        this.offsets = services.offsets();
    }

    @Override
    protected void initialize(SourceTask task) {
        if (exactlyOnce(task) && "connector".equalsIgnoreCase(transactionBoundary().trim())) {
            transactionContext = new TaskTransactionContext();
        }
        sourceContext = new Context();
        task.initialize(sourceContext);
    }

    /**
     * Whether the task runs exactly once: a classic task on a worker with exactly-once source support
     * enabled. A reactive task runs at least once there (warned as it starts): its path has no
     * transactions yet.
     */
    private boolean exactlyOnce(SourceTask task) {
        return services.config().exactlyOnceSourceEnabled() && !(task instanceof ReactiveSourceTask);
    }

    private String transactionBoundary() {
        return connectorConfig.getOrDefault(TRANSACTION_BOUNDARY, "poll");
    }

    /** The task's producer, its start, then the pipeline from its records to Kafka and the commit timer. */
    @Override
    protected Future<Void> begin() {
        calls = task instanceof ReactiveSourceTask reactive ? new ReactiveCalls(reactive) : new ClassicCalls();
        if (exactlyOnce(task)) {
            return new ExactlyOnceCalls().start();
        }
        if (services.config().exactlyOnceSourceEnabled()) {
            if ("required".equalsIgnoreCase(connectorConfig.getOrDefault("exactly.once.support", "requested").trim())) {
                return Future.failedFuture(new ConnectException("Task " + id + " cannot run exactly once, as exactly.once.support="
                        + "required asks: " + taskClass.getSimpleName() + " is a reactive task, whose records do not go through "
                        + "transactions yet"));
            }
            LOG.warn("Task {} runs at least once although exactly.once.source.support is enabled: {} is a reactive task, "
                    + "whose records do not go through transactions yet", id, taskClass.getSimpleName());
        }
        return openOffsets().compose(v -> producer()).compose(producer -> calls.open(producer).map(flow -> {
            pipeline = flow;
            pipeline.start();
            if (paused) {
                pipeline.pause();
            }
            long interval = services.config().getLong(WorkerConfig.OFFSET_FLUSH_INTERVAL_MS);
            commitTimer = vertx.setPeriodic(interval, t -> commitOffsets());
            LOG.info("Task {} started ({}{}{})", id, taskClass.getSimpleName(),
                    classic ? ", classic on thread cr-task-" + id : ", reactive", ownProducer != null ? ", own producer" : "");
            return null;
        }));
    }

    /**
     * With {@code offsets.storage.topic} on a clustered worker, creates and starts the task's store on the
     * connector's topic (the topic created if missing, then read to the end on the store's thread); else the
     * task keeps the worker's store. A standalone worker refuses the key before it gets here.
     */
    private Future<Void> openOffsets() {
        String topic = KafkaOffsetStore.connectorTopic(services.config(), connectorConfig);
        if (topic == null) {
            return Future.succeededFuture();
        }
        ConnectorOffsetStore store;
        try {
            store = new ConnectorOffsetStore(KafkaOffsetStore.forConnectorTopic(vertx, services.config(), topic, id.toString()),
                    services.offsets(), services.config().getLong(WorkerConfig.OFFSET_FLUSH_TIMEOUT_MS));
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        connectorOffsets = store;
        return store.start().onSuccess(v -> {
            offsets = store;
            LOG.info("Task {} keeps its offsets in the connector's topic {}, with the worker's as fallback", id, topic);
        });
    }

    /** The worker's shared producer, or with producer.override.* (as the override policy allows) one of the task's own. */
    private Future<SharedProducer> producer() {
        if (!ClientConfigs.overridesAny(ClientConfigs.Kind.PRODUCER, connectorConfig)) {
            return Future.succeededFuture(services.producer());
        }
        Map<String, String> settings;
        try {
            settings = services.clients().taskProducer(id, connectorConfig);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return vertx.executeBlocking(() -> services.producer().sibling(vertx, settings, "cr-producer-" + id), false).onSuccess(p -> {
                    ownProducer = p;
                    metrics.bindClient(p.client());
                });
    }

    @Override
    protected void targetState(boolean pause) {
        if (pause) {
            pipeline.pause();
        } else {
            pipeline.resume();
        }
    }

    @Override
    protected void onFailure() {
        if (pipeline != null) {
            pipeline.pause();
        }
    }

    /** Abandoned: records still in the pipeline are dropped and no offset is stored any more. */
    @Override
    protected void onCancel() {
        if (commitTimer >= 0) {
            vertx.cancelTimer(commitTimer);
        }
        if (pipeline != null) {
            pipeline.close();
        }
    }

    /** Drains the records in flight (up to task.shutdown.graceful.timeout.ms), stops the task, stores offsets once more. */
    @Override
    protected Future<Void> end() {
        if (commitTimer >= 0) {
            vertx.cancelTimer(commitTimer);
        }
        long timeout = services.config().getLong(WorkerConfig.TASK_SHUTDOWN_TIMEOUT_MS);
        Future<Void> drained = pipeline == null ? Future.succeededFuture() : pipeline.drain();
        Future<Void> stopped = stopTask();
        return Future.join(drained, stopped)
                .timeout(Math.max(timeout, 1), TimeUnit.MILLISECONDS)
                .recover(err -> {
                    LOG.warn("Graceful stop of task {} failed: {} records not acknowledged within {} ms",
                            id, pipeline == null ? 0 : pipeline.inFlight(), timeout);
                    return Future.succeededFuture();
                })
                // the last flush waits for a periodic one under way: two flushes never overlap
                .compose(v -> lastCommit.transform(ar -> flushOffsets()))
                .andThen(ar -> {
                    if (pipeline != null) {
                        pipeline.close();
                    }
                });
    }

    @Override
    protected Future<Void> release() {
        Future<Void> producers = releaseProducers();
        if (connectorOffsets == null) {
            return producers;
        }
        ConnectorOffsetStore store = connectorOffsets;
        return producers.eventually(store::stop);
    }

    private Future<Void> releaseProducers() {
        if (transactional != null) {
            Producer<byte[], byte[]> p = transactional;
            long timeout = services.config().getLong(WorkerConfig.TASK_SHUTDOWN_TIMEOUT_MS);
            return vertx.executeBlocking(() -> {
                p.close(Duration.ofMillis(Math.max(timeout, 1)));
                return null;
            }, false).mapEmpty();
        }
        if (ownProducer == null) {
            return Future.succeededFuture();
        }
        long timeout = services.config().getLong(WorkerConfig.TASK_SHUTDOWN_TIMEOUT_MS);
        return ownProducer.close(vertx, Duration.ofMillis(Math.max(timeout, 1)));
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

    /** The periodic commit: skipped while the previous one is under way. */
    private void commitOffsets() {
        if (!lastCommit.isComplete() || pipeline == null) {
            return;
        }
        lastCommit = flushOffsets();
    }

    /** Stores the committable offsets, then calls the task's commit(). Never fails; nothing once abandoned. */
    private Future<Void> flushOffsets() {
        if (pipeline == null || cancelled) {
            return Future.succeededFuture();
        }
        Map<Map<String, ?>, Map<String, ?>> offsets = pipeline.takeCommittable();
        if (offsets.isEmpty()) {
            return Future.succeededFuture();
        }
        long timeout = services.config().getLong(WorkerConfig.OFFSET_FLUSH_TIMEOUT_MS);
        long t0 = System.nanoTime();
        return this.offsets.write(id.connector(), offsets)
                .timeout(timeout, TimeUnit.MILLISECONDS)
                .compose(v -> commitTask())
                .andThen(ar -> metrics.offsetCommit(System.nanoTime() - t0, ar.succeeded()))
                .recover(err -> {
                    pipeline.restoreCommittable(offsets);
                    LOG.warn("Offset commit of task {} failed, retried at the next interval: {}", id, err.toString());
                    return Future.succeededFuture();
                });
    }

    private Future<Void> commitTask() {
        return calls == null || failed ? Future.succeededFuture() : calls.commit();
    }

    private void commitRecord(SourceRecord record, RecordMetadata metadata) {
        try {
            task.commitRecord(record, metadata);
        } catch (Exception e) {
            LOG.warn("commitRecord of task {} failed: {}", id, e.toString());
        }
    }

    private TopicCreation topicCreation() {
        return TopicCreation.of(services.admin(), services.config().getBoolean(WorkerConfig.TOPIC_CREATION_ENABLE), connectorConfig);
    }

    /** The calls into the task that differ by its kind; on the task's context, never throwing. */
    private interface Calls {
        /** Starts the task and gives the flow of its records to {@code producer}. */
        Future<SourceFlow> open(SharedProducer producer);

        /** The task's {@code commit()} after offsets were stored. */
        Future<Void> commit();

        /** Stops the task. */
        Future<Void> stop();
    }

    /** A classic task: its calls on its own thread, where its records also go from {@code poll()} to the producer. */
    private final class ClassicCalls implements Calls {
        @Override
        public Future<SourceFlow> open(SharedProducer producer) {
            return thread.call(context, () -> {
                task.start(taskConfig);
                return null;
            }).map(v -> {
                boolean onAck = services.config().getList(WorkerConfig.SOURCE_COMMIT_RECORD_ON_ACK).contains(task.getClass().getName());
                classicLoop = new ClassicSourceLoop(id, task, thread, context, transforms, converters, errors, producer,
                        topicCreation(), services.config().getInt(WorkerConfig.SOURCE_MAX_IN_FLIGHT),
                        !commitRecord ? null : onAck ? this::commitRecordWithLoader : SourceTaskVerticle.this::commitRecord, onAck,
                        SourceTaskVerticle.this::fail, metrics, services.activeTopicRecorder(id.connector()));
                return classicLoop;
            });
        }

        /** On the producer's I/O thread, for a task whose commitRecord is known not to block: with the plugin's class loader. */
        private void commitRecordWithLoader(SourceRecord record, RecordMetadata metadata) {
            try (LoaderSwap s = swap()) {
                commitRecord(record, metadata);
            }
        }

        @Override
        public Future<Void> commit() {
            return thread.call(context, () -> {
                task.commit();
                return null;
            });
        }

        /** As Kafka Connect does, from another thread than the task's, where {@code poll()} may be waiting, to wake it. */
        @Override
        public Future<Void> stop() {
            if (classicLoop != null) {
                classicLoop.stopPolling();
            }
            if (exactlyOnceLoop != null) {
                exactlyOnceLoop.stopPolling();
            }
            return services.pluginCalls().call(() -> {
                try (LoaderSwap s = swap()) {
                    task.stop();
                }
                return null;
            });
        }
    }

    /**
     * A classic task run exactly once, as Kafka Connect starts one: its transactional producer first
     * ({@code initTransactions()} fences an older producer of the same transactional id, wherever it
     * runs, and aborts its open transaction), then the offsets read to the end (read_committed), then
     * the task's {@code start()}; its records then go in transactions ({@link ExactlyOnceSourceLoop}).
     * The blocking calls run on the task's thread.
     */
    private final class ExactlyOnceCalls {
        Future<Void> start() {
            if (!(services.offsets() instanceof TransactionalOffsets)) {
                return Future.failedFuture(new ConnectException("Task " + id + " cannot run exactly once: its offsets are not kept in a Kafka topic"));
            }
            ExactlyOnceSourceLoop.Boundary boundary;
            Map<String, String> settings;
            try {
                boundary = ExactlyOnceSourceLoop.Boundary.of(transactionBoundary());
                settings = services.clients().exactlyOnceTaskProducer(id, connectorConfig);
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
            long interval = connectorConfig.containsKey(TRANSACTION_BOUNDARY_INTERVAL_MS)
                    ? Long.parseLong(connectorConfig.get(TRANSACTION_BOUNDARY_INTERVAL_MS).trim())
                    : services.config().getLong(WorkerConfig.OFFSET_FLUSH_INTERVAL_MS);
            return thread.call(context, () -> {
                KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(new HashMap<>(settings), new ByteArraySerializer(), new ByteArraySerializer());
                try {
                    p.initTransactions();
                } catch (RuntimeException e) {
                    p.close(Duration.ZERO);
                    throw e;
                }
                return p;
            }).compose(p -> {
                transactional = p;
                metrics.bindClient(p);
                // after the fencing: the connector's own topic is read to the end (read_committed) as its store starts
                return openOffsets().compose(v -> services.offsets().refresh());
            }).compose(v -> thread.call(context, () -> {
                task.start(taskConfig);
                return null;
            })).map(v -> {
                exactlyOnceLoop = new ExactlyOnceSourceLoop(id, task, thread, context, transforms, converters, errors, transactional,
                        boundary, interval, transactionContext, (TransactionalOffsets) offsets, topicCreation(),
                        commitRecord ? SourceTaskVerticle.this::commitRecord : null, this::commitTask,
                        SourceTaskVerticle.this::fail, metrics, services.activeTopicRecorder(id.connector()));
                pipeline = exactlyOnceLoop;
                pipeline.start();
                if (paused) {
                    pipeline.pause();
                }
                LOG.info("Task {} started ({}, classic on thread cr-task-{}, exactly once: transactional.id {}, transaction.boundary={})",
                        id, taskClass.getSimpleName(), id, settings.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG),
                        boundary.name().toLowerCase(Locale.ROOT));
                return null;
            });
        }

        /** On the task's thread, after each committed transaction. */
        private void commitTask() {
            try {
                task.commit();
            } catch (Exception e) {
                LOG.warn("commit() of task {} failed: {}", id, e.toString());
            }
        }
    }

    /** One of our reactive tasks: everything on the task's context. */
    private final class ReactiveCalls implements Calls {
        private final ReactiveSourceTask reactive;

        ReactiveCalls(ReactiveSourceTask reactive) {
            this.reactive = reactive;
        }

        @Override
        public Future<SourceFlow> open(SharedProducer producer) {
            Future<ReadStream<SourceRecord>> opened;
            try (LoaderSwap s = swap()) {
                opened = reactive.open(new ReactiveTaskContext<>(vertx, context, sourceContext), taskConfig);
            }
            return opened.map(stream -> {
                SourcePipeline p = new SourcePipeline(id, context, stream, transforms, topicCreation(), converters, producer,
                        services.config().getInt(WorkerConfig.SOURCE_MAX_IN_FLIGHT), commitRecord ? this::commitRecords : null,
                        SourceTaskVerticle.this::fail, errors);
                p.trackTopics(services.activeTopicRecorder(id.connector()));
                p.metrics(metrics);
                return p;
            });
        }

        @Override
        public Future<Void> commit() {
            try (LoaderSwap s = swap()) {
                return reactive.commitOffsets();
            }
        }

        /** The task's {@code commitRecord} for a batch of acknowledged records, in order. */
        private void commitRecords(List<SourceRecord> records, List<RecordMetadata> metadata) {
            try (LoaderSwap s = swap()) {
                for (int i = 0; i < records.size(); i++) {
                    commitRecord(records.get(i), metadata.get(i));
                }
            }
        }

        @Override
        public Future<Void> stop() {
            try (LoaderSwap s = swap()) {
                return reactive.close();
            }
        }
    }

    static boolean overridesCommitRecord(Class<?> type) {
        try {
            Class<?> declaring = type.getMethod("commitRecord", SourceRecord.class, RecordMetadata.class).getDeclaringClass();
            // only tasks that do something with it pay for a call per record
            return declaring != SourceTask.class && declaring != ReactiveSourceTask.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** Kafka Connect's context for the task: its config and an offset reader over the offset store. */
    private final class Context implements SourceTaskContext {
        private final OffsetStorageReader reader = new OffsetStorageReader() {
            @Override
            public <T> Map<String, Object> offset(Map<String, T> partition) {
                return offsets.offset(id.connector(), partition);
            }

            @Override
            public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
                Map<Map<String, T>, Map<String, Object>> out = new HashMap<>();
                for (Map<String, T> p : partitions) {
                    out.put(p, offsets.offset(id.connector(), p));
                }
                return out;
            }
        };

        @Override
        public Map<String, String> configs() {
            return taskConfig;
        }

        @Override
        public OffsetStorageReader offsetStorageReader() {
            return reader;
        }

        /** The task's transaction context: with exactly-once and connector-defined boundaries, else null (as in Kafka Connect). */
        @Override
        public TransactionContext transactionContext() {
            return transactionContext;
        }

        @Override
        public PluginMetrics pluginMetrics() {
            return services.pluginMetrics().forTask(id);
        }
    }
}
