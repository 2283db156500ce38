package io.connectreactive.connectors.file;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sink connector that appends each record's value as a line to a file, or writes it to standard
 * output: the built-in counterpart of Apache Kafka's
 * {@code org.apache.kafka.connect.file.FileStreamSinkConnector}, with the same configuration.
 *
 * <p>Configuration: {@code file} (absent or empty: standard output); {@code topics} or
 * {@code topics.regex} are handled by the runtime. Its task is a native reactive
 * {@link FileStreamSinkTask}.
 *
 * <p>Unlike Kafka's connector, which starts {@code tasks.max} tasks all appending to the same file,
 * this one always starts exactly one: Vert.x's {@code AsyncFile} appends by writing at positions it
 * counts from the file's size when opened, so two tasks appending to one file would overwrite each
 * other's lines.
 *
 * <p>Like every connector, called by the runtime on the connector's own thread or context; it does
 * no I/O.
 */
public class FileStreamSinkConnector extends SinkConnector {

    private static final Logger log = LoggerFactory.getLogger(FileStreamSinkConnector.class);

    public static final String FILE_CONFIG = "file";

    static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(FILE_CONFIG, Type.STRING, null, Importance.HIGH,
                    "Destination filename. If not specified, the standard output will be used");

    private Map<String, String> props;

    @Override
    public String version() {
        return FileStreamSourceConnector.VERSION;
    }

    /** Validates the configuration (a {@code ConfigException} if it is invalid) and keeps it. */
    @Override
    public void start(Map<String, String> props) {
        String filename = (String) CONFIG_DEF.parse(props).get(FILE_CONFIG);
        this.props = new HashMap<>(props);
        log.info("Starting file sink connector writing to {}",
                filename == null || filename.isEmpty() ? "standard output" : filename);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return FileStreamSinkTask.class;
    }

    /** One task whatever {@code maxTasks} is: one file has one writer (see the class comment). */
    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        if (props == null) {
            throw new IllegalStateException("the connector has not been started");
        }
        List<Map<String, String>> configs = new ArrayList<>(1);
        configs.add(new HashMap<>(props));
        return configs;
    }

    @Override
    public void stop() {
        // nothing runs in the background
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef(CONFIG_DEF);
    }

    /** Consumer offsets may be altered freely: the connector keeps no offsets of its own. */
    @Override
    public boolean alterOffsets(Map<String, String> connectorConfig, Map<TopicPartition, Long> offsets) {
        return true;
    }
}
