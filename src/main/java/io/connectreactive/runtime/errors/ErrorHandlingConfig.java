package io.connectreactive.runtime.errors;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * A connector's {@code errors.*} settings, with Kafka Connect's keys, defaults and meanings
 * ({@code ConnectorConfig} and {@code SinkConnectorConfig}). The dead-letter-queue keys apply to
 * sink connectors as in Kafka Connect and, our extension, to source connectors too. Each key is
 * declared once, in {@link #define}; the herder's validator adds them to its ConfigDefs and a task
 * parses its connector config with {@link #of}. Immutable: any thread.
 *
 * @param retryTimeoutMs {@code errors.retry.timeout}: how long a failed stage is retried (0 none, -1 forever)
 * @param retryDelayMaxMs {@code errors.retry.delay.max.ms}: the cap of the exponential backoff between retries
 * @param tolerateAll {@code errors.tolerance=all}: a record that fails is skipped (and reported) instead of failing the task
 * @param logEnable {@code errors.log.enable}: log each failure
 * @param logIncludeMessages {@code errors.log.include.messages}: with the record's coordinates (sinks) or the record (sources)
 * @param dlqTopic {@code errors.deadletterqueue.topic.name}, or null for none
 * @param dlqReplicationFactor {@code errors.deadletterqueue.topic.replication.factor}, when the topic is created
 * @param dlqContextHeaders {@code errors.deadletterqueue.context.headers.enable}: the {@code __connect.errors.*} headers
 */
public record ErrorHandlingConfig(long retryTimeoutMs, long retryDelayMaxMs, boolean tolerateAll, boolean logEnable,
                                  boolean logIncludeMessages, String dlqTopic, short dlqReplicationFactor,
                                  boolean dlqContextHeaders) {

    public static final String GROUP = "Error Handling";
    public static final String RETRY_TIMEOUT = "errors.retry.timeout";
    public static final String RETRY_DELAY_MAX_MS = "errors.retry.delay.max.ms";
    public static final String TOLERANCE = "errors.tolerance";
    public static final String LOG_ENABLE = "errors.log.enable";
    public static final String LOG_INCLUDE_MESSAGES = "errors.log.include.messages";
    public static final String DLQ_TOPIC = "errors.deadletterqueue.topic.name";
    public static final String DLQ_REPLICATION_FACTOR = "errors.deadletterqueue.topic.replication.factor";
    public static final String DLQ_CONTEXT_HEADERS = "errors.deadletterqueue.context.headers.enable";

    /** Kafka Connect's defaults. */
    static final long DEFAULT_RETRY_TIMEOUT = 0;
    static final long DEFAULT_RETRY_DELAY_MAX_MS = 60_000;
    static final short DEFAULT_DLQ_REPLICATION_FACTOR = 3;

    /** The default: fail at the first error, no retry, no log, no dead-letter queue. */
    public static final ErrorHandlingConfig NONE = new ErrorHandlingConfig(DEFAULT_RETRY_TIMEOUT, DEFAULT_RETRY_DELAY_MAX_MS,
            false, false, false, null, DEFAULT_DLQ_REPLICATION_FACTOR, false);

    /** Declares the {@code errors.*} keys in {@code def} (for sources and sinks alike: see the type's doc). */
    public static ConfigDef define(ConfigDef def) {
        int order = 0;
        return def
                .define(RETRY_TIMEOUT, Type.LONG, DEFAULT_RETRY_TIMEOUT, Importance.MEDIUM,
                        "The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, "
                                + "which means no retries will be attempted. Use -1 for infinite retries.",
                        GROUP, ++order, ConfigDef.Width.MEDIUM, "Retry Timeout for Errors")
                .define(RETRY_DELAY_MAX_MS, Type.LONG, DEFAULT_RETRY_DELAY_MAX_MS, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                        "The maximum duration in milliseconds between consecutive retry attempts (exponential backoff from 300 ms).",
                        GROUP, ++order, ConfigDef.Width.MEDIUM, "Maximum Delay Between Retries for Errors")
                .define(TOLERANCE, Type.STRING, "none", ConfigDef.CaseInsensitiveValidString.in("none", "all"), Importance.MEDIUM,
                        "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that "
                                + "any error will result in an immediate connector task failure; 'all' changes the behavior to skip "
                                + "over problematic records.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Error Tolerance")
                .define(LOG_ENABLE, Type.BOOLEAN, false, Importance.MEDIUM,
                        "If true, write each error and the details of the failed operation and problematic record to the "
                                + "Connect application log.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Log Errors")
                .define(LOG_INCLUDE_MESSAGES, Type.BOOLEAN, false, Importance.MEDIUM,
                        "Whether to include in the log the Connect record that resulted in a failure: for sinks its topic, "
                                + "partition, offset and timestamp; for sources the record itself.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Log Error Details")
                .define(DLQ_TOPIC, Type.STRING, "", Importance.MEDIUM,
                        "The name of the topic to be used as the dead letter queue (DLQ) for records that fail in converters "
                                + "or transformations (and, for sinks, records the task reports). Empty: none. On a source "
                                + "connector this is a connect-reactive extension.",
                        GROUP, ++order, ConfigDef.Width.MEDIUM, "Dead Letter Queue Topic Name")
                .define(DLQ_REPLICATION_FACTOR, Type.SHORT, DEFAULT_DLQ_REPLICATION_FACTOR, Importance.MEDIUM,
                        "Replication factor used to create the dead letter queue topic when it doesn't already exist.",
                        GROUP, ++order, ConfigDef.Width.MEDIUM, "Dead Letter Queue Topic Replication Factor")
                .define(DLQ_CONTEXT_HEADERS, Type.BOOLEAN, false, Importance.MEDIUM,
                        "If true, add headers containing error context to the messages written to the dead letter queue. "
                                + "To avoid clashing with headers from the original record, all error context header keys "
                                + "start with __connect.errors.",
                        GROUP, ++order, ConfigDef.Width.MEDIUM, "Enable Error Context Headers");
    }

    private static final ConfigDef DEF = define(new ConfigDef());

    /**
     * The settings of a connector config (placeholders resolved).
     *
     * @throws org.apache.kafka.common.config.ConfigException naming the key of a bad value
     */
    public static ErrorHandlingConfig of(Map<String, String> connectorConfig) {
        Map<String, Object> parsed = DEF.parse(onlyErrorKeys(connectorConfig));
        String topic = ((String) parsed.get(DLQ_TOPIC)).trim();
        return new ErrorHandlingConfig((Long) parsed.get(RETRY_TIMEOUT), (Long) parsed.get(RETRY_DELAY_MAX_MS),
                "all".equals(((String) parsed.get(TOLERANCE)).trim().toLowerCase(Locale.ROOT)),
                (Boolean) parsed.get(LOG_ENABLE), (Boolean) parsed.get(LOG_INCLUDE_MESSAGES),
                topic.isEmpty() ? null : topic, (Short) parsed.get(DLQ_REPLICATION_FACTOR), (Boolean) parsed.get(DLQ_CONTEXT_HEADERS));
    }

    private static Map<String, String> onlyErrorKeys(Map<String, String> config) {
        Map<String, String> out = new HashMap<>();
        config.forEach((k, v) -> {
            if (k.startsWith("errors.") && DEF.configKeys().containsKey(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Whether a failure is ever handled otherwise than by failing the task at once. */
    public boolean trivial() {
        return !tolerateAll && retryTimeoutMs == 0;
    }
}
