package io.connectreactive.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

import io.connectreactive.plugin.PluginRegistry;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigTransformer;
import org.apache.kafka.common.config.provider.ConfigProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's config providers ({@code config.providers}, {@code config.providers.<alias>.class},
 * {@code config.providers.<alias>.param.<key>}), e.g. Kafka's FileConfigProvider,
 * DirectoryConfigProvider and EnvVarConfigProvider. {@link #resolve} replaces
 * {@code ${alias:path:key}} placeholders before a connector or task sees its config; the stored
 * config, and so REST, keeps the placeholders.
 *
 * <p>Providers may read files: call {@link #resolve} off the event loop. Thread-safe as far as the
 * providers are (Kafka's are).
 */
public final class ConfigProviders implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigProviders.class);
    public static final String CONFIG_PROVIDERS = "config.providers";

    private final Map<String, ConfigProvider> providers;
    private final ConfigTransformer transformer;

    private ConfigProviders(Map<String, ConfigProvider> providers) {
        this.providers = providers;
        this.transformer = new ConfigTransformer(providers);
    }

    /**
     * Creates and configures the providers the worker config lists.
     *
     * @throws ConfigException naming the key when a provider is missing or cannot be created
     */
    public static ConfigProviders create(WorkerConfig worker, PluginRegistry plugins) {
        Map<String, ConfigProvider> providers = new HashMap<>();
        String list = worker.rawConfig().getOrDefault(CONFIG_PROVIDERS, "");
        for (String raw : list.split(",")) {
            String alias = raw.trim();
            if (alias.isEmpty()) {
                continue;
            }
            String classKey = CONFIG_PROVIDERS + "." + alias + ".class";
            String className = worker.rawConfig().get(classKey);
            if (className == null || className.isBlank()) {
                throw new ConfigException(classKey, null, "config provider " + alias + " has no class");
            }
            try {
                Class<? extends ConfigProvider> type = plugins.configProviderClass(className.trim());
                ConfigProvider provider = plugins.newPlugin(type);
                try (var s = plugins.swap(type)) {
                    provider.configure(worker.withPrefix(CONFIG_PROVIDERS + "." + alias + ".param."));
                }
                providers.put(alias, provider);
            } catch (RuntimeException e) {
                throw new ConfigException(classKey, className, e.getMessage());
            }
        }
        return new ConfigProviders(providers);
    }

    /** No providers: configs are used as written. */
    public static ConfigProviders none() {
        return new ConfigProviders(Map.of());
    }

    /** {@code config} with every {@code ${alias:path:key}} of a known provider replaced by its value. */
    public Map<String, String> resolve(Map<String, String> config) {
        if (providers.isEmpty() || config.values().stream().noneMatch(v -> v != null && v.contains("${"))) {
            return config;
        }
        return transformer.transform(config).data();
    }

    /**
     * Task configs with resolved values put back as the placeholders of the connector config they
     * came from (Kafka Connect's reverse transform), so stored task configs hold no secrets.
     */
    public List<Map<String, String>> unresolve(Map<String, String> rawConnectorConfig, List<Map<String, String>> taskConfigs) {
        Map<String, String> placeholders = new HashMap<>();
        rawConnectorConfig.forEach((k, v) -> {
            if (v != null) {
                Matcher m = ConfigTransformer.DEFAULT_PATTERN.matcher(v);
                if (m.find()) {
                    placeholders.put(k, v);
                }
            }
        });
        if (placeholders.isEmpty()) {
            return taskConfigs;
        }
        Map<String, String> resolved = resolve(placeholders);
        List<Map<String, String>> out = new ArrayList<>();
        for (Map<String, String> task : taskConfigs) {
            Map<String, String> copy = new HashMap<>(task);
            placeholders.forEach((k, raw) -> {
                if (copy.containsKey(k) && copy.get(k) != null && copy.get(k).equals(resolved.get(k))) {
                    copy.put(k, raw);
                }
            });
            out.add(copy);
        }
        return out;
    }

    @Override
    public void close() {
        providers.forEach((alias, p) -> {
            try {
                p.close();
            } catch (Exception e) {
                LOG.warn("Closing config provider {} failed: {}", alias, e.toString());
            }
        });
    }
}
