package io.connectreactive.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.plugin.LoaderSwap;
import io.connectreactive.plugin.PluginRegistry;
import io.connectreactive.runtime.sink.SinkTaskVerticle;
import io.connectreactive.runtime.source.SourceTaskVerticle;
import io.vertx.core.Future;
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
 * Vert.x's worker pool, under the plugin's class loader. Every method is called on the herder's context.
 */
public final class Worker {

    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    /** Kafka Connect's key for the task class inside a task config. */
    public static final String TASK_CLASS = "task.class";

    private final Vertx vertx;
    private final TaskServices services;
    private final Map<String, RunningConnector> connectors = new HashMap<>();
    private final Map<String, String> connectorTypes = new HashMap<>();
    private final Map<TaskId, RunningTask> tasks = new LinkedHashMap<>();

    public Worker(Vertx vertx, TaskServices services) {
        this.vertx = vertx;
        this.services = services;
    }

    public TaskServices services() {
        return services;
    }

    /** Creates and starts a connector; reports RUNNING (or PAUSED), or FAILED and fails the future. */
    public Future<Void> startConnector(String name, Map<String, String> config, TargetState target, ConnectorContext ctx) {
        if (connectors.containsKey(name)) {
            LOG.warn("Connector {} is already running; not started again", name);
            return Future.failedFuture(new ConnectException("Connector " + name + " is already running"));
        }
        return vertx.<RunningConnector>executeBlocking(() -> {
            Class<? extends Connector> type = services.plugins().connectorClass(config.get("connector.class"));
            try (LoaderSwap s = services.plugins().swap(type)) {
                Connector connector = PluginRegistry.newInstance(type);
                connector.initialize(ctx);
                connector.start(services.configProviders().resolve(config));
                return new RunningConnector(connector, config, versionOf(connector::version));
            }
        }, false).<Void>map(running -> {
            Connector connector = running.connector();
            // in the returned chain, not a side listener: whoever composes on the result sees it running
            connectors.put(name, running);
            services.report(name, target == TargetState.PAUSED ? State.PAUSED : State.RUNNING, null);
            LOG.info("Connector {} started ({})", name, connector.getClass().getName());
            return null;
        }).onFailure(err -> {
            LOG.error("Connector {} failed to start: {}", name, err.toString());
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
        return running == null ? null : running.verticle().version();
    }

    /** A plugin's version, or null when it throws or does not tell (Kafka Connect's "undefined"). */
    public static String versionOf(java.util.function.Supplier<String> version) {
        try {
            String v = version.get();
            return v == null || v.isBlank() || "undefined".equals(v) ? null : v;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
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
        return vertx.executeBlocking(() -> {
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
        }, false);
    }

    /** Stops a running connector (not its tasks). */
    public Future<Void> stopConnector(String name) {
        RunningConnector running = connectors.remove(name);
        if (running == null) {
            return Future.succeededFuture();
        }
        Connector connector = running.connector();
        return vertx.<Void>executeBlocking(() -> {
            try (LoaderSwap s = services.plugins().swap(connector.getClass())) {
                connector.stop();
            }
            return null;
        }, false).onComplete(ar -> {
            services.pluginMetrics().release(name);
            if (ar.failed()) {
                LOG.warn("Connector {} failed to stop cleanly: {}", name, ar.cause().toString());
            } else {
                LOG.info("Connector {} stopped", name);
            }
        }).recover(err -> Future.succeededFuture());
    }

    /** Deploys a task verticle; the task reports its own state. */
    public Future<Void> startTask(TaskId id, Map<String, String> connectorConfig, Map<String, String> taskConfig, TargetState target) {
        if (tasks.containsKey(id)) {
            return Future.failedFuture(new ConnectException("Task " + id + " is already running"));
        }
        boolean paused = target == TargetState.PAUSED;
        services.report(id, State.UNASSIGNED, null);
        try {
            ClassLoader loader = services.plugins().loaderFor(services.plugins().connectorClass(connectorConfig.get("connector.class")));
            Class<?> taskClass;
            try (LoaderSwap s = LoaderSwap.to(loader)) {
                taskClass = Class.forName(taskConfig.get(TASK_CLASS), true, loader);
            }
            TaskVerticle verticle;
            if (SourceTask.class.isAssignableFrom(taskClass)) {
                verticle = new SourceTaskVerticle(services, id, taskClass.asSubclass(SourceTask.class), connectorConfig, taskConfig, paused);
            } else if (SinkTask.class.isAssignableFrom(taskClass)) {
                verticle = new SinkTaskVerticle(services, id, taskClass.asSubclass(SinkTask.class), connectorConfig, taskConfig, paused);
            } else {
                throw new ConnectException("Task class " + taskClass.getName() + " is neither a SourceTask nor a SinkTask");
            }
            RunningTask running = new RunningTask(verticle, vertx.deployVerticle((io.vertx.core.Deployable) verticle));
            tasks.put(id, running);
            return running.deployment().mapEmpty();
        } catch (ClassNotFoundException | RuntimeException e) {
            LOG.error("Task {} failed to start: {}", id, e.toString());
            services.report(id, State.FAILED, e);
            return Future.failedFuture(e);
        }
    }

    /** Undeploys a task: it drains records in flight and stores its offsets first. */
    public Future<Void> stopTask(TaskId id) {
        RunningTask running = tasks.remove(id);
        if (running == null) {
            return Future.succeededFuture();
        }
        return running.deployment()
                .compose(vertx::undeploy)
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
                if (target == TargetState.PAUSED) {
                    running.verticle().pauseTask();
                } else {
                    running.verticle().resumeTask();
                }
            }
        });
    }

    /** Stops every task, then every connector. */
    public Future<Void> stop() {
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

    private record RunningConnector(Connector connector, Map<String, String> rawConfig, String version) {
    }

    private record RunningTask(TaskVerticle verticle, Future<String> deployment) {
    }
}
