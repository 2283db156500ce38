package io.connectreactive.runtime;

import io.connectreactive.model.TargetState;
import io.connectreactive.model.State;
import io.connectreactive.model.TaskId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.plugin.LoaderSwap;
import io.connectreactive.plugin.PluginRegistry;
import io.connectreactive.runtime.exec.TaskThread;
import io.connectreactive.runtime.sink.SinkTaskVerticle;
import io.connectreactive.runtime.source.SourceTaskVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.connector.ConnectorContext;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs connectors and deploys their tasks as verticles; it decides nothing (the herder does). A
 * connector's own calls ({@code start}, {@code taskConfigs}, {@code stop}) may block, so they run on
 * the connector's own thread, under the plugin's class loader. Connectors and tasks that do not stop
 * in time are abandoned rather than waited for. Every method is called on the herder's context.
 */
public final class Worker {

    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    /** Kafka Connect's key for the task class inside a task config. */
    public static final String TASK_CLASS = "task.class";
    /** Kafka Connect's key for the connector's version (KIP-891): a version or a range; the newest when absent. */
    public static final String CONNECTOR_PLUGIN_VERSION = "connector.plugin.version";

    private final Vertx vertx;
    private final TaskServices services;
    private final Map<String, RunningConnector> connectors = new HashMap<>();
    /** Connectors whose start() is under way, with their threads. */
    private final Map<String, TaskThread> starting = new HashMap<>();
    private final Map<String, String> connectorTypes = new HashMap<>();
    private final Map<TaskId, RunningTask> tasks = new LinkedHashMap<>();

    public Worker(Vertx vertx, TaskServices services) {
        this.vertx = vertx;
        this.services = services;
        services.metrics().workerCounts(connectors::size, tasks::size);
    }

    /** Told of every task that ends FAILED (in start or later); the herder's automatic restarts. */
    private volatile Consumer<TaskId> taskFailed = id -> { };

    /** Sets who is told when a task fails (once, by the herder). */
    public void onTaskFailed(Consumer<TaskId> listener) {
        this.taskFailed = listener;
    }

    public TaskServices services() {
        return services;
    }

    /**
     * Creates and starts a connector on a thread of its own ({@code cr-connector-<name>}), where all its
     * calls run ({@code start}, {@code taskConfigs}, {@code stop}, and its constructor, static
     * initialiser and {@code version}): a connector that blocks holds up nobody else. Reports RUNNING
     * (or PAUSED), or FAILED and fails the future.
     */
    public Future<Void> startConnector(String name, Map<String, String> config, TargetState target, ConnectorContext ctx) {
        if (connectors.containsKey(name) || starting.containsKey(name)) {
            LOG.warn("Connector {} is already running; not started again", name);
            return Future.failedFuture(new ConnectException("Connector " + name + " is already running"));
        }
        TaskThread thread = new TaskThread("cr-connector-" + name, null, "[" + name + "|worker] ", services.threadKind());
        starting.put(name, thread);
        services.metrics().connectorStarting(name);
        return thread.call(vertx.getOrCreateContext(), () -> {
            Class<? extends Connector> type = services.plugins().connectorClass(config.get("connector.class"),
                    config.get(CONNECTOR_PLUGIN_VERSION));
            try (LoaderSwap s = services.plugins().swap(type)) {
                Connector connector = PluginRegistry.newInstance(type);
                connector.initialize(ctx);
                connector.start(services.configProviders().resolve(config));
                return new RunningConnector(connector, config, PluginRegistry.reportedVersion(connector::version), thread);
            }
        }).<Void>compose(running -> {
            if (!starting.remove(name, thread)) {
                // the worker stopped (and gave up on this start) while the connector was starting
                return stopOnThread(name, running).compose(v -> Future.failedFuture(
                        new ConnectException("Connector " + name + " was stopped while it started")));
            }
            Connector connector = running.connector();
            // in the returned chain, not a side listener: whoever composes on the result sees it running
            connectors.put(name, running);
            services.report(name, target == TargetState.PAUSED ? State.PAUSED : State.RUNNING, null);
            LOG.info("Connector {} started ({})", name, connector.getClass().getName());
            services.metrics().connectorStarted(name, PluginRegistry.typeOf(connector.getClass()), connector.getClass().getName(), running.version());
            return Future.succeededFuture();
        }).onFailure(err -> {
            if (starting.remove(name, thread)) {
                thread.shutdown();
            }
            LOG.error("Connector {} failed to start: {}", name, err.toString());
            services.metrics().connectorFailedToStart(name);
            services.report(name, State.FAILED, err);
        });
    }

    /** The running connector's {@code version()}, or null when it is not running. */
    public String connectorVersion(String name) {
        RunningConnector running = connectors.get(name);
        return running == null ? null : running.version();
    }

    /** The deployed task's {@code version()}, or null when it is not deployed (or not yet instantiated). */
    public String taskVersion(TaskId id) {
        RunningTask running = tasks.get(id);
        return running == null || running.verticle == null ? null : running.verticle.version();
    }

    public boolean isRunning(String name) {
        return connectors.containsKey(name);
    }

    /**
     * The connector's task configs, each with {@code task.class} added (as Kafka Connect does), and
     * with values that came from config providers put back as their placeholders.
     */
    public Future<List<Map<String, String>>> taskConfigs(String name, int maxTasks) {
        RunningConnector running = connectors.get(name);
        if (running == null) {
            return Future.failedFuture(new ConnectException("Connector " + name + " is not running"));
        }
        Connector connector = running.connector();
        return running.thread().call(vertx.getOrCreateContext(), () -> {
            Class<? extends Task> taskClass;
            List<Map<String, String>> configs;
            try (LoaderSwap s = services.plugins().swap(connector.getClass())) {
                taskClass = connector.taskClass();
                configs = connector.taskConfigs(maxTasks);
            }
            List<Map<String, String>> out = new ArrayList<>();
            for (Map<String, String> c : configs == null ? List.<Map<String, String>>of() : configs) {
                Map<String, String> withClass = new HashMap<>(c);
                withClass.put(TASK_CLASS, taskClass.getName());
                out.add(withClass);
            }
            return services.configProviders().unresolve(running.rawConfig(), out);
        });
    }

    /**
     * Stops a running connector (not its tasks) on its thread. A connector that has not stopped within
     * {@link #stopDeadlineMs()} is abandoned: its thread is left to finish, and the worker goes on.
     */
    public Future<Void> stopConnector(String name) {
        TaskThread pending = starting.remove(name);
        if (pending != null) {
            // still in start(): the start completes on its own and then stops the connector (see startConnector)
            LOG.warn("Connector {} was stopped while it was still starting", name);
            return Future.succeededFuture();
        }
        RunningConnector running = connectors.remove(name);
        if (running == null) {
            return Future.succeededFuture();
        }
        return stopOnThread(name, running);
    }

    private Future<Void> stopOnThread(String name, RunningConnector running) {
        Connector connector = running.connector();
        long deadline = stopDeadlineMs();
        return running.thread().<Void>call(vertx.getOrCreateContext(), () -> {
            try (LoaderSwap s = services.plugins().swap(connector.getClass())) {
                connector.stop();
            }
            return null;
        }).timeout(deadline, TimeUnit.MILLISECONDS).onComplete(ar -> {
            running.thread().shutdown();
            services.pluginMetrics().release(name);
            services.metrics().connectorStopped(name);
            if (ar.failed() && ar.cause() instanceof TimeoutException) {
                LOG.warn("Connector {} did not stop within {} ms; abandoned (its thread {} is left to finish)",
                        name, deadline, "cr-connector-" + name);
            } else if (ar.failed()) {
                LOG.warn("Connector {} failed to stop cleanly: {}", name, ar.cause().toString());
            } else {
                LOG.info("Connector {} stopped", name);
            }
        }).recover(err -> Future.succeededFuture());
    }

    /**
     * How long a task or connector may take to stop before the worker abandons it: the time to drain
     * ({@code task.shutdown.graceful.timeout.ms}) plus the time to store offsets once more
     * ({@code offset.flush.timeout.ms}).
     */
    public long stopDeadlineMs() {
        return TaskLifecycleVerticle.stopDeadlineMs(services.config());
    }

    /**
     * Deploys a task verticle; the task reports its own state. The task class is loaded (its static
     * initialiser may block) on a plugin thread, not on the caller's event loop. The future
     * completes once the task is deployed, without waiting for the task's own {@code start()}.
     */
    public Future<Void> startTask(TaskId id, Map<String, String> connectorConfig, Map<String, String> taskConfig, TargetState target) {
        if (tasks.containsKey(id)) {
            return Future.failedFuture(new ConnectException("Task " + id + " is already running"));
        }
        boolean paused = target == TargetState.PAUSED;
        services.report(id, State.UNASSIGNED, null);
        RunningTask running = new RunningTask();
        tasks.put(id, running);
        Future<Class<?>> loaded = services.pluginCalls().call(() -> {
            ClassLoader loader = services.plugins().loaderFor(services.plugins().connectorClass(connectorConfig.get("connector.class"),
                    connectorConfig.get(CONNECTOR_PLUGIN_VERSION)));
            try (LoaderSwap s = LoaderSwap.to(loader)) {
                return Class.forName(taskConfig.get(TASK_CLASS), true, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                throw new ConnectException("Could not load task class " + taskConfig.get(TASK_CLASS) + ": " + e, e);
            }
        });
        Promise<Void> created = Promise.promise();
        running.deployment = loaded.compose(taskClass -> {
            if (tasks.get(id) != running) {
                return Future.failedFuture(new ConnectException("Task " + id + " was stopped before it started"));
            }
            if (SourceTask.class.isAssignableFrom(taskClass)) {
                running.verticle = new SourceTaskVerticle(services, id, taskClass.asSubclass(SourceTask.class), connectorConfig, taskConfig, paused);
            } else if (SinkTask.class.isAssignableFrom(taskClass)) {
                running.verticle = new SinkTaskVerticle(services, id, taskClass.asSubclass(SinkTask.class), connectorConfig, taskConfig, paused);
            } else {
                return Future.failedFuture(new ConnectException("Task class " + taskClass.getName() + " is neither a SourceTask nor a SinkTask"));
            }
            created.complete();
            running.verticle.failure().onSuccess(err -> taskFailed.accept(id));
            // the task reports its own state; nobody waits for its start(), which may hang
            return vertx.deployVerticle((Deployable) running.verticle);
        });
        running.deployment.onFailure(created::tryFail);
        return created.future().onFailure(e -> {
            tasks.remove(id, running);
            LOG.error("Task {} failed to start: {}", id, e.toString());
            services.report(id, State.FAILED, e);
            taskFailed.accept(id);
        });
    }

    /** As {@link #stopTask(TaskId)}, abandoning the task after {@code deadlineMs} if that is sooner (a fenced worker's stop). */
    public Future<Void> stopTask(TaskId id, long deadlineMs) {
        RunningTask running = tasks.get(id);
        if (running != null && running.verticle != null) {
            running.verticle.stopWithin(deadlineMs);
        }
        return stopTask(id);
    }

    /**
     * Undeploys a task: it drains records in flight and stores its offsets first. A task that has not
     * stopped within {@link #stopDeadlineMs()} (hung in {@code start}, {@code poll}, {@code put} or
     * {@code stop}) abandons itself (see {@link TaskLifecycleVerticle}), and the worker goes on.
     */
    public Future<Void> stopTask(TaskId id) {
        RunningTask running = tasks.remove(id);
        if (running == null) {
            return Future.succeededFuture();
        }
        // the verticle's stop is bounded by the deadline itself; this bounds a task whose class never finished loading
        long deadline = stopDeadlineMs() + 1_000;
        return running.deployment
                .compose(vertx::undeploy)
                .timeout(deadline, TimeUnit.MILLISECONDS)
                .recover(err -> {
                    LOG.warn("Task {} did not stop cleanly: {}", id, err.toString());
                    return Future.succeededFuture();
                });
    }

    /** Stops every running task of {@code connector}. */
    public Future<Void> stopTasks(String connector) {
        List<Future<Void>> stops = new ArrayList<>();
        for (TaskId id : new ArrayList<>(tasks.keySet())) {
            if (id.connector().equals(connector)) {
                stops.add(stopTask(id));
            }
        }
        return Future.join(stops).mapEmpty();
    }

    public List<TaskId> runningTasks(String connector) {
        return tasks.keySet().stream().filter(id -> id.connector().equals(connector)).toList();
    }

    /** Pauses or resumes a running connector's tasks and reports the connector's state. */
    public void setTargetState(String connector, TargetState target) {
        if (connectors.containsKey(connector)) {
            services.report(connector, target == TargetState.PAUSED ? State.PAUSED : State.RUNNING, null);
        }
        tasks.forEach((id, running) -> {
            if (id.connector().equals(connector)) {
                // a task still being deployed takes the change once it is (changes apply in the order they came)
                running.deployment.onSuccess(deploymentId -> {
                    if (target == TargetState.PAUSED) {
                        running.verticle.pauseTask();
                    } else {
                        running.verticle.resumeTask();
                    }
                });
            }
        });
    }

    /** Stops every task, then every connector (each within {@link #stopDeadlineMs()}). */
    public Future<Void> stop() {
        for (String name : new ArrayList<>(starting.keySet())) {
            stopConnector(name);
        }
        List<Future<Void>> stops = new ArrayList<>();
        for (TaskId id : new ArrayList<>(tasks.keySet())) {
            stops.add(stopTask(id));
        }
        return Future.join(stops).transform(ar -> {
            List<Future<Void>> cs = new ArrayList<>();
            for (String name : new ArrayList<>(connectors.keySet())) {
                cs.add(stopConnector(name));
            }
            return Future.join(cs).mapEmpty();
        });
    }

    /** "source", "sink" or "unknown" for a connector class name. */
    public String connectorType(String connectorClass) {
        // remembered: a name no plugin provides would otherwise search the class path on every status call
        return connectorTypes.computeIfAbsent(connectorClass == null ? "" : connectorClass, name -> {
            try {
                return PluginRegistry.typeOf(services.plugins().connectorClass(name));
            } catch (RuntimeException e) {
                return "unknown";
            }
        });
    }

    private record RunningConnector(Connector connector, Map<String, String> rawConfig, String version, TaskThread thread) {
    }

    /** A task from the moment its start was asked for; the verticle exists once its class is loaded. Herder's context only. */
    private static final class RunningTask {
        private TaskLifecycleVerticle<?, ?> verticle;
        private Future<String> deployment;
    }
}
