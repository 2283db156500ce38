package io.connectreactive.runtime.source;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.connectreactive.api.ReactiveSourceTask;
import io.connectreactive.api.ReactiveTaskContext;
import io.connectreactive.config.WorkerConfig;
import io.connectreactive.kafka.ClientConfigOverridePolicy;
import io.connectreactive.kafka.SharedProducer;
import io.connectreactive.kafka.TopicCreation;
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
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One source task: creates the task, opens its record stream (a reactive task's own, or a classic
 * task's {@code poll()} adapted on its dedicated thread), runs the {@link SourcePipeline} and, every
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
 * <p>Deployed by the worker; all its state lives on its own context. A failure to start or run is
 * reported as FAILED status; the deployment itself stays until the worker undeploys it.
 */
public final class SourceTaskVerticle extends VerticleBase implements TaskVerticle {

    private static final Logger LOG = LoggerFactory.getLogger(SourceTaskVerticle.class);

    private final TaskServices services;
    private final TaskId id;
    private Map<String, String> connectorConfig;
    private Map<String, String> taskConfig;
    private final Class<? extends SourceTask> taskClass;
    private boolean paused;
    /** The task's version(), read by the herder from its own context. */
    private volatile String version;

    private SourceTask task;
    private TaskThread thread;
    private ClassicSourceStream classicStream;
    private SourcePipeline pipeline;
    /** This task's own producer (the connector has producer.override.* settings), or null for the worker's. */
    private SharedProducer ownProducer;
    private TransformChain<SourceRecord> transforms = TransformChain.empty();
    private long commitTimer = -1;
    private Future<Void> lastCommit = Future.succeededFuture();
    private boolean failed;

    public SourceTaskVerticle(TaskServices services, TaskId id, Class<? extends SourceTask> taskClass,
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
        Map<String, String> overrides = ClientConfigOverridePolicy.overrides(connectorConfig, ClientConfigOverridePolicy.PRODUCER_OVERRIDE);
        if (overrides.isEmpty()) {
            return startWith(services.producer());
        }
        // a connector's producer.override.* gives each of its tasks a producer of its own
        Map<String, String> forbidden = services.config().clientOverridePolicy().violations(connectorConfig);
        forbidden.keySet().removeIf(k -> !k.startsWith(ClientConfigOverridePolicy.PRODUCER_OVERRIDE));
        if (!forbidden.isEmpty()) {
            fail(new org.apache.kafka.connect.errors.ConnectException(String.join(" ", forbidden.values())));
            return Future.succeededFuture();
        }
        return vertx.executeBlocking(() -> services.producer().withOverrides(vertx, overrides,
                        "connector-producer-" + id, "cr-producer-" + id), false)
                .transform(ar -> {
                    if (ar.failed()) {
                        fail(ar.cause());
                        return Future.succeededFuture();
                    }
                    ownProducer = ar.result();
                    return startWith(ownProducer);
                });
    }

    private Future<?> startWith(SharedProducer producer) {
        Future<ReadStream<SourceRecord>> opened;
        ConverterChain converters;
        boolean commitRecord = overridesCommitRecord(taskClass);
        try {
            task = services.plugins().newPlugin(taskClass);
            version = Worker.versionOf(task::version);
            converters = ConverterChain.create(services.plugins(), services.config(), connectorConfig);
            transforms = TransformChain.create(services.plugins(), connectorConfig);
            SourceTaskContext ctx = new Context();
            try (LoaderSwap s = swap()) {
                task.initialize(ctx);
            }
            if (task instanceof ReactiveSourceTask reactive) {
                try (LoaderSwap s = swap()) {
                    opened = reactive.open(new ReactiveTaskContext<>(vertx, context, ctx), taskConfig);
                }
            } else {
                thread = new TaskThread("cr-task-" + id, services.plugins().loaderFor(taskClass));
                ConverterChain chain = converters;
                opened = thread.call(context, () -> {
                    task.start(taskConfig);
                    return null;
                }).map(v -> {
                    classicStream = new ClassicSourceStream(id, task, thread, context, transforms, chain, commitRecord);
                    return classicStream;
                });
            }
        } catch (RuntimeException e) {
            opened = Future.failedFuture(e);
            converters = null;
        }
        ConverterChain chain = converters;
        boolean classic = !(task instanceof ReactiveSourceTask);
        return opened.map(stream -> {
            pipeline = new SourcePipeline(id, context, stream, transforms,
                    TopicCreation.of(services.admin(), services.config().getBoolean(WorkerConfig.TOPIC_CREATION_ENABLE), connectorConfig),
                    chain, producer,
                    services.config().getInt(WorkerConfig.SOURCE_MAX_IN_FLIGHT),
                    commitRecord ? (classic ? this::commitRecordsOnTaskThread : this::commitRecords) : null,
                    classic, this::fail);
            pipeline.trackTopics(services.activeTopicRecorder(id.connector()));
            pipeline.start();
            if (paused) {
                pipeline.pause();
            }
            long interval = services.config().getLong(WorkerConfig.OFFSET_FLUSH_INTERVAL_MS);
            commitTimer = vertx.setPeriodic(interval, t -> commitOffsets());
            services.report(id, paused ? State.PAUSED : State.RUNNING, null);
            LOG.info("Task {} started ({}{}{})", id, taskClass.getSimpleName(),
                    task instanceof ReactiveSourceTask ? ", reactive" : ", classic on thread cr-task-" + id,
                    ownProducer != null ? ", own producer" : "");
            return null;
        }).recover(err -> {
            fail(err);
            return Future.succeededFuture();
        });
    }

    @Override
    public void pauseTask() {
        context.runOnContext(v -> {
            paused = true;
            if (pipeline != null && !failed) {
                pipeline.pause();
                services.report(id, State.PAUSED, null);
            }
        });
    }

    @Override
    public void resumeTask() {
        context.runOnContext(v -> {
            paused = false;
            if (pipeline != null && !failed) {
                pipeline.resume();
                services.report(id, State.RUNNING, null);
            }
        });
    }

    @Override
    public Future<?> stop() {
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
                })
                .eventually(() -> {
                    TransformChain<SourceRecord> t = transforms;
                    if (thread != null) {
                        // after a poll still under way: its records may be in the transforms
                        thread.call(context, () -> {
                            t.close();
                            return null;
                        });
                        thread.shutdown();
                    } else {
                        t.close();
                    }
                    services.pluginMetrics().release(id);
                    if (ownProducer == null) {
                        LOG.info("Task {} stopped", id);
                        return Future.succeededFuture();
                    }
                    return ownProducer.close(vertx, java.time.Duration.ofMillis(Math.max(timeout, 1)))
                            .onComplete(ar -> LOG.info("Task {} stopped", id));
                });
    }

    private Future<Void> stopTask() {
        if (task == null) {
            return Future.succeededFuture();
        }
        if (task instanceof ReactiveSourceTask reactive) {
            Future<Void> closed;
            try (LoaderSwap s = swap()) {
                closed = reactive.close();
            }
            return closed.recover(err -> {
                LOG.warn("Task {} failed to close: {}", id, err.toString());
                return Future.succeededFuture();
            });
        }
        if (classicStream != null) {
            classicStream.close();
        }
        // Kafka Connect calls stop() from another thread while poll() may be waiting, to wake it.
        return vertx.<Void>executeBlocking(() -> {
            try (LoaderSwap s = swap()) {
                task.stop();
            }
            return null;
        }, false).recover(err -> {
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

    /** Stores the committable offsets, then calls the task's commit(). Never fails. */
    private Future<Void> flushOffsets() {
        if (pipeline == null) {
            return Future.succeededFuture();
        }
        Map<Map<String, ?>, Map<String, ?>> offsets = pipeline.takeCommittable();
        if (offsets.isEmpty()) {
            return Future.succeededFuture();
        }
        long timeout = services.config().getLong(WorkerConfig.OFFSET_FLUSH_TIMEOUT_MS);
        return services.offsets().write(id.connector(), offsets)
                .timeout(timeout, TimeUnit.MILLISECONDS)
                .compose(v -> commitTask())
                .recover(err -> {
                    pipeline.restoreCommittable(offsets);
                    LOG.warn("Offset commit of task {} failed, retried at the next interval: {}", id, err.toString());
                    return Future.succeededFuture();
                });
    }

    private Future<Void> commitTask() {
        if (task instanceof ReactiveSourceTask reactive) {
            try (LoaderSwap s = swap()) {
                return reactive.commitOffsets();
            }
        }
        if (thread == null || failed) {
            return Future.succeededFuture();
        }
        return thread.call(context, () -> {
            task.commit();
            return null;
        });
    }

    /** A reactive task's commitRecord calls: on its context, per batch, in order. */
    private void commitRecords(java.util.List<SourceRecord> records, java.util.List<RecordMetadata> metadata) {
        try (LoaderSwap s = swap()) {
            for (int i = 0; i < records.size(); i++) {
                commitRecord(records.get(i), metadata.get(i));
            }
        }
    }

    /**
     * A classic task's commitRecord calls: on its own thread (as its other calls), one hop per batch,
     * in order; never on a producer I/O thread.
     */
    private void commitRecordsOnTaskThread(java.util.List<SourceRecord> records, java.util.List<RecordMetadata> metadata) {
        if (thread == null || failed) {
            return;
        }
        thread.call(context, () -> {
            for (int i = 0; i < records.size(); i++) {
                commitRecord(records.get(i), metadata.get(i));
            }
            return null;
        });
    }

    private void commitRecord(SourceRecord record, RecordMetadata metadata) {
        try {
            task.commitRecord(record, metadata);
        } catch (Exception e) {
            LOG.warn("commitRecord of task {} failed: {}", id, e.toString());
        }
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
        if (pipeline != null) {
            pipeline.pause();
        }
        LOG.error("Task {} failed: {}", id, err.toString());
        services.report(id, State.FAILED, err);
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
                return services.offsets().offset(id.connector(), partition);
            }

            @Override
            public <T> Map<Map<String, T>, Map<String, Object>> offsets(java.util.Collection<Map<String, T>> partitions) {
                Map<Map<String, T>, Map<String, Object>> out = new java.util.HashMap<>();
                for (Map<String, T> p : partitions) {
                    out.put(p, services.offsets().offset(id.connector(), p));
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

        @Override
        public org.apache.kafka.common.metrics.PluginMetrics pluginMetrics() {
            return services.pluginMetrics().forTask(id);
        }
    }
}
