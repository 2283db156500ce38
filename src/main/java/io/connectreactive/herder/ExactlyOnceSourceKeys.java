package io.connectreactive.herder;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.source.ConnectorTransactionBoundaries;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source connector keys of Kafka Connect's exactly-once support (KIP-618) and its per-connector
 * offsets topic, as Kafka Connect's {@code SourceConnectorConfig} declares them (names, types, defaults,
 * validators, groups), and the rules a worker applies to them.
 *
 * <p>On a worker with exactly-once source support ({@code exactly.once.source.support=enabled} on a
 * clustered worker), as Kafka Connect's {@code DistributedHerder} validates: {@code exactly.once.support=required}
 * asks the connector's {@code exactlyOnceSupport(config)} and {@code transaction.boundary=connector} its
 * {@code canDefineTransactionBoundaries(config)} ({@link #checkConnector}, plugin code: called where the
 * validator calls the connector, on a plugin thread); {@code interval} and {@code transaction.boundary.interval.ms}
 * are accepted. On any other worker {@code required} is Kafka Connect's error "This worker does not have
 * exactly-once source support enabled.", and a {@code transaction.boundary} other than {@code poll} or a
 * {@code transaction.boundary.interval.ms} is refused (Kafka Connect accepts and ignores them there; this
 * runtime does not ignore a setting silently). {@code offsets.storage.topic} is honoured on a clustered worker
 * (the connector's own offsets topic, {@code storage/ConnectorOffsetStore}) and refused on a standalone one,
 * which Kafka Connect's standalone worker ignores it on ({@code connectorOffsetsTopicsPermitted()} false). The defaults ({@code requested}, {@code poll}, unset) are always
 * accepted. {@link #unsupported} applies the same rules, minus the connector's answers, to a config stored
 * without this runtime's validation, before the herders start it. Stateless.
 */
final class ExactlyOnceSourceKeys {

    private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceSourceKeys.class);

    static final String EXACTLY_ONCE_SUPPORT = "exactly.once.support";
    static final String TRANSACTION_BOUNDARY = "transaction.boundary";
    static final String TRANSACTION_BOUNDARY_INTERVAL_MS = "transaction.boundary.interval.ms";
    static final String OFFSETS_STORAGE_TOPIC = "offsets.storage.topic";

    /** Kafka Connect's error for {@code exactly.once.support=required} on a worker without exactly-once support. */
    static final String NOT_ENABLED = "This worker does not have exactly-once source support enabled.";

    private static final String EXACTLY_ONCE_GROUP = "Exactly Once Support";
    private static final String OFFSETS_TOPIC_GROUP = "offsets.topic";
    private static final String NO_TRANSACTIONS = "this worker does not have exactly-once source support enabled "
            + "(exactly.once.source.support=enabled on a clustered worker)";

    /** What a worker without exactly-once support refuses. */
    private static final List<Refusal> WITHOUT_EXACTLY_ONCE = List.of(
            new Refusal(EXACTLY_ONCE_SUPPORT, v -> v.equalsIgnoreCase("required"), NOT_ENABLED, true),
            new Refusal(TRANSACTION_BOUNDARY, v -> !v.equalsIgnoreCase("poll"),
                    NO_TRANSACTIONS + " and defines no transactions; only poll (the default) is accepted", false),
            new Refusal(TRANSACTION_BOUNDARY_INTERVAL_MS, v -> true,
                    NO_TRANSACTIONS + " and commits no transactions; remove this setting", false));
    /** What a standalone worker refuses besides. */
    private static final List<Refusal> STANDALONE = List.of(Refusal.OFFSETS_TOPIC);

    private ExactlyOnceSourceKeys() {
    }

    /** Adds the four keys to {@code def} (the common keys of a source connector) and returns it. */
    static ConfigDef define(ConfigDef def) {
        ConfigDef.Validator atLeastZero = ConfigDef.Range.atLeast(0);
        return def
                .define(EXACTLY_ONCE_SUPPORT, Type.STRING, "requested", ConfigDef.CaseInsensitiveValidString.in("requested", "required"),
                        Importance.MEDIUM, "Permitted values are requested, required. If set to \"required\", forces a "
                                + "preflight check for the connector to ensure that it can provide exactly-once semantics with "
                                + "the given configuration. If set to \"required\" but the worker does not have exactly-once "
                                + "support enabled for source connectors (exactly.once.source.support=enabled on a clustered "
                                + "worker), requests to create or validate the connector fail.",
                        EXACTLY_ONCE_GROUP, 1, Width.SHORT, "Exactly once support")
                .define(TRANSACTION_BOUNDARY, Type.STRING, "poll", ConfigDef.CaseInsensitiveValidString.in("poll", "interval", "connector"),
                        Importance.MEDIUM, "Permitted values are: poll, interval, connector. If set to 'poll', a new producer "
                                + "transaction is started and committed for every batch of records that each task provides; "
                                + "'connector' relies on connector-defined transaction boundaries (refused for a connector that "
                                + "cannot define them); 'interval' commits transactions after transaction.boundary.interval.ms. "
                                + "On a worker without exactly-once source support only poll is accepted.",
                        EXACTLY_ONCE_GROUP, 2, Width.SHORT, "Transaction Boundary")
                .define(TRANSACTION_BOUNDARY_INTERVAL_MS, Type.LONG, null, ConfigDef.LambdaValidator.with((name, value) -> {
                            if (value != null) {
                                atLeastZero.ensureValid(name, value);
                            }
                        }, atLeastZero::toString), Importance.LOW, "If transaction.boundary is set to interval, determines "
                                + "the interval for producer transaction commits by connector tasks. If unset, defaults to the "
                                + "worker's offset.flush.interval.ms. It has no effect if a different transaction.boundary is "
                                + "specified (a warning is logged). Refused on a worker without exactly-once source support.",
                        EXACTLY_ONCE_GROUP, 3, Width.SHORT, "Transaction boundary interval")
                .define(OFFSETS_STORAGE_TOPIC, Type.STRING, null, new ConfigDef.NonEmptyString(), Importance.LOW,
                        "The name of a separate offsets topic to use for this connector. If empty or not specified, the "
                                + "worker's global offsets topic name will be used. If specified, the offsets topic will be "
                                + "created if it does not already exist on the Kafka cluster targeted by this worker (with the "
                                + "worker's offset.storage.* topic settings). Refused on a standalone worker.",
                        OFFSETS_TOPIC_GROUP, 1, Width.LONG, "Offsets topic");
    }

    /**
     * Adds an error to each of the four keys whose value this worker refuses: Kafka Connect's message
     * where Kafka Connect has one, else one naming the key ("Invalid value ... for configuration ...").
     * A value that already failed its validator keeps only that error. No plugin code.
     *
     * @param config the connector's config as given
     * @param values the validated common keys (those {@link #define} added included)
     * @param exactlyOnce whether the worker has exactly-once source support enabled
     * @param clustered whether the worker is clustered (a standalone one has no per-connector offsets topic)
     */
    static void refuseUnsupported(Map<String, String> config, Map<String, ConfigValue> values, boolean exactlyOnce,
                                  boolean clustered) {
        for (Refusal r : refusals(exactlyOnce, clustered)) {
            ConfigValue value = values.get(r.key());
            String given = config.get(r.key());
            if (given != null && r.refuses(given) && value.errorMessages().isEmpty()) {
                value.addErrorMessage(r.kafkaConnects() ? r.reason() : r.error(given));
            }
        }
    }

    /**
     * Kafka Connect's preflight checks that ask the connector (its {@code validateSourceConnectorExactlyOnceSupport}
     * and {@code validateSourceConnectorTransactionBoundary}), with its messages: with
     * {@code exactly.once.support=required}, {@code exactlyOnceSupport(config)} must say SUPPORTED; with
     * {@code transaction.boundary=connector}, {@code canDefineTransactionBoundaries(config)} must. A key that
     * already has an error is not checked. Calls plugin code: on a plugin thread, with the connector's class loader.
     *
     * @param config the connector's config as given (Kafka Connect hands the connector the raw config)
     */
    static void checkConnector(Map<String, String> config, Map<String, ConfigValue> values, SourceConnector connector) {
        ConfigValue support = values.get(EXACTLY_ONCE_SUPPORT);
        // as Kafka Connect: asked on a worker without exactly-once support too, after that error
        if (support.errorMessages().stream().allMatch(NOT_ENABLED::equals) && "required".equals(lower(support.value()))) {
            try {
                ExactlyOnceSupport answer = connector.exactlyOnceSupport(config);
                if (answer == null) {
                    support.addErrorMessage("The connector does not implement the API required for preflight validation of "
                            + "exactly-once source support. Please consult the documentation for the connector to determine "
                            + "whether it supports exactly-once semantics, and then consider reconfiguring the connector to use "
                            + "the value \"requested\" for this property (which will disable this preflight check and allow the "
                            + "connector to be created).");
                } else if (answer == ExactlyOnceSupport.UNSUPPORTED) {
                    support.addErrorMessage("The connector does not support exactly-once semantics with the provided configuration.");
                }
            } catch (Exception e) {
                LOG.error("Failed while validating connector support for exactly-once semantics", e);
                support.addErrorMessage(unexpected(e));
            }
        }
        ConfigValue boundary = values.get(TRANSACTION_BOUNDARY);
        if (boundary.errorMessages().isEmpty() && "connector".equals(lower(boundary.value()))) {
            try {
                ConnectorTransactionBoundaries answer = connector.canDefineTransactionBoundaries(config);
                if (answer == null) {
                    boundary.addErrorMessage("This connector has returned a null value from its canDefineTransactionBoundaries "
                            + "method, which is not permitted. The connector will be treated as if it cannot define its own "
                            + "transaction boundaries, and cannot be configured with 'transaction.boundary' set to 'connector'.");
                } else if (answer != ConnectorTransactionBoundaries.SUPPORTED) {
                    boundary.addErrorMessage("The connector does not support connector-defined transaction boundaries with the "
                            + "given configuration. Please reconfigure it to use a different transaction boundary definition.");
                }
            } catch (Exception e) {
                LOG.error("Failed while validating connector support for defining its own transaction boundaries", e);
                boundary.addErrorMessage(unexpected(e));
            }
        }
    }

    /**
     * The warning for a setting a worker with exactly-once support accepts and does not use, as Kafka Connect
     * does: {@code transaction.boundary.interval.ms} with a {@code transaction.boundary} other than
     * {@code interval}. Null when there is none.
     */
    static String ignoredSetting(String connector, Map<String, String> config) {
        String interval = config.get(TRANSACTION_BOUNDARY_INTERVAL_MS);
        String boundary = config.getOrDefault(TRANSACTION_BOUNDARY, "poll").trim();
        if (interval == null || boundary.equalsIgnoreCase("interval")) {
            return null;
        }
        return "Connector " + connector + ": " + TRANSACTION_BOUNDARY_INTERVAL_MS + "=" + interval.trim() + " has no effect, since "
                + TRANSACTION_BOUNDARY + " is " + boundary + ", not interval; it is ignored, as Kafka Connect ignores it";
    }

    /**
     * The error {@link #refuseUnsupported} would give, naming the key, for the first of the four keys in
     * {@code config} whose value this worker refuses, or null when there is none: why a source connector whose
     * config was stored without this runtime's validation (by Kafka Connect in the config topic, or in a
     * standalone worker's stored configs, or validated by a worker set up otherwise) must not run, since it
     * would deliver at least once what was asked for exactly once. A value that is a config-provider
     * placeholder is skipped, since resolving it may block: this runtime's validation checked it resolved,
     * and one stored by Kafka Connect is not checked at start. The connector is not asked (no plugin code
     * here). Stateless, on any thread.
     *
     * @param exactlyOnce whether the worker has exactly-once source support enabled
     * @param clustered whether the worker is clustered
     */
    static String unsupported(Map<String, String> config, boolean exactlyOnce, boolean clustered) {
        for (Refusal r : refusals(exactlyOnce, clustered)) {
            String given = config.get(r.key());
            if (given != null && !given.contains("${") && r.refuses(given)) {
                return r.error(given);
            }
        }
        return null;
    }

    private static List<Refusal> refusals(boolean exactlyOnce, boolean clustered) {
        List<Refusal> out = new ArrayList<>(exactlyOnce ? List.of() : WITHOUT_EXACTLY_ONCE);
        if (!clustered) {
            out.addAll(STANDALONE);
        }
        return out;
    }

    private static String unexpected(Exception e) {
        String message = e.getMessage();
        return message != null && !message.trim().isEmpty()
                ? "An unexpected error occurred during validation: " + message.trim()
                : "An unexpected error occurred during validation; please see the worker logs for more details.";
    }

    private static String lower(Object value) {
        return value == null ? null : value.toString().trim().toLowerCase(Locale.ROOT);
    }

    /**
     * A key, which of its values a worker refuses, and why.
     *
     * @param kafkaConnects whether {@code reason} is Kafka Connect's own validation message, given as it is
     */
    private record Refusal(String key, Predicate<String> unsupported, String reason, boolean kafkaConnects) {

        static final Refusal OFFSETS_TOPIC = new Refusal(OFFSETS_STORAGE_TOPIC, v -> true,
                "a standalone worker keeps every connector's offsets in its offset.storage.file.filename and has no "
                        + "offsets topic per connector (Kafka Connect's standalone worker ignores this setting); remove it, or "
                        + "run the connector on a clustered worker", false);

        boolean refuses(String given) {
            return unsupported.test(given.trim());
        }

        /** The error naming the key for {@code given}, a value this worker refuses. */
        String error(String given) {
            return "Invalid value " + given.trim() + " for configuration " + key + ": " + reason;
        }
    }
}
