package io.connectreactive.herder;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigValue;

/**
 * The source connector keys of Kafka Connect's exactly-once support (KIP-618) and its per-connector
 * offsets topic, as Kafka Connect's {@code SourceConnectorConfig} declares them (names, types, defaults,
 * validators, groups), which this runtime does not implement yet. {@link #define} adds them to the
 * common source connector keys so that validation shows them; {@link #refuseUnsupported} marks as an
 * error every value this runtime cannot honour: {@code exactly.once.support=required}, a
 * {@code transaction.boundary} other than {@code poll}, and any {@code transaction.boundary.interval.ms}
 * or {@code offsets.storage.topic}. The defaults ({@code requested}, {@code poll}, unset) are accepted,
 * as Kafka Connect accepts them on a worker without exactly-once support. Called by
 * {@link ConnectorValidator}, on the thread it validates on; {@link #unsupported} by the herders before
 * they start a stored connector or its tasks. Stateless.
 */
final class ExactlyOnceSourceKeys {

    static final String EXACTLY_ONCE_SUPPORT = "exactly.once.support";
    static final String TRANSACTION_BOUNDARY = "transaction.boundary";
    static final String TRANSACTION_BOUNDARY_INTERVAL_MS = "transaction.boundary.interval.ms";
    static final String OFFSETS_STORAGE_TOPIC = "offsets.storage.topic";

    private static final String EXACTLY_ONCE_GROUP = "Exactly Once Support";
    private static final String OFFSETS_TOPIC_GROUP = "offsets.topic";
    private static final String NOT_YET = "this runtime does not support exactly-once source connectors (KIP-618) yet";

    private static final List<Refusal> REFUSALS = List.of(
            new Refusal(EXACTLY_ONCE_SUPPORT, v -> v.equalsIgnoreCase("required"),
                    "This worker does not have exactly-once source support enabled: " + NOT_YET
                            + "; use requested (the default): records are then delivered at least once"),
            new Refusal(TRANSACTION_BOUNDARY, v -> !v.equalsIgnoreCase("poll"),
                    NOT_YET + " and defines no transactions; only poll (the default) is accepted"),
            new Refusal(TRANSACTION_BOUNDARY_INTERVAL_MS, v -> true,
                    NOT_YET + " and commits no transactions; remove this setting"),
            new Refusal(OFFSETS_STORAGE_TOPIC, v -> true,
                    "this runtime does not support a separate offsets topic per connector yet; remove this setting to keep "
                            + "the connector's offsets with the worker's (offset.storage.topic or offset.storage.file.filename)"));

    private ExactlyOnceSourceKeys() {
    }

    /** Adds the four keys to {@code def} (the common keys of a source connector) and returns it. */
    static ConfigDef define(ConfigDef def) {
        ConfigDef.Validator atLeastZero = ConfigDef.Range.atLeast(0);
        return def
                .define(EXACTLY_ONCE_SUPPORT, Type.STRING, "requested", ConfigDef.CaseInsensitiveValidString.in("requested", "required"),
                        Importance.MEDIUM, "Permitted values are requested, required. This runtime does not support "
                                + "exactly-once source connectors yet: required is refused; requested (the default) delivers "
                                + "records at least once.", EXACTLY_ONCE_GROUP, 1, Width.SHORT, "Exactly once support")
                .define(TRANSACTION_BOUNDARY, Type.STRING, "poll", ConfigDef.CaseInsensitiveValidString.in("poll", "interval", "connector"),
                        Importance.MEDIUM, "Permitted values are: poll, interval, connector. This runtime does not support "
                                + "exactly-once source connectors yet and defines no transactions: only poll (the default) is "
                                + "accepted.", EXACTLY_ONCE_GROUP, 2, Width.SHORT, "Transaction Boundary")
                .define(TRANSACTION_BOUNDARY_INTERVAL_MS, Type.LONG, null, ConfigDef.LambdaValidator.with((name, value) -> {
                            if (value != null) {
                                atLeastZero.ensureValid(name, value);
                            }
                        }, atLeastZero::toString), Importance.LOW, "If transaction.boundary is set to interval, determines "
                                + "the interval for producer transaction commits by connector tasks. Not supported by this "
                                + "runtime: refused when set.", EXACTLY_ONCE_GROUP, 3, Width.SHORT, "Transaction boundary interval")
                .define(OFFSETS_STORAGE_TOPIC, Type.STRING, null, new ConfigDef.NonEmptyString(), Importance.LOW,
                        "The name of a separate offsets topic to use for this connector. Not supported by this runtime: "
                                + "refused when set; the connector's offsets are kept with the worker's.",
                        OFFSETS_TOPIC_GROUP, 1, Width.LONG, "Offsets topic");
    }

    /**
     * Adds an error naming the key, in Kafka Connect's wording ("Invalid value ... for configuration
     * ..."), to each of the four keys whose value this runtime cannot honour; a value that already
     * failed its validator keeps only that error.
     *
     * @param config the connector's config as given
     * @param values the validated common keys (those {@link #define} added included)
     */
    static void refuseUnsupported(Map<String, String> config, Map<String, ConfigValue> values) {
        for (Refusal r : REFUSALS) {
            ConfigValue value = values.get(r.key());
            String error = r.error(config.get(r.key()));
            if (error != null && value.errorMessages().isEmpty()) {
                value.addErrorMessage(error);
            }
        }
    }

    /**
     * The error {@link #refuseUnsupported} would give for the first of the four keys in {@code config}
     * whose value this runtime cannot honour, or null when there is none: why a source connector whose
     * config was stored without this runtime's validation (by Kafka Connect in the config topic, or in a
     * standalone worker's stored configs) must not run, since it would deliver at least once what was
     * asked for exactly once. A value that is a config-provider placeholder is skipped, since resolving
     * it may block: this runtime's validation checked it resolved, and one stored by Kafka Connect is not
     * checked at start. Stateless, on any thread.
     */
    static String unsupported(Map<String, String> config) {
        for (Refusal r : REFUSALS) {
            String given = config.get(r.key());
            String error = given == null || given.contains("${") ? null : r.error(given);
            if (error != null) {
                return error;
            }
        }
        return null;
    }

    /** A key, which of its values this runtime cannot honour, and why. */
    private record Refusal(String key, Predicate<String> unsupported, String reason) {
        /** The error for {@code given} (a value of {@link #key}), or null when it is absent or honoured. */
        String error(String given) {
            if (given == null) {
                return null;
            }
            String trimmed = given.trim();
            return unsupported.test(trimmed)
                    ? "Invalid value " + trimmed + " for configuration " + key + ": " + reason
                    : null;
        }
    }
}
