package io.connectreactive.runtime;

import io.connectreactive.metrics.TaskMetrics;
import io.connectreactive.model.State;
import io.connectreactive.model.TaskId;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.plugin.LoaderSwap;
import io.connectreactive.plugin.PluginRegistry;
import io.connectreactive.runtime.errors.DeadLetterQueue;
import io.connectreactive.runtime.errors.ErrorHandler;
import io.connectreactive.runtime.errors.ErrorHandlingConfig;
import io.connectreactive.runtime.exec.LogContext;
import io.connectreactive.runtime.exec.TaskThread;
import io.connectreactive.runtime.glue.ConverterChain;
import io.connectreactive.runtime.glue.TransformChain;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle every task shares, source or sink, classic or reactive: resolve the config's
 * placeholders, create the task with its converters and transforms, start it, run, stop within a
 * deadline, or fail; with the plugin's class loader around every call into it. Subclasses add what
 * their kind does ({@link #begin}, {@link #end}) and nothing else of this.
 *
 * <p>Plugin code never runs on the event loop unless it is known not to block: a classic task is
 * created, initialised and started on its own thread ({@code cr-task-<connector>-<n>}), where its
 * constructor, static initialiser, {@code version()}, converters and transforms are created too; a
 * reactive task ({@code io.connectreactive.api}) is created on a plugin thread and runs on its
 * context.
 *
 * <p>Deploying never waits for plugin code: {@link #start()} returns at once and the task reports
 * its own state (RUNNING, PAUSED or FAILED). {@link #stop()} always completes: within
 * {@link #stopDeadlineMs(WorkerConfig)} the task drains and commits; past it the task is
 * abandoned as Kafka Connect's {@code WorkerTask.cancel()} does (its thread left to finish, its
 * records and offsets no longer accepted), logged once. Everything here runs on the task's context.
 *
 * @param <T> the task type
 * @param <R> its record type
 */
public abstract class TaskLifecycleVerticle<T extends Task, R extends ConnectRecord<R>> extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(TaskLifecycleVerticle.class);

    protected final TaskServices services;
    protected final TaskId id;
    protected final Class<? extends T> taskClass;
    /** Whether the task is a classic one (its own thread) rather than one of our reactive tasks. */
    protected final boolean classic;
    protected Map<String, String> connectorConfig;
    protected Map<String, String> taskConfig;
    /** The connector's target state is PAUSED. */
    protected boolean paused;
    protected T task;
    /** A classic task's thread; null for a reactive task. */
    protected TaskThread thread;
    protected ConverterChain converters;
    protected TransformChain<R> transforms = TransformChain.empty();
    /** The task's error handling ({@code errors.*}); set before {@link #begin}. */
    protected ErrorHandler errors = new ErrorHandler(null, ErrorHandlingConfig.NONE, null);
    /** The task's dead-letter queue, or null. */
    private DeadLetterQueue deadLetterQueue;
    /** The task failed (FAILED was reported); nothing more is read or committed. */
    protected boolean failed;
    /** Stop was asked for. */
    protected boolean stopping;
    private volatile long stopWithinMs = -1;

    /** The task was abandoned: its records and offsets are no longer accepted. Any thread may read it. */
    protected volatile boolean cancelled;
    /** The task's version(), read by the herder from its own context. */
    private volatile String version;
    /** Completes when the task started and runs (or failed to), never failed itself. */
    private Future<Void> lifecycle = Future.succeededFuture();
    private boolean running;
    /** Completes with the error when the task fails (never for a stop or a cancellation). */
    private final Promise<Throwable> failure = Promise.promise();
    /** The task's meters (Kafka Connect's task groups), removed when it stops. Thread-safe. */
    protected final TaskMetrics metrics;

    protected TaskLifecycleVerticle(TaskServices services, TaskId id, Class<? extends T> taskClass, Class<?> reactiveType,
                                    Map<String, String> connectorConfig, Map<String, String> taskConfig, boolean paused) {
        this.services = services;
        this.id = id;
        this.taskClass = taskClass;
        this.classic = !reactiveType.isAssignableFrom(taskClass);
        this.connectorConfig = connectorConfig;
        this.taskConfig = taskConfig;
        this.paused = paused;
        this.metrics = services.metrics().task(id, SourceTask.class.isAssignableFrom(taskClass));
    }

    public final TaskId id() {
        return id;
    }

    /** The task plugin's {@code version()}, once the task was instantiated; else null. Any thread. */
    public final String version() {
        return version;
    }

    /** Starts the lifecycle and returns at once: nobody waits for plugin code. */
    @Override
    public final Future<?> start() {
        LogContext.attach(context, LogContext.of(id));
        lifecycle = services.resolve(connectorConfig, taskConfig)
                .compose(resolved -> {
                    connectorConfig = resolved.connector();
                    taskConfig = resolved.task();
                    return create();
                })
                .compose(v -> stopping ? Future.<Void>succeededFuture() : openErrorHandling())
                .compose(v -> stopping ? Future.<Void>succeededFuture() : begin())
                .map(v -> {
                    if (!stopping && !failed) {
                        running = true;
                        services.report(id, paused ? State.PAUSED : State.RUNNING, null);
                    }
                    return (Void) null;
                })
                .recover(err -> {
                    fail(err);
                    return Future.succeededFuture();
                });
        return Future.succeededFuture();
    }

    /** Creates the task, its converters and transforms, and initialises it: on its own thread, or the worker pool. */
    private Future<Void> create() {
        Callable<Void> create = () -> {
            T created = services.plugins().newPlugin(taskClass);
            // a task whose version() throws fails, as in Kafka Connect
            String reported = created.version();
            version = PluginRegistry.reportedVersion(() -> reported);
            converters = ConverterChain.create(services.plugins(), services.config(), connectorConfig);
            transforms = TransformChain.create(services.plugins(), connectorConfig);
            try (LoaderSwap s = swap()) {
                initialize(created);
            }
            task = created;
            return null;
        };
        if (!classic) {
            return services.pluginCalls().call(create);
        }
        thread = new TaskThread("cr-task-" + id, services.plugins().loaderFor(taskClass), LogContext.of(id),
                services.threadKind());
        return thread.call(context, create);
    }

    /** Parses {@code errors.*} and opens the dead-letter queue when one is configured. On the context. */
    private Future<Void> openErrorHandling() {
        ErrorHandlingConfig config;
        try {
            config = ErrorHandlingConfig.of(connectorConfig);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        if (config.dlqTopic() == null) {
            errors = new ErrorHandler(id, config, null);
            errors.meter(metrics.errors());
            return Future.succeededFuture();
        }
        // the worker's producer settings, its security ones included, then the connector's overrides the policy allows
        Map<String, Object> producer;
        try {
            producer = services.clients().dlqProducer(id, connectorConfig);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return DeadLetterQueue.open(context, id, config, services.admin(), producer).map(dlq -> {
            deadLetterQueue = dlq;
            errors = new ErrorHandler(id, config, dlq);
            errors.meter(metrics.errors());
            return null;
        });
    }

    /** Gives the new task its context ({@code task.initialize(...)}); on the thread that created it, under its loader. */
    protected abstract void initialize(T task);

    /**
     * Starts the task and what feeds it (a classic task's {@code start()} on its thread, a reactive
     * task's {@code open}); the task is then reported RUNNING or PAUSED. On the context.
     */
    protected abstract Future<Void> begin();

    /** Drains, commits what was delivered and stops the task; called once, never after a cancellation. On the context. */
    protected abstract Future<Void> end();

    /** The connector was paused or resumed while the task runs. On the context. */
    protected abstract void targetState(boolean paused);

    /** The task failed: stop reading. On the context. */
    protected void onFailure() {
    }

    /** The task is abandoned: drop what it has, commit nothing more. On the context. */
    protected void onCancel() {
    }

    /** Releases what {@link #begin} acquired beyond the task (consumers, producers); after {@link #end} or a cancellation. */
    protected Future<Void> release() {
        return Future.succeededFuture();
    }

    /** How long a task may take to stop: drain ({@code task.shutdown.graceful.timeout.ms}) and store offsets once more. */
    public static long stopDeadlineMs(WorkerConfig config) {
        return Math.max(1, config.getLong(WorkerConfig.TASK_SHUTDOWN_TIMEOUT_MS) + config.getLong(WorkerConfig.OFFSET_FLUSH_TIMEOUT_MS));
    }

    /** Makes the next stop abandon the task after {@code ms} if that is sooner than its deadline (a fenced worker's stop). Any thread. */
    public void stopWithin(long ms) {
        stopWithinMs = ms;
    }

    @Override
    public final Future<?> stop() {
        stopping = true;
        long deadline = stopWithinMs > 0 ? Math.min(stopWithinMs, stopDeadlineMs(services.config())) : stopDeadlineMs(services.config());
        return lifecycle
                .compose(v -> task == null ? Future.<Void>succeededFuture() : end())
                .timeout(deadline, TimeUnit.MILLISECONDS)
                .recover(err -> {
                    if (err instanceof TimeoutException) {
                        LOG.warn("Task {} did not stop within {} ms; abandoned (its thread is left to finish, "
                                + "its records and offsets are no longer accepted)", id, deadline);
                        cancel();
                    } else {
                        LOG.warn("Task {} did not stop cleanly: {}", id, err.toString());
                    }
                    return Future.succeededFuture();
                })
                .eventually(this::release)
                .eventually(() -> deadLetterQueue == null ? Future.succeededFuture()
                        : deadLetterQueue.close(services.config().getLong(WorkerConfig.OFFSET_FLUSH_TIMEOUT_MS)))
                .eventually(() -> {
                    TransformChain<R> t = transforms;
                    if (thread != null) {
                        // after a call still under way there: its records may be in the transforms
                        thread.call(context, () -> {
                            t.close();
                            return null;
                        });
                        thread.shutdown();
                    } else {
                        t.close();
                    }
                    services.pluginMetrics().release(id);
                    metrics.close();
                    LOG.info("Task {} stopped", id);
                    return Future.succeededFuture();
                });
    }

    /** Kafka Connect's {@code WorkerTask.cancel()}: from now on the task's records and offsets are not accepted. */
    private void cancel() {
        cancelled = true;
        context.runOnContext(v -> onCancel());
    }

    /** Stops reading records until {@link #resumeTask()}; the task reports PAUSED. Any thread. */
    public final void pauseTask() {
        changeTargetState(true);
    }

    /** Reads records again; the task reports RUNNING. Any thread. */
    public final void resumeTask() {
        changeTargetState(false);
    }

    private void changeTargetState(boolean pause) {
        context.runOnContext(v -> {
            paused = pause;
            // before it runs, begin() applies the target state itself
            if (running && !failed && !stopping) {
                targetState(pause);
                services.report(id, pause ? State.PAUSED : State.RUNNING, null);
            }
        });
    }

    /** Reports the task FAILED with its trace, once; it stops reading. On the context. */
    protected final void fail(Throwable err) {
        if (failed || cancelled) {
            return;
        }
        failed = true;
        LOG.error("Task {} failed: {}", id, err.toString());
        services.report(id, State.FAILED, err);
        failure.tryComplete(err);
        onFailure();
    }

    /** Completes with the error once the task reported FAILED; any thread may listen. */
    public final Future<Throwable> failure() {
        return failure.future();
    }

    /** Makes the task's plugin loader the thread's context class loader until closed. */
    protected final LoaderSwap swap() {
        return services.plugins().swap(taskClass);
    }
}
