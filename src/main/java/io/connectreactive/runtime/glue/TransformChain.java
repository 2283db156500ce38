package io.connectreactive.runtime.glue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.connectreactive.plugin.LoaderSwap;
import io.connectreactive.plugin.PluginRegistry;
import io.connectreactive.runtime.errors.ErrorHandler;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connector's single message transforms, applied in the order of {@code transforms}, each only
 * when its predicate (if any) matches — or does not, with {@code negate=true} — as Kafka Connect
 * does. Keys: {@code transforms}, {@code transforms.<alias>.type}, {@code .predicate},
 * {@code .negate} and the transform's own settings under {@code transforms.<alias>.};
 * {@code predicates}, {@code predicates.<alias>.type} and their settings.
 *
 * <p>One instance per task, used on that task's context. An empty chain costs nothing per record.
 *
 * @param <R> SourceRecord or SinkRecord
 */
public final class TransformChain<R extends ConnectRecord<R>> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TransformChain.class);

    private final List<Stage<R>> stages;
    private final List<Predicate<R>> predicates;

    private TransformChain(List<Stage<R>> stages, List<Predicate<R>> predicates) {
        this.stages = stages;
        this.predicates = predicates;
    }

    /** A chain that passes records through. */
    public static <R extends ConnectRecord<R>> TransformChain<R> empty() {
        return new TransformChain<>(List.of(), List.of());
    }

    /**
     * Builds and configures the transforms and predicates a connector config names.
     *
     * @throws ConnectException when the config is invalid (see {@link #validate})
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <R extends ConnectRecord<R>> TransformChain<R> create(PluginRegistry plugins, Map<String, String> config) {
        List<String> errors = validate(plugins, config);
        if (!errors.isEmpty()) {
            throw new ConnectException("Invalid transforms: " + String.join("; ", errors));
        }
        Map<String, Predicate<R>> byAlias = new HashMap<>();
        List<Predicate<R>> predicates = new ArrayList<>();
        for (String alias : aliases(config, "predicates")) {
            Class<? extends Predicate> type = plugins.predicateClass(config.get("predicates." + alias + ".type"),
                    config.get("predicates." + alias + ".plugin.version"));
            Predicate<R> p = plugins.newPlugin(type);
            try (LoaderSwap s = plugins.swap(type)) {
                p.configure(withPrefix(config, "predicates." + alias + "."));
            }
            byAlias.put(alias, p);
            predicates.add(p);
        }
        List<Stage<R>> stages = new ArrayList<>();
        for (String alias : aliases(config, "transforms")) {
            String prefix = "transforms." + alias + ".";
            Class<? extends Transformation> type = plugins.transformationClass(config.get(prefix + "type"),
                    config.get(prefix + "plugin.version"));
            Transformation<R> t = plugins.newPlugin(type);
            try (LoaderSwap s = plugins.swap(type)) {
                t.configure(withPrefix(config, prefix));
            }
            String predicate = config.get(prefix + "predicate");
            boolean negate = Boolean.parseBoolean(config.getOrDefault(prefix + "negate", "false").trim());
            stages.add(new Stage<>(t, predicate == null || predicate.isBlank() ? null : byAlias.get(predicate.trim()), negate,
                    type.getClassLoader()));
        }
        return new TransformChain<>(stages, predicates);
    }

    /**
     * The problems of the transforms and predicates a config names, in words close to Kafka
     * Connect's; empty when they are valid. Instantiates the plugins to validate their settings.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static List<String> validate(PluginRegistry plugins, Map<String, String> config) {
        List<String> errors = new ArrayList<>();
        Set<String> predicateAliases = aliases(config, "predicates");
        for (String alias : predicateAliases) {
            checkPlugin(plugins, config, "predicates." + alias + ".", false, errors);
        }
        for (String alias : aliases(config, "transforms")) {
            String prefix = "transforms." + alias + ".";
            checkPlugin(plugins, config, prefix, true, errors);
            String predicate = config.get(prefix + "predicate");
            String negate = config.get(prefix + "negate");
            if (predicate != null && !predicate.isBlank() && !predicateAliases.contains(predicate.trim())) {
                errors.add("Invalid value " + predicate + " for configuration " + prefix + "predicate: "
                        + "the predicate alias is not listed in predicates");
            }
            if (negate != null && !negate.isBlank()) {
                if (!"true".equalsIgnoreCase(negate.trim()) && !"false".equalsIgnoreCase(negate.trim())) {
                    errors.add("Invalid value " + negate + " for configuration " + prefix + "negate: Expected value to be either true or false");
                } else if (predicate == null || predicate.isBlank()) {
                    errors.add("Invalid value " + negate + " for configuration " + prefix + "negate: "
                            + "negate can only be used together with a predicate");
                }
            }
        }
        return errors;
    }

    private static void checkPlugin(PluginRegistry plugins, Map<String, String> config, String prefix, boolean transformation,
                                    List<String> errors) {
        String type = config.get(prefix + "type");
        if (type == null || type.isBlank()) {
            errors.add("Missing required configuration \"" + prefix + "type\" which has no default value.");
            return;
        }
        Object plugin;
        try {
            String version = config.get(prefix + "plugin.version");
            plugin = plugins.newPlugin(transformation ? plugins.transformationClass(type.trim(), version)
                    : plugins.predicateClass(type.trim(), version));
        } catch (RuntimeException e) {
            errors.add("Invalid value " + type + " for configuration " + prefix + "type: " + e.getMessage());
            return;
        }
        try (LoaderSwap s = plugins.swap(plugin.getClass())) {
            ConfigDef def = plugin instanceof Transformation<?> t ? t.config() : ((Predicate<?>) plugin).config();
            if (def != null) {
                for (ConfigValue v : def.validate(withPrefix(config, prefix))) {
                    v.errorMessages().forEach(m -> errors.add(prefix + v.name() + ": " + m));
                }
            }
        } catch (RuntimeException e) {
            errors.add("Invalid configuration of " + prefix + "type " + type + ": " + e.getMessage());
        } finally {
            closeQuietly(plugin);
        }
    }

    /** Applies every stage in order; null when a stage dropped the record. Errors propagate as they are. */
    public R apply(R record) {
        return apply(record, ErrorHandler.DIRECT);
    }

    /**
     * Applies every stage in order, each transformation with its predicate as one TRANSFORMATION
     * stage of {@code guard}; null when a stage dropped the record.
     */
    public R apply(R record, ErrorHandler.Guard guard) {
        R current = record;
        for (int i = 0; i < stages.size() && current != null; i++) {
            Stage<R> s = stages.get(i);
            R in = current;
            current = guard.run(io.connectreactive.runtime.errors.Stage.TRANSFORMATION, s.transform.getClass(), () -> {
                try (LoaderSwap swap = LoaderSwap.to(s.loader)) {
                    return s.predicate == null || s.predicate.test(in) != s.negate ? s.transform.apply(in) : in;
                }
            });
        }
        return current;
    }

    public boolean isEmpty() {
        return stages.isEmpty();
    }

    @Override
    public void close() {
        stages.forEach(s -> closeQuietly(s.transform));
        predicates.forEach(TransformChain::closeQuietly);
    }

    private static void closeQuietly(Object plugin) {
        try {
            if (plugin instanceof AutoCloseable c) {
                c.close();
            }
        } catch (Exception e) {
            LOG.warn("Closing {} failed: {}", plugin.getClass().getName(), e.toString());
        }
    }

    private static Set<String> aliases(Map<String, String> config, String key) {
        Set<String> out = new LinkedHashSet<>();
        String list = config.get(key);
        if (list != null) {
            for (String a : list.split(",")) {
                if (!a.isBlank()) {
                    out.add(a.trim());
                }
            }
        }
        return out;
    }

    private static Map<String, String> withPrefix(Map<String, String> config, String prefix) {
        Map<String, String> out = new HashMap<>();
        config.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    private record Stage<R extends ConnectRecord<R>>(Transformation<R> transform, Predicate<R> predicate, boolean negate,
                                                     ClassLoader loader) {
    }
}
