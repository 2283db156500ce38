package io.connectreactive.kafka;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.kafka.common.config.ConfigException;

/**
 * Which Kafka client settings a connector may override with {@code producer.override.*},
 * {@code consumer.override.*} and {@code admin.override.*}: the worker's
 * {@code connector.client.config.override.policy}, with Kafka Connect's three policies and their
 * names ({@code All}, the default since Kafka 3.0; {@code None}; {@code Principal}: only
 * {@code sasl.jaas.config}, {@code sasl.mechanism} and {@code security.protocol}). Kafka Connect's
 * class names of these policies are accepted too. Immutable; used by validation (off the event loop)
 * and by tasks as they start.
 */
public enum ClientConfigOverridePolicy {
    NONE("None"),
    PRINCIPAL("Principal"),
    ALL("All");

    public static final String PRODUCER_OVERRIDE = "producer.override.";
    public static final String CONSUMER_OVERRIDE = "consumer.override.";
    public static final String ADMIN_OVERRIDE = "admin.override.";
    private static final List<String> PREFIXES = List.of(PRODUCER_OVERRIDE, CONSUMER_OVERRIDE, ADMIN_OVERRIDE);
    private static final Set<String> PRINCIPAL_KEYS = Set.of("sasl.jaas.config", "sasl.mechanism", "security.protocol");
    private static final String KAFKA_PACKAGE = "org.apache.kafka.connect.connector.policy.";

    private final String displayName;

    ClientConfigOverridePolicy(String displayName) {
        this.displayName = displayName;
    }

    /** Kafka Connect's name of the policy: None, Principal or All. */
    public String displayName() {
        return displayName;
    }

    /**
     * The policy a worker config names: {@code All}, {@code None}, {@code Principal} (any case), or
     * Kafka Connect's class name ({@code org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy}...).
     *
     * @throws ConfigException for anything else
     */
    public static ClientConfigOverridePolicy of(String key, String value) {
        String v = value == null ? "" : value.trim();
        if (v.startsWith(KAFKA_PACKAGE)) {
            v = v.substring(KAFKA_PACKAGE.length());
        }
        if (v.endsWith("ConnectorClientConfigOverridePolicy")) {
            v = v.substring(0, v.length() - "ConnectorClientConfigOverridePolicy".length());
        }
        for (ClientConfigOverridePolicy p : values()) {
            if (p.displayName.equalsIgnoreCase(v)) {
                return p;
            }
        }
        throw new ConfigException(key, value, "expected All, None or Principal");
    }

    /** Whether this policy lets a connector override the client setting {@code clientKey} (without prefix). */
    public boolean allows(String clientKey) {
        return switch (this) {
            case ALL -> true;
            case NONE -> false;
            case PRINCIPAL -> PRINCIPAL_KEYS.contains(clientKey.toLowerCase(Locale.ROOT));
        };
    }

    /**
     * The override keys of {@code connectorConfig} this policy forbids, each (full key, with prefix)
     * with Kafka Connect's error message, in key order; empty when all are allowed.
     */
    public Map<String, String> violations(Map<String, String> connectorConfig) {
        Map<String, String> sorted = new TreeMap<>();
        for (String prefix : PREFIXES) {
            sorted.putAll(violations(connectorConfig, prefix));
        }
        return new LinkedHashMap<>(sorted);
    }

    /** As {@link #violations(Map)}, for the overrides under one prefix ({@link #PRODUCER_OVERRIDE}, ...). */
    public Map<String, String> violations(Map<String, String> connectorConfig, String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : new TreeSet<>(connectorConfig.keySet())) {
            if (key.startsWith(prefix) && key.length() > prefix.length()) {
                String clientKey = key.substring(prefix.length());
                if (!allows(clientKey)) {
                    out.put(key, "The '" + displayName + "' policy does not allow '" + clientKey
                            + "' to be overridden in the connector configuration.");
                }
            }
        }
        return out;
    }

    /** The settings under {@code prefix} in a connector config, prefix removed. */
    public static Map<String, String> overrides(Map<String, String> connectorConfig, String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        connectorConfig.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }
}
