package io.connectreactive.bench.plugin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * The busy-tasks scenario's test connector (issue 9): {@code tasks.max} classic source tasks, each
 * emitting {@code rate} records per second on a fixed schedule (see {@link FixedRateSourceTask}).
 * It uses only connect-api, is packaged by the harness into its own plugin jar and loaded from
 * plugin.path by both runtimes, so both run the same classes.
 *
 * <p>Config: {@code topic}, {@code rate} (records/s per task, default 100), {@code tasks.max}.
 */
public final class FixedRateSourceConnector extends SourceConnector {

    static final String TOPIC = "topic";
    static final String RATE = "rate";
    static final String TASK_ID = "task.id";

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(TOPIC, ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "topic to write to")
            .define(RATE, ConfigDef.Type.DOUBLE, 100.0, ConfigDef.Importance.HIGH, "records per second per task");

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        this.props = new HashMap<>(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return FixedRateSourceTask.class;
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
