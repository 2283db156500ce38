package io.connectreactive.bench.plugin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * The busy-sinks scenario's test connector: {@code tasks.max} classic sink tasks (see {@link LatencySinkTask})
 * that measure, for every record, the time from its Kafka timestamp (when the harness sent it) to the
 * {@code put()} that received it. Like {@link FixedRateSourceConnector} it uses only connect-api and is
 * loaded from plugin.path by both runtimes.
 *
 * <p>Config: {@code topics}, {@code latency.dir} (where each task writes its counts when it stops), {@code tasks.max}.
 */
public final class LatencySinkConnector extends SinkConnector {

    static final String DIR = "latency.dir";
    static final String TASK_ID = "task.id";

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(DIR, ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "directory each task writes its latency counts to");

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        this.props = new HashMap<>(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return LatencySinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> c = new HashMap<>(props);
            c.put(TASK_ID, String.valueOf(i));
            configs.add(c);
        }
        return configs;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return CONFIG;
    }

    @Override
    public String version() {
        return "1.0";
    }
}
