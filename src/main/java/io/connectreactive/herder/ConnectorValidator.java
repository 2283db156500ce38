package io.connectreactive.herder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.herder.ConfigInfos.ConfigInfo;
import io.connectreactive.herder.ConfigInfos.ConfigKeyInfo;
import io.connectreactive.herder.ConfigInfos.ConfigValueInfo;
import io.connectreactive.kafka.ClientConfigOverridePolicy;
import io.connectreactive.plugin.LoaderSwap;
import io.connectreactive.plugin.PluginDesc;
import io.connectreactive.kafka.TopicCreation;
import io.connectreactive.plugin.PluginRegistry;
import io.connectreactive.runtime.Worker;
import io.connectreactive.runtime.errors.ErrorHandlingConfig;
import io.connectreactive.runtime.glue.TransformChain;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.errors.NotFoundException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates a connector config as Kafka Connect's herder does: the common connector keys, the
 * converters it names, a sink's topics, a source's exactly-once keys ({@link ExactlyOnceSourceKeys}: what
 * the worker's {@code exactly.once.source.support} allows, the connector's preflight answers), then the
 * connector's own {@code validate()} (under the
 * plugin's class loader). {@link #validateConfig} gives Kafka Connect's {@link ConfigInfos} for
 * {@code PUT /connector-plugins/{plugin}/config/validate}; {@link #validate} turns errors into the
 * 400 that creating or updating a connector answers. Instantiates plugins, so call it off the
 * event loop. Thread-safe.
 */
public final class ConnectorValidator {

    public static final String NAME = "name";
    public static final String CONNECTOR_CLASS = "connector.class";
    public static final String TASKS_MAX = "tasks.max";
    public static final String TASKS_MAX_ENFORCE = "tasks.max.enforce";
    public static final String TRANSFORMS = "transforms";
    public static final String PREDICATES = "predicates";
    public static final String TOPICS = "topics";
    public static final String TOPICS_REGEX = "topics.regex";
    public static final String CONNECTOR_PLUGIN_VERSION = Worker.CONNECTOR_PLUGIN_VERSION;
    private static final String PLUGIN_VERSION = ".plugin.version";

    private static final String COMMON_GROUP = "Common";

    /**
     * The keys common to every connector (Kafka Connect's ConnectorConfig, the part implemented),
     * with the {@code errors.*} keys (the dead-letter-queue ones for sources too: our extension).
     */
    public static final ConfigDef COMMON = ErrorHandlingConfig.define(new ConfigDef()
            .define(NAME, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyStringWithoutControlChars(),
                    Importance.HIGH, "Globally unique name to use for this connector.",
                    COMMON_GROUP, 1, Width.MEDIUM, "Connector name")
            .define(CONNECTOR_CLASS, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Name or alias of the class for this connector. Must be a subclass of "
                            + "org.apache.kafka.connect.connector.Connector: the full class name, the simple name, "
                            + "or the simple name without \"Connector\".",
                    COMMON_GROUP, 2, Width.LONG, "Connector class")
            .define(TASKS_MAX, Type.INT, 1, ConfigDef.Range.atLeast(1), Importance.HIGH,
                    "Maximum number of tasks to use for this connector.", COMMON_GROUP, 3, Width.SHORT, "Tasks max")
            .define(TASKS_MAX_ENFORCE, Type.BOOLEAN, true, Importance.LOW,
                    "(Deprecated in Kafka Connect) Whether to fail a connector that generates more tasks than tasks.max.",
                    COMMON_GROUP, 3, Width.SHORT, "Enforce tasks max")
            .define(WorkerConfig.KEY_CONVERTER, Type.STRING, null, Importance.LOW,
                    "Converter class for record keys; the worker's when absent.", COMMON_GROUP, 4, Width.SHORT, "Key converter class")
            .define(WorkerConfig.VALUE_CONVERTER, Type.STRING, null, Importance.LOW,
                    "Converter class for record values; the worker's when absent.", COMMON_GROUP, 5, Width.SHORT, "Value converter class")
            .define(WorkerConfig.HEADER_CONVERTER, Type.STRING, null, Importance.LOW,
                    "HeaderConverter class for record headers; the worker's when absent.", COMMON_GROUP, 6, Width.SHORT,
                    "Header converter class")
            .define(CONNECTOR_PLUGIN_VERSION, Type.STRING, null, Importance.MEDIUM,
                    "Version of the connector (KIP-891): a version, or a version range such as [1.0,2.0); the newest "
                            + "installed version when absent.", COMMON_GROUP, 7, Width.SHORT, "Connector version")
            .define(WorkerConfig.KEY_CONVERTER + PLUGIN_VERSION, Type.STRING, null, Importance.LOW,
                    "Version (or version range) of the key converter; the newest when absent.", COMMON_GROUP, 8, Width.SHORT,
                    "Key converter version")
            .define(WorkerConfig.VALUE_CONVERTER + PLUGIN_VERSION, Type.STRING, null, Importance.LOW,
                    "Version (or version range) of the value converter; the newest when absent.", COMMON_GROUP, 9, Width.SHORT,
                    "Value converter version")
            .define(WorkerConfig.HEADER_CONVERTER + PLUGIN_VERSION, Type.STRING, null, Importance.LOW,
                    "Version (or version range) of the header converter; the newest when absent.", COMMON_GROUP, 10, Width.SHORT,
                    "Header converter version")
            .define(TRANSFORMS, Type.LIST, "", Importance.LOW,
                    "Aliases for the transformations to be applied to records, in order.", "Transforms", 1, Width.LONG, "Transforms")
            .define(PREDICATES, Type.LIST, "", Importance.LOW,
                    "Aliases for the predicates used by transformations.", "Predicates", 1, Width.LONG, "Predicates"));

    /** The common keys of a sink connector: {@link #COMMON} and its topics. */
    public static final ConfigDef COMMON_SINK = new ConfigDef(COMMON)
            .define(TOPICS, Type.LIST, "", Importance.HIGH,
                    "List of topics to consume, separated by commas.", COMMON_GROUP, 4, Width.LONG, "Topics")
            .define(TOPICS_REGEX, Type.STRING, "", Importance.HIGH,
                    "Regular expression giving topics to consume.", COMMON_GROUP, 4, Width.LONG, "Topics regex");

    /**
     * The common keys of a source connector: {@link #COMMON} and Kafka Connect's exactly-once and
     * offsets-topic keys ({@link ExactlyOnceSourceKeys}).
     */
    public static final ConfigDef COMMON_SOURCE = ExactlyOnceSourceKeys.define(new ConfigDef(COMMON));

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorValidator.class);

    private final PluginRegistry plugins;
    private final ClientConfigOverridePolicy overridePolicy;
    private final boolean exactlyOnceSource;
    private final boolean clustered;

    public ConnectorValidator(PluginRegistry plugins) {
        this(plugins, ClientConfigOverridePolicy.ALL, false, false);
    }

    /**
     * @param overridePolicy which {@code producer.override.*}, {@code consumer.override.*}, {@code admin.override.*} keys are allowed
     * @param exactlyOnceSource whether the worker has exactly-once source support enabled
     *        ({@link WorkerConfig#exactlyOnceSourceEnabled()})
     * @param clustered whether the worker is clustered ({@link WorkerConfig#clustered()}): only such a worker
     *        gives a source connector its own offsets topic
     */
    public ConnectorValidator(PluginRegistry plugins, ClientConfigOverridePolicy overridePolicy,
                              boolean exactlyOnceSource, boolean clustered) {
        this.plugins = plugins;
        this.overridePolicy = overridePolicy;
        this.exactlyOnceSource = exactlyOnceSource;
        this.clustered = clustered;
    }

    /**
     * Validates {@code config} and returns the connector class.
     *
     * @throws BadRequestException naming every problem, in Kafka Connect's wording
     */
    public Class<? extends Connector> validate(Map<String, String> config) {
        Class<? extends Connector> connectorClass = connectorClass(config);
        ConfigInfos result = validateConfig(config, connectorClass);
        if (result.errorCount() > 0) {
            StringBuilder message = new StringBuilder("Connector configuration is invalid and contains the following ")
                    .append(result.errorCount()).append(" error(s):");
            for (ConfigInfo c : result.configs()) {
                c.value().errors().forEach(e -> message.append('\n').append(e));
            }
            message.append("\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`");
            throw new BadRequestException(message.toString());
        }
        if (exactlyOnceSource && SourceConnector.class.isAssignableFrom(connectorClass)) {
            String ignored = ExactlyOnceSourceKeys.ignoredSetting(config.get(NAME), config);
            if (ignored != null) {
                LOG.warn("{}", ignored);
            }
        }
        return connectorClass;
    }

    /**
     * Kafka Connect's validation result for {@code config}: every common key and every key of the
     * connector, each with its errors. Errors in the config are in the result, not thrown.
     *
     * @throws BadRequestException when {@code connector.class} is missing or names no connector
     */
    public ConfigInfos validateConfig(Map<String, String> config) {
        return validateConfig(config, connectorClass(config));
    }

    /**
     * The config keys of a plugin ({@code GET /connector-plugins/{plugin}/config}): for a connector
     * the common connector keys and its own; for a converter, transformation or predicate its own.
     */
    public List<ConfigKeyInfo> pluginConfig(PluginDesc plugin) {
        List<ConfigKeyInfo> out = new ArrayList<>();
        if (plugin.type().isConnector()) {
            commonDef(plugin.pluginClass()).configKeys().values().forEach(k -> out.add(ConfigKeyInfo.of(k)));
        }
        ConfigDef own;
        try (LoaderSwap s = plugins.swap(plugin.pluginClass())) {
            Object instance = plugins.newPlugin(plugin.pluginClass());
            own = switch (plugin.type()) {
                case SOURCE, SINK -> ((Connector) instance).config();
                case CONVERTER -> ((Converter) instance).config();
                case HEADER_CONVERTER -> ((HeaderConverter) instance).config();
                case TRANSFORMATION -> ((Transformation<?>) instance).config();
                case PREDICATE -> ((Predicate<?>) instance).config();
                case CONFIG_PROVIDER -> throw new NotFoundException("Unknown plugin " + plugin.className() + ".");
            };
        }
        if (own != null) {
            Set<String> seen = new LinkedHashSet<>();
            out.forEach(k -> seen.add(k.name()));
            own.configKeys().values().stream().filter(k -> seen.add(k.name)).forEach(k -> out.add(ConfigKeyInfo.of(k)));
        }
        return out;
    }

    private Class<? extends Connector> connectorClass(Map<String, String> config) {
        String className = config.get(CONNECTOR_CLASS);
        if (className == null || className.isBlank()) {
            throw new BadRequestException("Connector config " + masked(config) + " contains no connector type");
        }
        try {
            return plugins.connectorClass(className, config.get(CONNECTOR_PLUGIN_VERSION));
        } catch (PluginRegistry.PluginNotFoundException e) {
            throw new BadRequestException(e.getMessage());
        }
    }

    /** The config for a message: values of keys that look secret are shown as [hidden]. */
    static Map<String, String> masked(Map<String, String> config) {
        Map<String, String> out = new TreeMap<>();
        config.forEach((k, v) -> out.put(k, k.toLowerCase(Locale.ROOT).matches(".*(password|secret|credential|token).*")
                ? "[hidden]" : v));
        return out;
    }

    private static ConfigDef commonDef(Class<?> connectorClass) {
        if (SinkConnector.class.isAssignableFrom(connectorClass)) {
            return COMMON_SINK;
        }
        return SourceConnector.class.isAssignableFrom(connectorClass) ? COMMON_SOURCE : COMMON;
    }

    private ConfigInfos validateConfig(Map<String, String> config, Class<? extends Connector> connectorClass) {
        ConfigDef common = commonDef(connectorClass);
        Map<String, ConfigValue> commonValues = common.validateAll(config);
        checkConverter(config, WorkerConfig.KEY_CONVERTER, commonValues, true);
        checkConverter(config, WorkerConfig.VALUE_CONVERTER, commonValues, true);
        checkConverter(config, WorkerConfig.HEADER_CONVERTER, commonValues, false);
        if (common == COMMON_SINK) {
            checkSinkTopics(config, commonValues.get(TOPICS), commonValues.get(TOPICS_REGEX));
        }
        if (common == COMMON_SOURCE) {
            ExactlyOnceSourceKeys.refuseUnsupported(config, commonValues, exactlyOnceSource, clustered);
        }
        TransformChain.validate(plugins, config).forEach(commonValues.get(TRANSFORMS)::addErrorMessage);
        List<String> topicCreationErrors = SourceConnector.class.isAssignableFrom(connectorClass)
                ? TopicCreation.validate(config) : List.of();

        Map<String, ConfigInfo> out = new LinkedHashMap<>();
        Set<String> groups = new LinkedHashSet<>();
        for (ConfigDef.ConfigKey key : common.configKeys().values()) {
            out.put(key.name, new ConfigInfo(ConfigKeyInfo.of(key), valueInfo(commonValues.get(key.name), key.type)));
            if (key.group != null) {
                groups.add(key.group);
            }
        }

        ConfigDef own = null;
        List<ConfigValue> ownValues = List.of();
        try (LoaderSwap s = plugins.swap(connectorClass)) {
            Connector connector = PluginRegistry.newInstance(connectorClass);
            if (connector instanceof SourceConnector source) {
                // Kafka Connect's preflight checks, before the connector's own validate()
                ExactlyOnceSourceKeys.checkConnector(config, commonValues, source);
                for (String key : List.of(ExactlyOnceSourceKeys.EXACTLY_ONCE_SUPPORT, ExactlyOnceSourceKeys.TRANSACTION_BOUNDARY)) {
                    ConfigDef.ConfigKey k = common.configKeys().get(key);
                    out.put(key, new ConfigInfo(ConfigKeyInfo.of(k), valueInfo(commonValues.get(key), k.type)));
                }
            }
            own = connector.config();
            Config result = connector.validate(config);
            if (result != null && result.configValues() != null) {
                ownValues = result.configValues();
            }
        } catch (RuntimeException e) {
            ConfigValue cls = commonValues.get(CONNECTOR_CLASS);
            cls.addErrorMessage("The connector's validate() failed: " + e);
            out.put(CONNECTOR_CLASS, new ConfigInfo(out.get(CONNECTOR_CLASS).definition(), valueInfo(cls, Type.STRING)));
        }
        Map<String, ConfigDef.ConfigKey> ownKeys = own == null ? Map.of() : own.configKeys();
        for (ConfigDef.ConfigKey key : ownKeys.values()) {
            if (key.group != null) {
                groups.add(key.group);
            }
        }
        for (ConfigValue v : ownValues) {
            ConfigInfo existing = out.get(v.name());
            ConfigDef.ConfigKey key = ownKeys.get(v.name());
            if (existing != null) {
                // a common key the connector also validates: one entry, both sets of errors
                if (!v.errorMessages().isEmpty()) {
                    List<String> errors = new ArrayList<>(existing.value().errors());
                    v.errorMessages().stream().filter(e -> !errors.contains(e)).forEach(errors::add);
                    ConfigValueInfo old = existing.value();
                    out.put(v.name(), new ConfigInfo(existing.definition(),
                            new ConfigValueInfo(old.name(), old.value(), old.recommendedValues(), errors, old.visible())));
                }
                continue;
            }
            out.put(v.name(), new ConfigInfo(key == null ? null : ConfigKeyInfo.of(key), valueInfo(v, key == null ? null : key.type)));
        }
        // client overrides the worker's connector.client.config.override.policy forbids, as Kafka Connect reports them
        overridePolicy.violations(config).forEach((key, error) -> out.put(key, new ConfigInfo(null,
                new ConfigValueInfo(key, masked(Map.of(key, config.get(key))).get(key), List.of(), List.of(error), true))));
        if (!topicCreationErrors.isEmpty()) {
            ConfigValue creation = new ConfigValue(TopicCreation.GROUPS, config.get(TopicCreation.GROUPS), List.of(), topicCreationErrors);
            out.put(TopicCreation.GROUPS, new ConfigInfo(null, valueInfo(creation, Type.LIST)));
        }
        List<ConfigInfo> configs = List.copyOf(out.values());
        int errorCount = configs.stream().mapToInt(c -> c.value().errors().size()).sum();
        return new ConfigInfos(connectorClass.getName(), errorCount, List.copyOf(groups), configs);
    }

    private static ConfigValueInfo valueInfo(ConfigValue v, Type type) {
        List<String> recommended = new ArrayList<>();
        for (Object r : v.recommendedValues()) {
            recommended.add(type == null ? String.valueOf(r) : ConfigDef.convertToString(r, type));
        }
        String value;
        if (v.value() == null) {
            value = null;
        } else if (type == null) {
            value = v.value() instanceof Password ? "[hidden]" : String.valueOf(v.value());
        } else {
            value = ConfigDef.convertToString(v.value(), type);
        }
        return new ConfigValueInfo(v.name(), value, recommended, List.copyOf(v.errorMessages()), v.visible());
    }

    private void checkConverter(Map<String, String> config, String key, Map<String, ConfigValue> values, boolean valueConverter) {
        String name = config.get(key);
        if (name == null || name.isBlank()) {
            return;
        }
        String version = config.get(key + PLUGIN_VERSION);
        try {
            if (valueConverter) {
                plugins.converterClass(name, version);
            } else {
                plugins.headerConverterClass(name, version);
            }
        } catch (PluginRegistry.VersionNotFoundException e) {
            values.get(key + PLUGIN_VERSION).addErrorMessage("Invalid value " + version + " for configuration " + key
                    + PLUGIN_VERSION + ": " + e.getMessage());
        } catch (PluginRegistry.PluginNotFoundException e) {
            values.get(key).addErrorMessage("Invalid value " + name + " for configuration " + key + ": " + e.getMessage());
        }
    }

    private static void checkSinkTopics(Map<String, String> config, ConfigValue topicsValue, ConfigValue regexValue) {
        String topics = config.getOrDefault(TOPICS, "").trim();
        String regex = config.getOrDefault(TOPICS_REGEX, "").trim();
        if (!topics.isEmpty() && !regex.isEmpty()) {
            topicsValue.addErrorMessage("topics and topics.regex are mutually exclusive options, but both are set.");
        } else if (topics.isEmpty() && regex.isEmpty()) {
            topicsValue.addErrorMessage("Must configure one of topics or topics.regex");
        }
        if (!regex.isEmpty()) {
            try {
                Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                regexValue.addErrorMessage("Invalid value " + regex + " for configuration topics.regex: " + e.getDescription());
            }
        }
    }
}
