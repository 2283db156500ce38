package io.connectreactive.plugin;

import java.util.Locale;

/**
 * Kafka Connect's {@code plugin.discovery} (KIP-898): how the plugins of {@code plugin.path} are found.
 * The scanning modes read every class of every plugin (and its manifests); {@link #SERVICE_LOAD}
 * reads only {@code META-INF/services} manifests, which is faster but misses plugins without them.
 * The hybrid modes scan and also check that every plugin they found is listed in a manifest:
 * {@link #HYBRID_WARN} logs those that are not, {@link #HYBRID_FAIL} refuses to start.
 */
public enum PluginDiscovery {
    ONLY_SCAN, HYBRID_WARN, HYBRID_FAIL, SERVICE_LOAD;

    /** Kafka Connect's default. */
    public static final PluginDiscovery DEFAULT = HYBRID_WARN;

    boolean scans() {
        return this != SERVICE_LOAD;
    }

    boolean readsManifests() {
        return this != ONLY_SCAN;
    }

    /** The setting as written in a worker config ({@code hybrid_warn}). */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a worker config value, case-insensitively. */
    public static PluginDiscovery of(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
}
