package io.connectreactive.runtime;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import io.connectreactive.config.ConfigProviders;
import io.connectreactive.metrics.ConnectMetrics;
import io.connectreactive.model.State;
import io.connectreactive.model.TaskId;
import io.connectreactive.config.WorkerConfig;
import io.connectreactive.kafka.ClientConfigs;
import io.connectreactive.kafka.SharedProducer;
import io.connectreactive.plugin.PluginRegistry;
import io.connectreactive.runtime.exec.PluginExecutor;
import io.connectreactive.runtime.exec.ThreadKind;
import io.connectreactive.storage.OffsetStore;
import io.connectreactive.runtime.sink.SinkConsumers;
import io.connectreactive.storage.StatusStore;
import io.vertx.core.Future;
import org.apache.kafka.clients.admin.Admin;

/**
 * What the worker shares with every connector and task it runs.
 *
 * @param config the worker configuration (bootstrap.servers always set)
 * @param plugins connector and converter classes
 * @param offsets source offsets
 * @param statuses where connectors and tasks report their state
 * @param producer the producer all source tasks share
 * @param workerId this worker's advertised host:port
 * @param pluginMetrics the metrics plugins register themselves (KIP-877)
 * @param configProviders resolve {@code ${provider:path:key}} placeholders before plugins see a config
 * @param admin the worker's Kafka admin client (topic creation, consumer group offsets)
 * @param pluginCalls the named threads for plugin calls that belong to no task or connector thread
 * @param metrics the worker's metrics (Micrometer), of which each task takes its {@code TaskMetrics}
 * @param sinkConsumers where sink tasks get their consumers ({@code runtime.sink.consumers})
 */
public record TaskServices(WorkerConfig config, PluginRegistry plugins, OffsetStore offsets, StatusStore statuses,
                           SharedProducer producer, String workerId, PluginMetricsRegistry pluginMetrics,
                           ConfigProviders configProviders,
                           Admin admin, PluginExecutor pluginCalls,
                           ConnectMetrics metrics, SinkConsumers sinkConsumers) {

    /**
     * What a task calls with each topic it produces to or consumes from (KIP-558 active topics):
     * records the topic in the connector's live set unless it is there already (one lock-free
     * lookup per call), or does nothing when {@code topic.tracking.enable} is false. Thread-safe.
     */
    public Consumer<String> activeTopicRecorder(String connector) {
        if (!config.getBoolean(WorkerConfig.TOPIC_TRACKING_ENABLE)) {
            return topic -> { };
        }
        Set<String> topics = statuses.activeTopics(connector);
        return topic -> {
            if (!topics.contains(topic)) {
                topics.add(topic);
            }
        };
    }

    /**
     * A task's connector and task configs with config-provider placeholders resolved. Providers may
     * read files or call out, so this runs on a plugin thread; the result comes back on the caller's context.
     */
    public Future<ResolvedConfigs> resolve(Map<String, String> connectorConfig,
                                                          Map<String, String> taskConfig) {
        return pluginCalls.call(() -> new ResolvedConfigs(configProviders.resolve(connectorConfig),
                configProviders.resolve(taskConfig)));
    }

    /** Configs as plugins see them: placeholders resolved. */
    public record ResolvedConfigs(Map<String, String> connector, Map<String, String> task) {
    }

    /** The settings of the Kafka clients a task or connector creates, its overrides checked against the worker's policy. */
    public ClientConfigs clients() {
        return new ClientConfigs(config);
    }

    /** The kind of thread a classic task or a connector gets ({@code runtime.task.threads}). */
    public ThreadKind threadKind() {
        return ThreadKind.of(config.getString(WorkerConfig.TASK_THREADS));
    }

    /** Reports a task's state. */
    public void report(TaskId task, State state, Throwable error) {
        statuses.putTask(task, new StatusStore.Status(state, error == null ? null : trace(error), workerId));
    }

    /** Reports a connector's state. */
    public void report(String connector, State state, Throwable error) {
        statuses.putConnector(connector, new StatusStore.Status(state, error == null ? null : trace(error), workerId));
    }

    private static String trace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
