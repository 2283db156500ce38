package io.connectreactive.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.connectreactive.kafka.ClientConfigOverridePolicy;
import io.connectreactive.plugin.PluginDiscovery;
import io.connectreactive.runtime.exec.ThreadKind;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's configuration: Kafka Connect's standalone worker keys where they exist, our own
 * under {@code runtime.}. Every key is declared once here with its type, default and doc; a bad
 * value raises a {@link ConfigException} that names the key.
 *
 * <p>Unlike Kafka Connect, {@code bootstrap.servers} has no default: when it is absent the worker
 * starts an embedded broker. {@code key.converter}/{@code value.converter} default to
 * JsonConverter and {@code offset.storage.file.filename} to a file in {@code runtime.data.dir}.
 *
 * <p>A Kafka Connect worker key this runtime does not implement is never ignored silently: it is
 * refused (a {@link ConfigException} naming it) where ignoring it would lose data or a guarantee, such as
 * {@code response.http.headers.config}, and otherwise logged once as
 * ignored, by name ({@code UnimplementedSettings}).
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
    public static final String ADMIN_LISTENERS = "admin.listeners";
    public static final String REST_EXTENSION_CLASSES = "rest.extension.classes";
    public static final String REST_MAX_BODY_BYTES = "rest.max.body.bytes";
    public static final String REST_BASIC_AUTH_JAAS_FILE = "rest.basic.auth.jaas.file";
    /** The prefix of the HTTPS listeners' own {@code ssl.*} settings, as in Kafka Connect. */
    public static final String HTTPS_PREFIX = "listeners.https.";
    public static final String SSL_CLIENT_AUTH = "ssl.client.auth";
    /** Kafka Connect's basic authentication extension, whose JAAS login module this worker implements. */
    public static final String BASIC_AUTH_EXTENSION = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension";
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
    public static final String SOURCE_COMMIT_RECORD_ON_ACK = "runtime.source.commit.record.on.ack";
    public static final String SINK_POLL_TIMEOUT_MS = "runtime.sink.poll.timeout.ms";
    public static final String METRICS_JMX_ENABLE = "metrics.jmx.enable";
    public static final String CLIENT_CONFIG_OVERRIDE_POLICY = "connector.client.config.override.policy";
    public static final String TASK_RESTART_ENABLE = "runtime.task.restart.enable";
    public static final String TASK_THREADS = "runtime.task.threads";
    public static final String SINK_CONSUMERS = "runtime.sink.consumers";
    public static final String TASK_RESTART_INITIAL_BACKOFF_MS = "runtime.task.restart.initial.backoff.ms";
    public static final String TASK_RESTART_MAX_BACKOFF_MS = "runtime.task.restart.max.backoff.ms";
    public static final String TASK_RESTART_MAX_ATTEMPTS = "runtime.task.restart.max.attempts";
    // clustered mode: Kafka Connect's distributed worker keys (DistributedConfig)
    public static final String GROUP_ID = "group.id";
    public static final String CONFIG_STORAGE_PREFIX = "config.storage.";
    public static final String OFFSET_STORAGE_PREFIX = "offset.storage.";
    public static final String STATUS_STORAGE_PREFIX = "status.storage.";
    public static final String CONFIG_STORAGE_TOPIC = CONFIG_STORAGE_PREFIX + "topic";
    public static final String OFFSET_STORAGE_TOPIC = OFFSET_STORAGE_PREFIX + "topic";
    public static final String STATUS_STORAGE_TOPIC = STATUS_STORAGE_PREFIX + "topic";
    public static final String CONFIG_STORAGE_REPLICATION_FACTOR = CONFIG_STORAGE_PREFIX + "replication.factor";
    public static final String OFFSET_STORAGE_REPLICATION_FACTOR = OFFSET_STORAGE_PREFIX + "replication.factor";
    public static final String STATUS_STORAGE_REPLICATION_FACTOR = STATUS_STORAGE_PREFIX + "replication.factor";
    public static final String OFFSET_STORAGE_PARTITIONS = OFFSET_STORAGE_PREFIX + "partitions";
    public static final String STATUS_STORAGE_PARTITIONS = STATUS_STORAGE_PREFIX + "partitions";
    /**
     * Kafka Connect's exactly-once source support (KIP-618): {@code disabled}, {@code preparing} or
     * {@code enabled}, case-insensitive, on a clustered worker; a standalone worker ignores it.
     */
    public static final String EXACTLY_ONCE_SOURCE_SUPPORT = UnimplementedSettings.EXACTLY_ONCE_SOURCE_SUPPORT;

    public static final String REST_ADVERTISED_HOST_NAME = "rest.advertised.host.name";
    public static final String REST_ADVERTISED_PORT = "rest.advertised.port";
    public static final String REST_ADVERTISED_LISTENER = "rest.advertised.listener";
    public static final String CLUSTER_HOST = "runtime.cluster.host";
    public static final String CLUSTER_PORT = "runtime.cluster.port";
    public static final String CLUSTER_MEMBERS = "runtime.cluster.members";
    public static final String CLUSTER_FAILURE_TIMEOUT_S = "runtime.cluster.failure.timeout.seconds";
    public static final String CLUSTER_FENCE_TIMEOUT_MS = "runtime.cluster.fence.timeout.ms";

    public static final String JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";

    /** Kafka Connect's rule for internal topics' replication factors: -1 (the broker's default) or at least 1. */
    private static final ConfigDef.Validator REPLICATION_FACTOR = (name, value) -> {
        if (value != null && ((Short) value == 0 || (Short) value < -1)) {
            throw new ConfigException(name, value, "must be -1 (the broker's default) or at least 1");
        }
    };
    private static final ConfigDef.Validator PARTITIONS = (name, value) -> {
        if (value != null && ((Integer) value == 0 || (Integer) value < -1)) {
            throw new ConfigException(name, value, "must be -1 (the broker's default) or at least 1");
        }
    };

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
                    "REST listeners, comma-separated, each http://host:port or https://host:port (an empty host means every "
                            + "interface). HTTPS listeners take listeners.https.ssl.* settings, or the ssl.* ones when no "
                            + "listeners.https.* key is set, as in Kafka Connect.")
            .define(ADMIN_LISTENERS, Type.LIST, null, Importance.LOW,
                    "Listeners for the /admin endpoints (loggers), as listeners. Unset: /admin is served on the main "
                            + "listeners. Empty: /admin is disabled (404). Set: /admin is served only on these.")
            .define(REST_EXTENSION_CLASSES, Type.LIST, "", Importance.LOW,
                    "REST extensions, as in Kafka Connect. Only " + BASIC_AUTH_EXTENSION + " is supported: HTTP basic "
                            + "authentication against the JAAS section KafkaConnect (PropertyFileLoginModule).")
            .define(REST_BASIC_AUTH_JAAS_FILE, Type.STRING, null, Importance.LOW,
                    "JAAS configuration file for basic authentication. Unset: the JVM's JAAS configuration "
                            + "(-Djava.security.auth.login.config), as Kafka Connect reads it.")
            .define(REST_MAX_BODY_BYTES, Type.LONG, 10L * 1024 * 1024, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Largest REST request body accepted; a larger one is answered 413.")
            .define(SSL_CLIENT_AUTH, Type.STRING, "none", ConfigDef.CaseInsensitiveValidString.in("none", "requested", "required"),
                    Importance.LOW, "Whether HTTPS listeners ask REST clients for a certificate: none, requested or required.")
            .define(PLUGIN_PATH, Type.LIST, null, Importance.LOW,
                    "Directories of plugins (or plugin jars); each child directory or jar of a listed directory is one plugin with its own class loader.")
            .define(PLUGIN_DISCOVERY, Type.STRING, PluginDiscovery.DEFAULT.value(),
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
            .define(SOURCE_COMMIT_RECORD_ON_ACK, Type.LIST, "org.apache.kafka.connect.mirror.MirrorSourceTask", Importance.LOW,
                    "Classic source task classes whose commitRecord is known not to block: it is called in the producer's "
                            + "acknowledgement callback, on the producer's I/O thread, as Kafka Connect calls it. Every other "
                            + "task's commitRecord runs on the task's own thread, so that a plugin that blocks there holds up "
                            + "only itself, not the acknowledgements of every task sharing the producer.")
            .define(METRICS_JMX_ENABLE, Type.BOOLEAN, true, Importance.LOW,
                    "Register Kafka Connect's JMX MBeans, as Kafka Connect does: one per metric group and tag set "
                            + "(kafka.connect:type=source-task-metrics,connector=...,task=...) with Kafka Connect's attribute "
                            + "names, and kafka.connect:type=app-info,client-id=<worker id>. GET /metrics serves the same "
                            + "metrics in Prometheus' text format either way.")
            .define(CLIENT_CONFIG_OVERRIDE_POLICY, Type.STRING, "All", (name, value) -> {
                        ClientConfigOverridePolicy.of(name, (String) value);
                    }, Importance.MEDIUM,
                    "Which client settings connectors may override with producer.override.*, consumer.override.* and "
                            + "admin.override.*: All (default), None, or Principal (only sasl.jaas.config, sasl.mechanism and "
                            + "security.protocol), as in Kafka Connect; Kafka Connect's policy class names work too.")
            .define(SINK_POLL_TIMEOUT_MS, Type.LONG, 200L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Longest wait of one sink consumer poll when no records are ready.")
            .define(SINK_CONSUMERS, Type.STRING, "auto", ConfigDef.ValidString.in("auto", "task", "connector"), Importance.LOW,
                    "The consumers of sink tasks: task (a consumer, a group member and a polling thread per task, as Kafka "
                            + "Connect), connector (one consumer per connector on this worker, shared by its tasks, which "
                            + "split its partitions: a thousand tasks on two threads; standalone only) or auto (connector "
                            + "on a standalone worker, task on a clustered one).")
            .define(TASK_THREADS, Type.STRING, "auto", (name, value) -> {
                        try {
                            ThreadKind.of((String) value);
                        } catch (IllegalArgumentException e) {
                            throw new ConfigException(name, value, e.getMessage());
                        }
                    }, Importance.LOW,
                    "The thread of its own that each classic task and each connector runs its blocking calls on: platform "
                            + "(an OS thread each, as Kafka Connect), virtual (a Java 21+ virtual thread each: a task blocked in "
                            + "poll() or put() holds no OS thread) or auto (virtual on Java 24 and later, where synchronized "
                            + "code no longer pins a virtual thread to its carrier; platform before).")
            .define(TASK_RESTART_ENABLE, Type.BOOLEAN, false, Importance.MEDIUM,
                    "Whether a FAILED task is restarted by the worker itself, with exponential backoff (Kafka Connect "
                            + "leaves it FAILED until POST /connectors/{name}/tasks/{id}/restart).")
            .define(TASK_RESTART_INITIAL_BACKOFF_MS, Type.LONG, 1_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                    "Wait before the first automatic restart of a failed task; doubled after each further failure.")
            .define(TASK_RESTART_MAX_BACKOFF_MS, Type.LONG, 60_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                    "Longest wait before an automatic restart. A task that fails later than this after its last "
                            + "automatic restart counts its attempts afresh.")
            .define(TASK_RESTART_MAX_ATTEMPTS, Type.INT, 10, ConfigDef.Range.atLeast(-1), Importance.LOW,
                    "Automatic restarts of a task in a row before it is left FAILED; -1 for no limit.")
            .define(GROUP_ID, Type.STRING, "connect-cluster", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "The cluster this worker belongs to (Kafka Connect's group.id, which has no default; ours is the "
                            + "value of Kafka's connect-distributed.properties). Also the base of the internal topics' client ids.")
            .define(CONFIG_STORAGE_TOPIC, Type.STRING, "connect-configs", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "The Kafka topic where connector and task configurations are stored (1 partition, compacted). "
                            + "Kafka Connect has no default; ours is the name in Kafka's connect-distributed.properties.")
            .define(OFFSET_STORAGE_TOPIC, Type.STRING, "connect-offsets", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "The Kafka topic where source connector offsets are stored (compacted). Kafka Connect has no default; "
                            + "ours is the name in Kafka's connect-distributed.properties.")
            .define(STATUS_STORAGE_TOPIC, Type.STRING, "connect-status", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "The Kafka topic where connector and task statuses are stored (compacted). Kafka Connect has no default; "
                            + "ours is the name in Kafka's connect-distributed.properties.")
            .define(CONFIG_STORAGE_REPLICATION_FACTOR, Type.SHORT, (short) -1, REPLICATION_FACTOR, Importance.LOW,
                    "Replication factor used when creating the config topic; -1 (our default) uses the brokers' "
                            + "default.replication.factor. Kafka Connect's default is 3, which a single-broker cluster "
                            + "(such as the embedded broker) cannot satisfy.")
            .define(OFFSET_STORAGE_REPLICATION_FACTOR, Type.SHORT, (short) -1, REPLICATION_FACTOR, Importance.LOW,
                    "Replication factor used when creating the offset topic; -1 (our default) uses the brokers' "
                            + "default.replication.factor. Kafka Connect's default is 3.")
            .define(STATUS_STORAGE_REPLICATION_FACTOR, Type.SHORT, (short) -1, REPLICATION_FACTOR, Importance.LOW,
                    "Replication factor used when creating the status topic; -1 (our default) uses the brokers' "
                            + "default.replication.factor. Kafka Connect's default is 3.")
            .define(OFFSET_STORAGE_PARTITIONS, Type.INT, 25, PARTITIONS, Importance.LOW,
                    "The number of partitions used when creating the offset topic; -1 uses the brokers' num.partitions.")
            .define(STATUS_STORAGE_PARTITIONS, Type.INT, 5, PARTITIONS, Importance.LOW,
                    "The number of partitions used when creating the status topic; -1 uses the brokers' num.partitions.")
            .define(EXACTLY_ONCE_SOURCE_SUPPORT, Type.STRING, UnimplementedSettings.EXACTLY_ONCE_SOURCE_SUPPORT_DEFAULT,
                    Importance.HIGH, "Whether to enable exactly-once support for source connectors in the cluster (KIP-618) "
                            + "by using transactions to write source records and their source offsets, and by fencing out "
                            + "old task generations before bringing up new ones: disabled, preparing or enabled "
                            + "(case-insensitive). To enable it on a new cluster, set enabled on every worker; on an existing "
                            + "cluster, first set preparing on every worker (its source tasks still run at least once), then "
                            + "enabled; a rolling restart may be used for both changes. "
                            + "Only clustered workers read it; a standalone worker ignores it, as Kafka Connect's does.");

    static {
        // the client security settings, as Kafka Connect's worker declares them: passed to every Kafka client
        // the worker creates (producer., consumer., admin. prefixed ones override), and the HTTPS listeners' fallback
        CONFIG_DEF.define(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, Type.STRING,
                CommonClientConfigs.DEFAULT_SECURITY_PROTOCOL,
                ConfigDef.CaseInsensitiveValidString.in(Utils.enumOptions(
                        SecurityProtocol.class)),
                Importance.MEDIUM, CommonClientConfigs.SECURITY_PROTOCOL_DOC);
        SslConfigs.addClientSslSupport(CONFIG_DEF);
        SaslConfigs.addClientSaslSupport(CONFIG_DEF);
    }

    static {
        // clustered mode: how workers find each other (Hazelcast) and how they reach each other's REST
        CONFIG_DEF
                .define(REST_ADVERTISED_HOST_NAME, Type.STRING, null, Importance.LOW,
                        "Host name other workers use to reach this worker's REST API, and part of its worker id. "
                                + "Default: the first listener's host.")
                .define(REST_ADVERTISED_PORT, Type.INT, null, Importance.LOW,
                        "Port other workers use to reach this worker's REST API. Default: the first listener's port.")
                .define(REST_ADVERTISED_LISTENER, Type.STRING, null, ConfigDef.LambdaValidator.with((name, value) -> {
                            if (value != null && !List.of("http", "https").contains(value.toString().toLowerCase(Locale.ROOT))) {
                                throw new ConfigException(name, value, "must be http or https");
                            }
                        }, () -> "http, https"),
                        Importance.LOW, "Protocol other workers use to reach this worker's REST API. Default: the first listener's.")
                .define(CLUSTER_HOST, Type.STRING, "127.0.0.1", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                        "Clustered mode: the address this worker binds and advertises for cluster membership (Hazelcast).")
                .define(CLUSTER_PORT, Type.INT, 5701, ConfigDef.Range.between(1, 65535), Importance.MEDIUM,
                        "Clustered mode: the first port tried for cluster membership; the next free one is taken when it is in use.")
                .define(CLUSTER_MEMBERS, Type.LIST, "127.0.0.1", Importance.MEDIUM,
                        "Clustered mode: where to look for the other workers, as host or host:port, comma-separated "
                                + "(TCP-IP join; no multicast). A host alone tries ports from runtime.cluster.port up.")
                .define(CLUSTER_FAILURE_TIMEOUT_S, Type.INT, 5, ConfigDef.Range.atLeast(2), Importance.LOW,
                        "Clustered mode: a worker that has not answered heartbeats for this long is removed and its "
                                + "connectors and tasks run elsewhere (a killed worker is seen at once, its connections close).")
                .define(CLUSTER_FENCE_TIMEOUT_MS, Type.LONG, 2_500L, ConfigDef.Range.atLeast(500), Importance.LOW,
                        "Clustered mode: a worker that has had no answer for this long from enough of the workers of its "
                                + "last assignment to make a majority of them fences itself: it stops its connectors and tasks "
                                + "(each within " + CLUSTER_FAILURE_TIMEOUT_S + " minus this minus 1.5 s) before the others, "
                                + "which remove it only after " + CLUSTER_FAILURE_TIMEOUT_S + ", run them. At most "
                                + CLUSTER_FAILURE_TIMEOUT_S + " x 1000 - 2000.");
    }

    private static final Logger LOG = LoggerFactory.getLogger(WorkerConfig.class);

    private final Map<String, String> originals;

    /**
     * Parses and checks the worker's settings, and logs a warning for each Kafka Connect setting set
     * that this runtime ignores.
     *
     * @throws ConfigException naming the key of a bad value, or of a Kafka Connect setting this runtime
     *         cannot honour (e.g. {@code response.http.headers.config})
     */
    public WorkerConfig(Map<String, String> props) {
        this(props, true);
    }

    private WorkerConfig(Map<String, String> props, boolean warn) {
        super(CONFIG_DEF, props, false);
        this.originals = Map.copyOf(props);
        UnimplementedSettings.refuse(props, clustered());
        if (warn) {
            UnimplementedSettings.warnings(props, clustered()).forEach(LOG::warn);
        }
        listeners();
        adminListeners();
        if (fenceStopMs() < 500) {
            throw new ConfigException(CLUSTER_FENCE_TIMEOUT_MS, getLong(CLUSTER_FENCE_TIMEOUT_MS), "must be at most "
                    + CLUSTER_FAILURE_TIMEOUT_S + " x 1000 - 2000 (" + (getInt(CLUSTER_FAILURE_TIMEOUT_S) * 1000L - 2000) + " ms)");
        }
        if (clustered() && getString(SINK_CONSUMERS).equals("connector")) {
            throw new ConfigException(SINK_CONSUMERS, "connector", "is for standalone workers: a clustered worker gives each "
                    + "sink task a consumer of its own (its static group membership moves a killed worker's partitions at once)");
        }
        for (String extension : getList(REST_EXTENSION_CLASSES)) {
            if (!extension.equals(BASIC_AUTH_EXTENSION)) {
                throw new ConfigException(REST_EXTENSION_CLASSES, extension, "only " + BASIC_AUTH_EXTENSION + " is supported");
            }
        }
    }

    /**
     * Clustered mode: how long a fenced worker gives each of its tasks to stop before abandoning it. The
     * other workers remove a silent one after {@code runtime.cluster.failure.timeout.seconds} without a
     * heartbeat (sent every second, so as early as that less one second after the last), then start its
     * tasks; the fenced worker has stopped them by fence timeout + 0.25 s (its check interval) + this,
     * which leaves 0.25 s to spare.
     */
    public long fenceStopMs() {
        return getInt(CLUSTER_FAILURE_TIMEOUT_S) * 1000L - getLong(CLUSTER_FENCE_TIMEOUT_MS) - 1_500;
    }

    /** Whether Kafka Connect's basic authentication extension is configured. */
    public boolean basicAuth() {
        return getList(REST_EXTENSION_CLASSES).contains(BASIC_AUTH_EXTENSION);
    }

    /**
     * Whether source tasks run exactly once (KIP-618): {@code exactly.once.source.support=enabled} on
     * a clustered worker (Kafka Connect's {@code DistributedConfig.exactlyOnceSourceEnabled()}).
     */
    public boolean exactlyOnceSourceEnabled() {
        return clustered() && "enabled".equalsIgnoreCase(getString(EXACTLY_ONCE_SOURCE_SUPPORT).trim());
    }

    /**
     * Whether {@code exactly.once.source.support} is {@code preparing} or {@code enabled} on a clustered
     * worker: the config topic is then read {@code read_committed}, as Kafka Connect's is, so that the
     * records of a Kafka Connect leader's aborted transactions are never applied (a cluster migrating).
     */
    public boolean exactlyOnceSourcePreparingOrEnabled() {
        return clustered() && !"disabled".equalsIgnoreCase(getString(EXACTLY_ONCE_SOURCE_SUPPORT).trim());
    }

    /**
     * Whether this is a clustered worker: {@code group.id} is set, as in Kafka Connect's
     * connect-distributed.properties ({@code start --cluster} sets it when missing).
     */
    public boolean clustered() {
        return originals.containsKey(GROUP_ID);
    }

    /** The host other workers reach this worker's REST API at: {@code rest.advertised.host.name}, else the listener's. */
    public String advertisedHost() {
        String host = getString(REST_ADVERTISED_HOST_NAME);
        if (host != null && !host.isBlank()) {
            return host;
        }
        String listenerHost = listener().host();
        return listenerHost.isEmpty() || "0.0.0.0".equals(listenerHost) ? "localhost" : listenerHost;
    }

    /** {@code rest.advertised.port}, else the port the first listener bound. */
    public int advertisedPort(int boundPort) {
        Integer port = getInt(REST_ADVERTISED_PORT);
        return port != null ? port : boundPort;
    }

    /** {@code rest.advertised.listener}, else the first listener's protocol. */
    public String advertisedProtocol() {
        String protocol = getString(REST_ADVERTISED_LISTENER);
        return protocol != null ? protocol.toLowerCase(Locale.ROOT) : listener().scheme();
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

    /** The first REST listener (its port names the worker). */
    public Listener listener() {
        return listeners().get(0);
    }

    /** The REST listeners ({@code listeners}), at least one. */
    public List<Listener> listeners() {
        List<Listener> out = parseListeners(LISTENERS, getList(LISTENERS));
        if (out.isEmpty()) {
            throw new ConfigException(LISTENERS, getList(LISTENERS), "at least one listener is needed");
        }
        return out;
    }

    /**
     * The listeners of the {@code /admin} endpoints: null when {@code admin.listeners} is unset (they
     * are served on the main listeners), empty when they are disabled.
     */
    public List<Listener> adminListeners() {
        List<String> admin = getList(ADMIN_LISTENERS);
        return admin == null ? null : parseListeners(ADMIN_LISTENERS, admin);
    }

    private static List<Listener> parseListeners(String key, List<String> values) {
        List<Listener> out = new ArrayList<>();
        Pattern pattern = Pattern.compile("(?i)(https?)://(\\[[^\\]]*\\]|[^:/\\[\\]]*):(\\d{1,5})/?");
        for (String value : values) {
            String l = value.trim();
            if (l.isEmpty()) {
                continue;
            }
            Matcher m = pattern.matcher(l);
            if (!m.matches()) {
                throw new ConfigException(key, l, "expected http://host:port or https://host:port");
            }
            int port = Integer.parseInt(m.group(3));
            if (port > 65535) {
                throw new ConfigException(key, l, "port out of range");
            }
            String host = m.group(2).isEmpty() ? "0.0.0.0" : m.group(2);
            if (host.startsWith("[")) {
                host = host.substring(1, host.length() - 1);
            }
            out.add(new Listener(m.group(1).toLowerCase(Locale.ROOT), host, port));
        }
        return out;
    }

    /**
     * The settings of a Kafka client the worker creates: {@code bootstrap.servers}, the worker's
     * top-level client settings that {@code names} knows ({@code security.protocol}, {@code ssl.*},
     * {@code sasl.*}, ...), then the ones under {@code prefix} ({@code producer.}, {@code consumer.},
     * {@code admin.}) over them.
     *
     * @param prefix the client's own prefix, or null for none: the clients of the internal topics get only the
     *        top-level settings, as in Kafka Connect
     * @param names the client's config names (ProducerConfig.configNames(), ...)
     */
    public Map<String, Object> clientConfig(String prefix, Set<String> names) {
        Map<String, Object> out = new HashMap<>();
        originals.forEach((k, v) -> {
            if (names.contains(k) && (k.startsWith("ssl.") || k.startsWith("sasl.") || k.equals("security.protocol")
                    || k.equals("security.providers"))) {
                out.put(k, v);
            }
        });
        out.put("bootstrap.servers", bootstrapServers());
        if (prefix != null) {
            out.putAll(withPrefix(prefix));
        }
        return out;
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
        return new WorkerConfig(props, false);
    }

    /** The policy on connectors' client overrides ({@code connector.client.config.override.policy}). */
    public ClientConfigOverridePolicy clientOverridePolicy() {
        return ClientConfigOverridePolicy.of(CLIENT_CONFIG_OVERRIDE_POLICY,
                getString(CLIENT_CONFIG_OVERRIDE_POLICY));
    }

    /** {@code group.id}: the cluster this worker belongs to. */
    public String groupId() {
        return getString(GROUP_ID);
    }

    /**
     * One internal topic's settings: its name, partitions (always 1 for the config topic), replication
     * factor (-1: the brokers' default), and the other {@code <prefix>*} keys as topic-level settings
     * (e.g. {@code offset.storage.min.insync.replicas}), without {@code cleanup.policy}: these topics
     * are always compacted (Kafka Connect's {@code DistributedConfig.topicSettings}).
     *
     * @param prefix {@link #CONFIG_STORAGE_PREFIX}, {@link #OFFSET_STORAGE_PREFIX} or {@link #STATUS_STORAGE_PREFIX}
     */
    public InternalTopic internalTopic(String prefix) {
        Map<String, String> settings = new HashMap<>(withPrefix(prefix));
        for (String own : List.of("topic", "partitions", "replication.factor", "cleanup.policy", "file.filename")) {
            settings.remove(own);
        }
        int partitions = CONFIG_STORAGE_PREFIX.equals(prefix) ? 1 : getInt(prefix + "partitions");
        return new InternalTopic(getString(prefix + "topic"), partitions, getShort(prefix + "replication.factor"), Map.copyOf(settings));
    }

    /**
     * An internal topic of a clustered worker, as {@link #internalTopic} describes it.
     *
     * @param partitions -1 for the brokers' default
     * @param replicationFactor -1 for the brokers' default
     * @param settings topic-level settings other than {@code cleanup.policy}
     */
    public record InternalTopic(String name, int partitions, short replicationFactor, Map<String, String> settings) {
    }

    public String bootstrapServers() {
        return String.join(",", getList(BOOTSTRAP_SERVERS));
    }

    /**
     * A REST listener.
     *
     * @param scheme {@code http} or {@code https}
     * @param host the address to bind
     * @param port the port, 0 for any free port
     */
    public record Listener(String scheme, String host, int port) {
        /** An HTTP listener. */
        public Listener(String host, int port) {
            this("http", host, port);
        }

        public boolean https() {
            return "https".equals(scheme);
        }

        /** The listener with another port. */
        public Listener withPort(int port) {
            return new Listener(scheme, host, port);
        }
    }
}
