package io.connectreactive.herder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.plugin.PluginRegistry;
import io.connectreactive.runtime.glue.TransformChain;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Validates a connector config as Kafka Connect's herder does before accepting it: the common
 * connector keys, the converters it names, the sink's topics, then the connector's own
 * {@code validate()}. Instantiates the connector, so call it off the event loop.
 */
public final class ConnectorValidator {

    public static final String NAME = "name";
    public static final String CONNECTOR_CLASS = "connector.class";
    public static final String TASKS_MAX = "tasks.max";

    /** The keys common to every connector (Kafka Connect's ConnectorConfig, the part implemented). */
    public static final ConfigDef COMMON = new ConfigDef()
            .define(NAME, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyStringWithoutControlChars(),
                    Importance.HIGH, "Globally unique name to use for this connector.")
            .define(CONNECTOR_CLASS, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Name or alias of the class for this connector.")
            .define(TASKS_MAX, Type.INT, 1, ConfigDef.Range.atLeast(1), Importance.HIGH,
                    "Maximum number of tasks to use for this connector.")
            .define(WorkerConfig.KEY_CONVERTER, Type.STRING, null, Importance.LOW, "Key converter; the worker's when absent.")
            .define(WorkerConfig.VALUE_CONVERTER, Type.STRING, null, Importance.LOW, "Value converter; the worker's when absent.")
            .define(WorkerConfig.HEADER_CONVERTER, Type.STRING, null, Importance.LOW, "Header converter; the worker's when absent.");

    private final PluginRegistry plugins;

    public ConnectorValidator(PluginRegistry plugins) {
        this.plugins = plugins;
    }

    /**
     * Validates {@code config} and returns the connector class.
     *
     * @throws BadRequestException naming every problem, in Kafka Connect's wording
     */
    public Class<? extends Connector> validate(Map<String, String> config) {
        String className = config.get(CONNECTOR_CLASS);
        if (className == null || className.isBlank()) {
            throw new BadRequestException("Connector config " + masked(config) + " contains no connector type");
        }
        Class<? extends Connector> connectorClass;
        try {
            connectorClass = plugins.connectorClass(className);
        } catch (PluginRegistry.PluginNotFoundException e) {
            throw new BadRequestException(e.getMessage());
        }
        List<String> errors = new ArrayList<>();
        for (ConfigValue v : COMMON.validate(config)) {
            errors.addAll(v.errorMessages());
        }
        checkConverter(config, WorkerConfig.KEY_CONVERTER, errors, true);
        checkConverter(config, WorkerConfig.VALUE_CONVERTER, errors, true);
        checkConverter(config, WorkerConfig.HEADER_CONVERTER, errors, false);
        if (SinkConnector.class.isAssignableFrom(connectorClass)) {
            checkSinkTopics(config, errors);
        }
        errors.addAll(TransformChain.validate(plugins, config));
        if (org.apache.kafka.connect.source.SourceConnector.class.isAssignableFrom(connectorClass)) {
            errors.addAll(io.connectreactive.kafka.TopicCreation.validate(config));
        }
        Connector connector = PluginRegistry.newInstance(connectorClass);
        try {
            Config result = connector.validate(config);
            if (result != null) {
                for (ConfigValue v : result.configValues()) {
                    errors.addAll(v.errorMessages());
                }
            }
        } catch (RuntimeException e) {
            errors.add("The connector's validate() failed: " + e);
        }
        if (!errors.isEmpty()) {
            StringBuilder message = new StringBuilder("Connector configuration is invalid and contains the following ")
                    .append(errors.size()).append(" error(s):");
            errors.forEach(e -> message.append('\n').append(e));
            message.append("\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`");
            throw new BadRequestException(message.toString());
        }
        return connectorClass;
    }

    /** The config for a message: values of keys that look secret are shown as [hidden]. */
    static Map<String, String> masked(Map<String, String> config) {
        Map<String, String> out = new java.util.TreeMap<>();
        config.forEach((k, v) -> out.put(k, k.toLowerCase(java.util.Locale.ROOT).matches(".*(password|secret|credential|token).*")
                ? "[hidden]" : v));
        return out;
    }

    private void checkConverter(Map<String, String> config, String key, List<String> errors, boolean valueConverter) {
        String name = config.get(key);
        if (name == null || name.isBlank()) {
            return;
        }
        try {
            if (valueConverter) {
                plugins.converterClass(name);
            } else {
                plugins.headerConverterClass(name);
            }
        } catch (PluginRegistry.PluginNotFoundException e) {
            errors.add("Invalid value " + name + " for configuration " + key + ": " + e.getMessage());
        }
    }

    private static void checkSinkTopics(Map<String, String> config, List<String> errors) {
        String topics = config.getOrDefault("topics", "").trim();
        String regex = config.getOrDefault("topics.regex", "").trim();
        if (!topics.isEmpty() && !regex.isEmpty()) {
            errors.add("topics and topics.regex are mutually exclusive options, but both are set.");
        } else if (topics.isEmpty() && regex.isEmpty()) {
            errors.add("Must configure one of topics or topics.regex");
        }
        if (!regex.isEmpty()) {
            try {
                Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                errors.add("Invalid value " + regex + " for configuration topics.regex: " + e.getDescription());
            }
        }
    }
}
