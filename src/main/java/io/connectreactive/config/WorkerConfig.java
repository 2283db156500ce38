package io.connectreactive.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The worker's configuration: Kafka Connect's standalone worker keys where they exist, our own
 * under {@code runtime.}. Every key is declared once here with its type, default and doc; a bad
 * value raises a {@link ConfigException} that names the key.
 *
 * <p>Unlike Kafka Connect, {@code bootstrap.servers} has no default: when it is absent the worker
 * starts an embedded broker. {@code key.converter}/{@code value.converter} default to
 * JsonConverter and {@code offset.storage.file.filename} to a file in {@code runtime.data.dir}.
 */
public final class WorkerConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String KEY_CONVERTER = "key.converter";
    public static final String VALUE_CONVERTER = "value.converter";
    public static final String HEADER_CONVERTER = "header.converter";
    public static final String OFFSET_FLUSH_INTERVAL_MS = "offset.flush.interval.ms";
    public static final String OFFSET_FLUSH_TIMEOUT_MS = "offset.flush.timeout.ms";
    public static final String OFFSET_STORAGE_FILE = "offset.storage.file.filename";
    public static final String TASK_SHUTDOWN_TIMEOUT_MS = "task.shutdown.graceful.timeout.ms";
    public static final String LISTENERS = "listeners";
    public static final String PLUGIN_PATH = "plugin.path";
    public static final String PLUGIN_DISCOVERY = "plugin.discovery";
    public static final String TOPIC_CREATION_ENABLE = "topic.creation.enable";
    public static final String TOPIC_TRACKING_ENABLE = "topic.tracking.enable";
    public static final String TOPIC_TRACKING_ALLOW_RESET = "topic.tracking.allow.reset";
    public static final String DATA_DIR = "runtime.data.dir";
    public static final String CONFIG_STORAGE_FILE = "runtime.config.storage.file.filename";
    public static final String EMBEDDED_KAFKA_PORT = "runtime.embedded.kafka.port";
    public static final String SOURCE_MAX_IN_FLIGHT = "runtime.source.max.in.flight.records";
    public static final String SOURCE_MAX_QUEUED = "runtime.source.max.queued.records";
    public static final String SINK_POLL_TIMEOUT_MS = "runtime.sink.poll.timeout.ms";
    public static final String METRICS_JMX_ENABLE = "metrics.jmx.enable";
    public static final String CLIENT_CONFIG_OVERRIDE_POLICY = "connector.client.config.override.policy";

    public static final String JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";

    /** The declared keys; unknown keys are allowed (client and converter settings pass through). */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.LIST, null, Importance.HIGH,
                    "Kafka brokers to connect to. When absent, the worker starts an embedded single-node broker.")
            .define(KEY_CONVERTER, Type.STRING, JSON_CONVERTER, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Converter class for record keys; settings under the key.converter. prefix.")
            .define(VALUE_CONVERTER, Type.STRING, JSON_CONVERTER, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Converter class for record values; settings under the value.converter. prefix.")
            .define(HEADER_CONVERTER, Type.STRING, "org.apache.kafka.connect.storage.SimpleHeaderConverter",
                    new ConfigDef.NonEmptyString(), Importance.LOW,
                    "HeaderConverter class for record headers; settings under the header.converter. prefix.")
            .define(OFFSET_FLUSH_INTERVAL_MS, Type.LONG, 60_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "How often source offsets are stored and sink offsets committed.")
            .define(OFFSET_FLUSH_TIMEOUT_MS, Type.LONG, 5_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "How long an offset flush may take before it is cancelled and retried at the next interval.")
            .define(OFFSET_STORAGE_FILE, Type.STRING, null, Importance.HIGH,
                    "File that stores source offsets (Kafka Connect's standalone format). Default: connect.offsets in runtime.data.dir.")
            .define(TASK_SHUTDOWN_TIMEOUT_MS, Type.LONG, 5_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                    "How long to wait for tasks to stop and their last records to be acknowledged.")
            .define(LISTENERS, Type.LIST, "http://127.0.0.1:8083", Importance.LOW,
                    "REST listener, as http://host:port (an empty host means every interface).")
            .define(PLUGIN_PATH, Type.LIST, null, Importance.LOW,
                    "Directories of plugins (or plugin jars); each child directory or jar of a listed directory is one plugin with its own class loader.")
            .define(PLUGIN_DISCOVERY, Type.STRING, io.connectreactive.plugin.PluginDiscovery.DEFAULT.value(),
                    ConfigDef.CaseInsensitiveValidString.in("only_scan", "hybrid_warn", "hybrid_fail", "service_load"), Importance.LOW,
                    "How plugins in plugin.path are found (KIP-898): only_scan reads every class; hybrid_warn (the default) also "
                    + "reads manifests and logs plugins no manifest lists; hybrid_fail refuses to start then; service_load reads "
                    + "only META-INF/services manifests, the fastest.")
            .define(TOPIC_CREATION_ENABLE, Type.BOOLEAN, true, Importance.LOW,
                    "Whether source connectors may create their topics with topic.creation.* settings (KIP-158).")
            .define(TOPIC_TRACKING_ENABLE, Type.BOOLEAN, true, Importance.LOW,
                    "Record the topics each connector uses (KIP-558), served by GET /connectors/{name}/topics.")
            .define(TOPIC_TRACKING_ALLOW_RESET, Type.BOOLEAN, true, Importance.LOW,
                    "Allow PUT /connectors/{name}/topics/reset to empty a connector's set of active topics.")
            .define(DATA_DIR, Type.STRING, "data", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Directory for the worker's files: connector configs, offsets and the embedded broker's data.")
            .define(CONFIG_STORAGE_FILE, Type.STRING, null, Importance.LOW,
                    "File that keeps connector configs created over REST. Default: connect-configs.json in runtime.data.dir.")
            .define(EMBEDDED_KAFKA_PORT, Type.INT, 9092, ConfigDef.Range.between(0, 65535), Importance.LOW,
                    "Client port of the embedded broker (0 = any free port). Used only without bootstrap.servers.")
            .define(SOURCE_MAX_IN_FLIGHT, Type.INT, 10_000, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Bound on each source task's records sent to Kafka and not yet acknowledged; the task is not read while at it.")
            .define(SOURCE_MAX_QUEUED, Type.INT, 100_000, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Bound, worker-wide, on the records all source tasks have handed to Kafka producers and that are not yet "
                            + "acknowledged (on top of each task's runtime.source.max.in.flight.records). A task that finds no "
                            + "room is not read until room frees; tasks get room in the order they asked.")
            .define(METRICS_JMX_ENABLE, Type.BOOLEAN, false, Importance.LOW,
                    "Also expose the worker's metrics as JMX MBeans named as Kafka Connect's "
                            + "(kafka.connect:type=source-task-metrics,connector=...,task=...,name=<metric>). "
                            + "GET /metrics serves them in Prometheus' text format either way.")
            .define(CLIENT_CONFIG_OVERRIDE_POLICY, Type.STRING, "All", (name, value) -> {
                        io.connectreactive.kafka.ClientConfigOverridePolicy.of(name, (String) value);
                    }, Importance.MEDIUM,
                    "Which client settings connectors may override with producer.override.*, consumer.override.* and "
                            + "admin.override.*: All (default), None, or Principal (only sasl.jaas.config, sasl.mechanism and "
                            + "security.protocol), as in Kafka Connect; Kafka Connect's policy class names work too.")
            .define(SINK_POLL_TIMEOUT_MS, Type.LONG, 200L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Longest wait of one sink consumer poll when no records are ready.");

    private final Map<String, String> originals;

    public WorkerConfig(Map<String, String> props) {
        super(CONFIG_DEF, props, false);
        this.originals = Map.copyOf(props);
        listener();
    }

    /** Whether the worker must start an embedded broker. */
    public boolean embeddedBroker() {
        List<String> servers = getList(BOOTSTRAP_SERVERS);
        return servers == null || servers.isEmpty();
    }

    public Path dataDir() {
        return Path.of(getString(DATA_DIR));
    }

    public Path offsetFile() {
        String file = getString(OFFSET_STORAGE_FILE);
        return file == null || file.isBlank() ? dataDir().resolve("connect.offsets") : Path.of(file);
    }

    public Path configFile() {
        String file = getString(CONFIG_STORAGE_FILE);
        return file == null || file.isBlank() ? dataDir().resolve("connect-configs.json") : Path.of(file);
    }

    /** The REST listener as host and port; the first of {@code listeners}. */
    public Listener listener() {
        List<String> listeners = getList(LISTENERS);
        if (listeners.isEmpty()) {
            throw new ConfigException(LISTENERS, listeners, "at least one listener is needed");
        }
        String l = listeners.get(0).trim();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)http://(\\[[^\\]]*\\]|[^:/]*):(\\d{1,5})/?").matcher(l);
        if (!m.matches()) {
            throw new ConfigException(LISTENERS, l, "expected http://host:port (https listeners are not supported yet)");
        }
        int port = Integer.parseInt(m.group(2));
        if (port > 65535) {
            throw new ConfigException(LISTENERS, l, "port out of range");
        }
        String host = m.group(1).isEmpty() ? "0.0.0.0" : m.group(1);
        return new Listener(host, port);
    }

    /** Every key as given, for prefixed settings ({@code producer.}, {@code value.converter.}, ...). */
    public Map<String, String> rawConfig() {
        return originals;
    }

    /** The settings under {@code prefix}, with the prefix removed. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new HashMap<>();
        originals.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** A copy of this configuration with {@code bootstrap.servers} set (after the embedded broker starts). */
    public WorkerConfig withBootstrapServers(String servers) {
        Map<String, String> props = new HashMap<>(originals);
        props.put(BOOTSTRAP_SERVERS, servers);
        return new WorkerConfig(props);
    }

    /** The policy on connectors' client overrides ({@code connector.client.config.override.policy}). */
    public io.connectreactive.kafka.ClientConfigOverridePolicy clientOverridePolicy() {
        return io.connectreactive.kafka.ClientConfigOverridePolicy.of(CLIENT_CONFIG_OVERRIDE_POLICY,
                getString(CLIENT_CONFIG_OVERRIDE_POLICY));
    }

    public String bootstrapServers() {
        return String.join(",", getList(BOOTSTRAP_SERVERS));
    }

    /**
     * The REST listener.
     *
     * @param host the address to bind
     * @param port the port, 0 for any free port
     */
    public record Listener(String host, int port) {
    }
}
