package io.connectreactive.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.vertx.core.Context;
import io.vertx.core.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topic creation by source connectors (KIP-158): {@code topic.creation.groups},
 * {@code topic.creation.default.replication.factor} and {@code .partitions}, and per group
 * {@code .include}, {@code .exclude} (lists of regexes), {@code .replication.factor},
 * {@code .partitions} and any topic-level setting (e.g. {@code topic.creation.compacted.cleanup.policy}).
 * A topic goes to the first listed group whose include matches and exclude does not, else to the
 * default group. Active only when the worker's {@code topic.creation.enable} is true and the
 * connector sets {@code topic.creation.default.*}; otherwise the brokers' auto-creation applies.
 *
 * <p>{@link #ensure} is called on a task's context; it never blocks (Admin's futures hop back).
 */
public final class TopicCreation {

    private static final Logger LOG = LoggerFactory.getLogger(TopicCreation.class);
    public static final String PREFIX = "topic.creation.";
    public static final String GROUPS = PREFIX + "groups";
    public static final String DEFAULT = "default";
    private static final Set<String> GROUP_KEYS = Set.of("include", "exclude", "replication.factor", "partitions");

    private final Admin admin;
    private final List<Group> groups;
    private final Group defaultGroup;

    private TopicCreation(Admin admin, List<Group> groups, Group defaultGroup) {
        this.admin = admin;
        this.groups = groups;
        this.defaultGroup = defaultGroup;
    }

    /** Whether a source connector config asks for topic creation. */
    public static boolean requested(Map<String, String> config) {
        return config.keySet().stream().anyMatch(k -> k.startsWith(PREFIX));
    }

    /**
     * The topic creation of a connector, or null when it has none (the worker disables it, or the
     * connector sets no {@code topic.creation.*}).
     */
    public static TopicCreation of(Admin admin, boolean workerEnabled, Map<String, String> config) {
        if (!workerEnabled || !requested(config)) {
            return null;
        }
        List<String> errors = validate(config);
        if (!errors.isEmpty()) {
            throw new ConnectException(String.join("; ", errors));
        }
        Group def = group(config, DEFAULT, null);
        List<Group> groups = new ArrayList<>();
        for (String name : groupNames(config)) {
            groups.add(group(config, name, def));
        }
        return new TopicCreation(admin, groups, def);
    }

    /** Problems of a connector's {@code topic.creation.*} settings, in Kafka Connect's words. */
    public static List<String> validate(Map<String, String> config) {
        List<String> errors = new ArrayList<>();
        if (!requested(config)) {
            return errors;
        }
        for (String key : List.of("replication.factor", "partitions")) {
            String full = PREFIX + DEFAULT + "." + key;
            if (config.get(full) == null || config.get(full).isBlank()) {
                errors.add("Missing required configuration \"" + full + "\" which has no default value.");
            }
        }
        Set<String> names = new LinkedHashSet<>(groupNames(config));
        names.add(DEFAULT);
        for (String name : names) {
            checkNumber(config, PREFIX + name + ".replication.factor", errors);
            checkNumber(config, PREFIX + name + ".partitions", errors);
            for (String list : List.of("include", "exclude")) {
                for (String regex : split(config.get(PREFIX + name + "." + list))) {
                    try {
                        Pattern.compile(regex);
                    } catch (PatternSyntaxException e) {
                        errors.add("Invalid value " + regex + " for configuration " + PREFIX + name + "." + list
                                + ": " + e.getDescription());
                    }
                }
            }
        }
        return errors;
    }

    /**
     * Creates {@code topic} with the settings of its group unless it exists. The future completes
     * on {@code context}.
     */
    public Future<Void> ensure(String topic, Context context) {
        Group g = groups.stream().filter(x -> x.matches(topic)).findFirst().orElse(defaultGroup);
        NewTopic newTopic = new NewTopic(topic, g.partitions == -1 ? Optional.empty() : Optional.of(g.partitions),
                g.replicationFactor == -1 ? Optional.empty() : Optional.of(g.replicationFactor)).configs(g.topicConfigs);
        return KafkaFutures.of(admin.createTopics(List.of(newTopic)).all(), context)
                .onSuccess(v -> LOG.info("Created topic {} (group {}, partitions {}, replication factor {}, {})",
                        topic, g.name, g.partitions, g.replicationFactor, g.topicConfigs))
                .recover(err -> err instanceof TopicExistsException ? Future.succeededFuture() : Future.failedFuture(err));
    }

    private static Group group(Map<String, String> config, String name, Group def) {
        String p = PREFIX + name + ".";
        short rf = number(config.get(p + "replication.factor"), def == null ? -1 : def.replicationFactor).shortValue();
        int partitions = number(config.get(p + "partitions"), def == null ? -1 : def.partitions).intValue();
        List<Pattern> include = new ArrayList<>();
        split(config.get(p + "include")).forEach(r -> include.add(Pattern.compile(r)));
        if (DEFAULT.equals(name) && include.isEmpty()) {
            include.add(Pattern.compile(".*"));
        }
        List<Pattern> exclude = new ArrayList<>();
        split(config.get(p + "exclude")).forEach(r -> exclude.add(Pattern.compile(r)));
        Map<String, String> topicConfigs = new HashMap<>();
        if (def != null) {
            topicConfigs.putAll(def.topicConfigs);
        }
        config.forEach((k, v) -> {
            if (k.startsWith(p) && !GROUP_KEYS.contains(k.substring(p.length()))) {
                topicConfigs.put(k.substring(p.length()), v);
            }
        });
        return new Group(name, include, exclude, rf, partitions, topicConfigs);
    }

    private static List<String> groupNames(Map<String, String> config) {
        List<String> out = new ArrayList<>();
        for (String g : split(config.get(GROUPS))) {
            if (!DEFAULT.equals(g)) {
                out.add(g);
            }
        }
        return out;
    }

    private static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        if (list != null) {
            for (String s : list.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    private static void checkNumber(Map<String, String> config, String key, List<String> errors) {
        String v = config.get(key);
        if (v == null || v.isBlank()) {
            return;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n == 0 || n < -1) {
                errors.add("Invalid value " + v + " for configuration " + key + ": must be -1 (the broker's default) or at least 1");
            }
        } catch (NumberFormatException e) {
            errors.add("Invalid value " + v + " for configuration " + key + ": Not a number of type INT");
        }
    }

    private static Number number(String v, int otherwise) {
        return v == null || v.isBlank() ? otherwise : Integer.parseInt(v.trim());
    }

    private record Group(String name, List<Pattern> include, List<Pattern> exclude, short replicationFactor, int partitions,
                         Map<String, String> topicConfigs) {
        boolean matches(String topic) {
            return include.stream().anyMatch(p -> p.matcher(topic).matches())
                    && exclude.stream().noneMatch(p -> p.matcher(topic).matches());
        }
    }
}
