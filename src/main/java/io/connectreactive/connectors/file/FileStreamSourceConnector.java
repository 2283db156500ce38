package io.connectreactive.connectors.file;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Source connector that publishes the lines of a file, or of standard input, to one topic: the
 * built-in counterpart of Apache Kafka's {@code org.apache.kafka.connect.file.FileStreamSourceConnector},
 * with the same configuration keys, source partitions and offsets, so a connector can move between
 * Kafka Connect and connect-reactive and resume where it stopped.
 *
 * <p>Configuration: {@code file} (absent or empty: standard input), {@code topic} (required, a single
 * topic), {@code batch.size} (default 2000: the most records its task emits in one event-loop
 * turn) and {@code max.line.length} (default 1 MiB: longer lines are skipped with a warning; not in
 * Kafka's connector, which has no bound). A file is read by exactly one task, a native reactive {@link FileStreamSourceTask} that
 * tails it.
 *
 * <p>Like every connector, called by the runtime on the connector's own thread or context; it does
 * no I/O.
 */
public class FileStreamSourceConnector extends SourceConnector {

    private static final Logger log = LoggerFactory.getLogger(FileStreamSourceConnector.class);

    public static final String FILE_CONFIG = "file";
    public static final String TOPIC_CONFIG = "topic";
    public static final String TASK_BATCH_SIZE_CONFIG = "batch.size";
    public static final int DEFAULT_TASK_BATCH_SIZE = 2000;
    public static final String MAX_LINE_LENGTH_CONFIG = "max.line.length";
    public static final int DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

    /** Version reported by the file connectors and their tasks. */
    static final String VERSION = "0.1.0";

    static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(FILE_CONFIG, Type.STRING, null, Importance.HIGH,
                    "Source filename. If not specified, the standard input will be used")
            .define(TOPIC_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                    ConfigDef.CompositeValidator.of(new ConfigDef.NonEmptyString(), new SingleTopic()), Importance.HIGH,
                    "The topic to publish data to")
            .define(TASK_BATCH_SIZE_CONFIG, Type.INT, DEFAULT_TASK_BATCH_SIZE, Importance.LOW,
                    "The maximum number of records the source task can read from the file each time it is polled")
            .define(MAX_LINE_LENGTH_CONFIG, Type.INT, DEFAULT_MAX_LINE_LENGTH, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "The longest line, in bytes without its terminator, that the task publishes. A longer line is "
                            + "skipped with a warning naming the file and the line's position, without being held in "
                            + "memory, and reading goes on after it.");

    private Map<String, String> props;

    @Override
    public String version() {
        return VERSION;
    }

    /** Validates the configuration (a {@link ConfigException} if it is invalid) and keeps it. */
    @Override
    public void start(Map<String, String> props) {
        Map<String, Object> parsed = CONFIG_DEF.parse(props);
        this.props = new HashMap<>(props);
        String filename = (String) parsed.get(FILE_CONFIG);
        log.info("Starting file source connector reading from {}",
                filename == null || filename.isEmpty() ? "standard input" : filename);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return FileStreamSourceTask.class;
    }

    /** One task whatever {@code maxTasks} is: a file (or standard input) is read by a single reader. */
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

    /**
     * Checks offsets given through the REST API before they are written: each must be a tombstone or
     * hold a non-negative integral {@code position}, each partition must name a {@code filename}.
     * The task checks the position against the file when it starts.
     */
    @Override
    public boolean alterOffsets(Map<String, String> connectorConfig, Map<Map<String, ?>, Map<String, ?>> offsets) {
        String filename = (String) CONFIG_DEF.parse(connectorConfig).get(FILE_CONFIG);
        if (filename == null || filename.isEmpty()) {
            throw new ConnectException("Offsets cannot be modified if the '" + FILE_CONFIG + "' configuration is unspecified. "
                    + "This is because stdin is used for input and offsets are not tracked.");
        }
        for (Map.Entry<Map<String, ?>, Map<String, ?>> entry : offsets.entrySet()) {
            Map<String, ?> offset = entry.getValue();
            if (offset == null) {
                continue; // tombstones are always allowed, to clean up
            }
            if (!offset.containsKey(FileStreamSourceTask.POSITION_FIELD)) {
                throw new ConnectException("Offset objects should either be null or contain the key '"
                        + FileStreamSourceTask.POSITION_FIELD + "'");
            }
            long position = FileStreamSourceTask.toPosition(offset.get(FileStreamSourceTask.POSITION_FIELD));
            if (position < 0) {
                throw new ConnectException("The value for the '" + FileStreamSourceTask.POSITION_FIELD
                        + "' key in the offset should be a non-negative value");
            }
            Map<String, ?> partition = entry.getKey();
            if (partition == null) {
                throw new ConnectException("Partition objects cannot be null");
            }
            if (!partition.containsKey(FileStreamSourceTask.FILENAME_FIELD)) {
                throw new ConnectException("Partition objects should contain the key '" + FileStreamSourceTask.FILENAME_FIELD + "'");
            }
        }
        return true;
    }

    /** Rejects a list of topics: this connector writes to exactly one. */
    private static final class SingleTopic implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value instanceof String topic && topic.contains(",")) {
                throw new ConfigException(name, value, "'" + TOPIC_CONFIG + "' must name a single topic");
            }
        }

        @Override
        public String toString() {
            return "a single topic name";
        }
    }
}
