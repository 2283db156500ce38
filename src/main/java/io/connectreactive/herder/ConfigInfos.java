package io.connectreactive.herder;

import java.util.List;

import org.apache.kafka.common.config.ConfigDef;

/**
 * Kafka Connect's validation result ({@code PUT /connector-plugins/{plugin}/config/validate}): every
 * config key of the connector, common ones first, with its definition and its validated value.
 *
 * @param name the connector class
 * @param errorCount the number of error messages over all values
 * @param groups the config groups, in order of first appearance
 * @param configs one entry per key
 */
public record ConfigInfos(String name, int errorCount, List<String> groups, List<ConfigInfo> configs) {

    /** One key: its definition (null when the connector reported a value for a key it does not define) and value. */
    public record ConfigInfo(ConfigKeyInfo definition, ConfigValueInfo value) {
    }

    /** Kafka Connect's ConfigKeyInfo: a ConfigDef key as the REST API shows it. */
    public record ConfigKeyInfo(String name, String type, boolean required, String defaultValue, String importance,
                                String documentation, String group, int orderInGroup, String width, String displayName,
                                List<String> dependents) {

        /** The REST view of a ConfigDef key; the default is rendered as ConfigDef renders values. */
        public static ConfigKeyInfo of(ConfigDef.ConfigKey key) {
            boolean hasDefault = key.hasDefault();
            return new ConfigKeyInfo(key.name, key.type.name(), !hasDefault,
                    hasDefault ? ConfigDef.convertToString(key.defaultValue, key.type) : null,
                    key.importance == null ? null : key.importance.name(), key.documentation, key.group, key.orderInGroup,
                    key.width == null ? null : key.width.name(), key.displayName,
                    key.dependents == null ? List.of() : List.copyOf(key.dependents));
        }
    }

    /** Kafka Connect's ConfigValueInfo: the value as given (passwords hidden), recommendations and errors. */
    public record ConfigValueInfo(String name, String value, List<String> recommendedValues, List<String> errors,
                                  boolean visible) {
    }
}
