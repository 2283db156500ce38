package io.connectreactive.connectors.postgres;

import java.util.Map;

import io.connectreactive.connectors.NativeSinkConnector;

import org.apache.kafka.connect.connector.Task;
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
public class PostgresSinkConnector extends NativeSinkConnector {

    private static final Logger log = LoggerFactory.getLogger(PostgresSinkConnector.class);

    static final String VERSION = "0.1.0";

    public PostgresSinkConnector() {
        super(PostgresSinkConfig.CONFIG_DEF, PostgresSinkConfig::crossCheck);
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    protected void starting(Map<String, String> props) {
        PostgresSinkConfig config = new PostgresSinkConfig(props);
        log.info("Starting PostgreSQL sink connector {} writing to {} ({})", props.get("name"), config.url.describe(),
                config.insertMode.name().toLowerCase());
    }

    @Override
    public Class<? extends Task> taskClass() {
        return PostgresSinkTask.class;
    }
}
