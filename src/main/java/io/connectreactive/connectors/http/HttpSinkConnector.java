package io.connectreactive.connectors.http;

import java.util.Map;

import io.connectreactive.connectors.NativeSinkConnector;

import org.apache.kafka.connect.connector.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sink connector that sends records to an HTTP endpoint: one request per record (its value as the
 * body), or per batch of one partition's records as a JSON array; with retries, per-partition
 * order, TLS and basic or bearer authentication. Configuration: {@link HttpSinkConfig} (the keys
 * {@code http.*}); {@code topics} or {@code topics.regex} are handled by the runtime. Its tasks are
 * native reactive {@link HttpSinkTask}s; alias {@code HttpSink}.
 *
 * <p>{@code tasks.max} tasks, each with the same configuration: the consumer group shares the
 * partitions among them.
 *
 * <p>Like every connector, called by the runtime on the connector's own thread; it does no I/O.
 */
public class HttpSinkConnector extends NativeSinkConnector {

    private static final Logger log = LoggerFactory.getLogger(HttpSinkConnector.class);

    static final String VERSION = "0.1.0";

    public HttpSinkConnector() {
        super(HttpSinkConfig.CONFIG_DEF, HttpSinkConfig::crossCheck);
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    protected void starting(Map<String, String> props) {
        HttpSinkConfig config = new HttpSinkConfig(props);
        log.info("Starting HTTP sink connector {} sending {} requests to {}", props.get("name"), config.method, config.url);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return HttpSinkTask.class;
    }
}
