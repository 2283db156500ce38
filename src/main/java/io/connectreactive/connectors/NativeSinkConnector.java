package io.connectreactive.connectors;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * What the built-in native sink connectors share: {@code tasks.max} tasks, each with the
 * connector's configuration (the consumer group shares the partitions among them), no work in the
 * background, validation by the configuration's keys and then its checks across keys, and consumer
 * offsets that may be altered freely (the connector keeps none of its own). A subclass gives its
 * keys, its checks, and what {@link #starting} checks and logs.
 *
 * <p>Like every connector, called by the runtime on the connector's own thread; it does no I/O.
 */
public abstract class NativeSinkConnector extends SinkConnector {

    private final ConfigDef keys;
    private final Consumer<Map<String, ConfigValue>> crossCheck;
    private Map<String, String> props;

    /**
     * @param keys the connector's configuration keys
     * @param crossCheck adds errors to the validated values (by key name) that their own validators cannot see
     */
    protected NativeSinkConnector(ConfigDef keys, Consumer<Map<String, ConfigValue>> crossCheck) {
        this.keys = keys;
        this.crossCheck = crossCheck;
    }

    /** Validates the configuration (a {@code ConfigException} if it is invalid), logs the start and keeps it. */
    @Override
    public final void start(Map<String, String> props) {
        starting(props);
        this.props = new HashMap<>(props);
    }

    /** Parses {@code props}, throwing a {@code ConfigException} if they are invalid, and logs the connector's start. */
    protected abstract void starting(Map<String, String> props);

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        if (props == null) {
            throw new IllegalStateException("the connector has not been started");
        }
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            configs.add(new HashMap<>(props));
        }
        return configs;
    }

    @Override
    public void stop() {
        // nothing runs in the background
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef(keys);
    }

    /** Each key's own validator, then the checks across keys. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        Map<String, ConfigValue> byName = new HashMap<>();
        config.configValues().forEach(v -> byName.put(v.name(), v));
        crossCheck.accept(byName);
        return config;
    }

    /** Consumer offsets may be altered freely: the connector keeps no offsets of its own. */
    @Override
    public boolean alterOffsets(Map<String, String> connectorConfig, Map<TopicPartition, Long> offsets) {
        return true;
    }
}
