package io.connectreactive.connectors.http;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Source connector that turns HTTP into records of {@code topic}: webhooks (an HTTP server whose
 * POSTed bodies become records, each answered 200 only once Kafka acknowledged it) or polling (a GET
 * of {@code http.url} at an interval, conditional on ETag and Last-Modified, its position the
 * source offset). Configuration: {@link HttpSourceConfig}; its task is a native reactive
 * {@link HttpSourceTask}; alias {@code HttpSource}.
 *
 * <p>One task: one port, or one URL. {@code tasks.max} above 1 is refused by validation.
 *
 * <p>Like every connector, called by the runtime on the connector's own thread; it does no I/O.
 */
public class HttpSourceConnector extends SourceConnector {

    private static final Logger log = LoggerFactory.getLogger(HttpSourceConnector.class);

    static final String VERSION = HttpSinkConnector.VERSION;

    private Map<String, String> props;

    @Override
    public String version() {
        return VERSION;
    }

    /** Validates the configuration (a {@code ConfigException} if it is invalid) and keeps it. */
    @Override
    public void start(Map<String, String> props) {
        HttpSourceConfig config = new HttpSourceConfig(props);
        this.props = new HashMap<>(props);
        log.info("Starting HTTP source connector {} ({} mode) for topic {}", props.get("name"),
                config.mode.name().toLowerCase(Locale.ROOT), config.topic);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return HttpSourceTask.class;
    }

    /** One task, whatever {@code maxTasks} (validation refuses more than one). */
    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        if (props == null) {
            throw new IllegalStateException("the connector has not been started");
        }
        return List.of(new HashMap<>(props));
    }

    @Override
    public void stop() {
        // nothing runs in the background
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef(HttpSourceConfig.CONFIG_DEF);
    }

    /** Each key's own validator, then the checks across keys (mode, one task, authentication). */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        Map<String, ConfigValue> byName = new HashMap<>();
        config.configValues().forEach(v -> byName.put(v.name(), v));
        HttpSourceConfig.crossCheck(byName, connectorConfigs.get(HttpSourceConfig.TASKS_MAX));
        return config;
    }

    /** Webhooks have no offsets to replay; a poll's position is stored after Kafka acknowledged it: at least once. */
    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
        return ExactlyOnceSupport.UNSUPPORTED;
    }
}
