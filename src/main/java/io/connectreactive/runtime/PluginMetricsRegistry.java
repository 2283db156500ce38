package io.connectreactive.runtime;

import io.connectreactive.model.TaskId;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;

/**
 * The metrics plugins register themselves (KIP-877): one {@link PluginMetrics} per connector and
 * per task, however often the plugin asks for it, tagged like Kafka Connect's; released when the
 * connector or task stops, so a restarted plugin can register the same metrics again. Thread-safe.
 */
public final class PluginMetricsRegistry implements AutoCloseable {

    private final Metrics metrics = new Metrics();
    private final Map<Map<String, String>, PluginMetricsImpl> open = new ConcurrentHashMap<>();

    public PluginMetrics forTask(TaskId task) {
        return open.computeIfAbsent(tags(task), t -> new PluginMetricsImpl(metrics, t));
    }

    public PluginMetrics forConnector(String connector) {
        return open.computeIfAbsent(tags(connector), t -> new PluginMetricsImpl(metrics, t));
    }

    /** Removes what the task's plugin registered. */
    public void release(TaskId task) {
        close(open.remove(tags(task)));
    }

    /** Removes what the connector plugin registered. */
    public void release(String connector) {
        close(open.remove(tags(connector)));
    }

    @Override
    public void close() {
        open.values().forEach(PluginMetricsRegistry::close);
        open.clear();
        metrics.close();
    }

    private static Map<String, String> tags(String connector) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("connector", connector);
        return tags;
    }

    private static Map<String, String> tags(TaskId task) {
        Map<String, String> tags = tags(task.connector());
        tags.put("task", String.valueOf(task.task()));
        return tags;
    }

    private static void close(PluginMetricsImpl m) {
        if (m != null) {
            try {
                m.close();
            } catch (IOException e) {
                // PluginMetricsImpl.close only removes metrics from the registry
            }
        }
    }
}
