package io.connectreactive.connectors.postgres;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sink connector that writes records (struct values with a schema) to PostgreSQL tables: insert or
 * upsert by a primary key from the record's key or value, deletes for tombstones, tables created
 * and evolved from the records' schemas; each batch in one transaction. Configuration:
 * {@link PostgresSinkConfig}, with the key names of Confluent's JDBC sink; {@code topics} or
 * {@code topics.regex} are handled by the runtime. Its tasks are native reactive
 * {@link PostgresSinkTask}s on Vert.x's PostgreSQL client; alias {@code PostgresSink}.
 *
 * <p>{@code tasks.max} tasks, each with the same configuration: the consumer group shares the
 * partitions among them.
 *
 * <p>Like every connector, called by the runtime on the connector's own thread; it does no I/O.
 */
public class PostgresSinkConnector extends SinkConnector {

    private static final Logger log = LoggerFactory.getLogger(PostgresSinkConnector.class);

    static final String VERSION = "0.1.0";

    private Map<String, String> props;

    @Override
    public String version() {
        return VERSION;
    }

    /** Validates the configuration (a {@code ConfigException} if it is invalid) and keeps it. */
    @Override
    public void start(Map<String, String> props) {
        PostgresSinkConfig config = new PostgresSinkConfig(props);
        this.props = new HashMap<>(props);
        log.info("Starting PostgreSQL sink connector {} writing to {} ({})", props.get("name"), config.url.describe(),
                config.insertMode.name().toLowerCase());
    }

    @Override
    public Class<? extends Task> taskClass() {
        return PostgresSinkTask.class;
    }

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
        return new ConfigDef(PostgresSinkConfig.CONFIG_DEF);
    }

    /** Each key's own validator, then the checks across keys (delete.enabled needs pk.mode=record_key, upsert a key). */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        Map<String, ConfigValue> byName = new HashMap<>();
        config.configValues().forEach(v -> byName.put(v.name(), v));
        PostgresSinkConfig.crossCheck(byName);
        return config;
    }

    /** Consumer offsets may be altered freely: the connector keeps no offsets of its own. */
    @Override
    public boolean alterOffsets(Map<String, String> connectorConfig, Map<TopicPartition, Long> offsets) {
        return true;
    }
}
