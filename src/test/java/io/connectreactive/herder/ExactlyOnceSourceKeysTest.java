package io.connectreactive.herder;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ConnectorTransactionBoundaries;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which source connector configs {@link ExactlyOnceSourceKeys} refuses, on a worker with and without
 * exactly-once source support, and what Kafka Connect's preflight checks make of the connector's answers.
 */
class ExactlyOnceSourceKeysTest {

    @Test
    void aStoredConfigAWorkerWithoutExactlyOnceCannotHonourIsRefusedNamingTheKey() {
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("exactly.once.support", " Required "), false, true))
                .isEqualTo("Invalid value Required for configuration exactly.once.support: This worker does not have "
                        + "exactly-once source support enabled.");
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("transaction.boundary", "interval"), false, true))
                .startsWith("Invalid value interval for configuration transaction.boundary: this worker does not have "
                        + "exactly-once source support enabled");
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("transaction.boundary.interval.ms", "1000"), false, true))
                .startsWith("Invalid value 1000 for configuration transaction.boundary.interval.ms: ");
    }

    @Test
    void aWorkerWithExactlyOnceRunsStoredExactlyOnceConfigsAndAPerConnectorOffsetsTopic() {
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("exactly.once.support", "required", "transaction.boundary", "interval",
                "transaction.boundary.interval.ms", "1000"), true, true)).isNull();
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("transaction.boundary", "connector"), true, true)).isNull();
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("offsets.storage.topic", "own"), true, true)).isNull();
    }

    @Test
    void onlyAStandaloneWorkerRefusesAPerConnectorOffsetsTopic() {
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("offsets.storage.topic", "own"), false, true)).isNull();
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("offsets.storage.topic", "own"), false, false))
                .startsWith("Invalid value own for configuration offsets.storage.topic: a standalone worker keeps every "
                        + "connector's offsets in its offset.storage.file.filename");
        ConfigDef def = ExactlyOnceSourceKeys.define(new ConfigDef());
        Map<String, String> config = Map.of("offsets.storage.topic", "own");
        Map<String, ConfigValue> standalone = def.validateAll(new HashMap<>(config));
        ExactlyOnceSourceKeys.refuseUnsupported(config, standalone, false, false);
        assertThat(standalone.get("offsets.storage.topic").errorMessages()).singleElement().asString()
                .contains("remove it, or run the connector on a clustered worker");
        Map<String, ConfigValue> clustered = def.validateAll(new HashMap<>(config));
        ExactlyOnceSourceKeys.refuseUnsupported(config, clustered, true, true);
        assertThat(clustered.get("offsets.storage.topic").errorMessages()).isEmpty();
    }

    @Test
    void theDefaultsAndPlaceholdersAreNotRefused() {
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of(), false, true)).isNull();
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("exactly.once.support", "requested", "transaction.boundary", "POLL"),
                false, true)).isNull();
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("transaction.boundary", "${file:/etc/eos.properties:boundary}"), false, true))
                .isNull();
    }

    @Test
    void requiredAsksTheConnectorAndRefusesAnythingButSupportedInKafkaConnectsWords() {
        Map<String, String> config = Map.of("exactly.once.support", "required");
        assertThat(errors(config, true, new Answering(ExactlyOnceSupport.SUPPORTED, null))).isEmpty();
        assertThat(errors(config, true, new Answering(ExactlyOnceSupport.UNSUPPORTED, null))).containsExactly(
                "The connector does not support exactly-once semantics with the provided configuration.");
        assertThat(errors(config, true, new Answering(null, null))).singleElement().asString().startsWith(
                "The connector does not implement the API required for preflight validation of exactly-once source support.");
        // Kafka Connect asks the connector on a worker without exactly-once support too, after its own error
        assertThat(errors(config, false, new Answering(ExactlyOnceSupport.UNSUPPORTED, null))).containsExactly(
                "This worker does not have exactly-once source support enabled.",
                "The connector does not support exactly-once semantics with the provided configuration.");
        assertThat(errors(Map.of("exactly.once.support", "requested"), true, new Answering(ExactlyOnceSupport.UNSUPPORTED, null)))
                .isEmpty();
    }

    @Test
    void aConnectorDefinedBoundaryNeedsTheConnectorsSupport() {
        Map<String, String> config = Map.of("transaction.boundary", "connector");
        assertThat(errors(config, true, new Answering(null, ConnectorTransactionBoundaries.SUPPORTED))).isEmpty();
        assertThat(errors(config, true, new Answering(null, ConnectorTransactionBoundaries.UNSUPPORTED))).containsExactly(
                "The connector does not support connector-defined transaction boundaries with the given configuration. "
                        + "Please reconfigure it to use a different transaction boundary definition.");
        assertThat(errors(config, true, new Answering(null, null))).singleElement().asString().startsWith(
                "This connector has returned a null value from its canDefineTransactionBoundaries method, which is not permitted.");
        assertThat(errors(Map.of("transaction.boundary", "interval", "transaction.boundary.interval.ms", "500"), true,
                new Answering(null, null))).isEmpty();
    }

    @Test
    void aConnectorThatThrowsGetsKafkaConnectsUnexpectedErrorMessage() {
        SourceConnector throwing = new Answering(null, null) {
            @Override
            public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
                throw new IllegalStateException("  no idea  ");
            }
        };
        assertThat(errors(Map.of("exactly.once.support", "required"), true, throwing))
                .containsExactly("An unexpected error occurred during validation: no idea");
    }

    @Test
    void anIntervalWithAnotherBoundaryIsIgnoredWithAWarningNamingTheKey() {
        assertThat(ExactlyOnceSourceKeys.ignoredSetting("c", Map.of("transaction.boundary.interval.ms", "500")))
                .isEqualTo("Connector c: transaction.boundary.interval.ms=500 has no effect, since transaction.boundary is poll, "
                        + "not interval; it is ignored, as Kafka Connect ignores it");
        assertThat(ExactlyOnceSourceKeys.ignoredSetting("c", Map.of("transaction.boundary.interval.ms", "500",
                "transaction.boundary", "Interval"))).isNull();
        assertThat(ExactlyOnceSourceKeys.ignoredSetting("c", Map.of())).isNull();
    }

    /** The errors on every key after both checks, as the validator runs them. */
    private static List<String> errors(Map<String, String> config, boolean exactlyOnce, SourceConnector connector) {
        ConfigDef def = ExactlyOnceSourceKeys.define(new ConfigDef());
        Map<String, ConfigValue> values = def.validateAll(new HashMap<>(config));
        ExactlyOnceSourceKeys.refuseUnsupported(config, values, exactlyOnce, true);
        ExactlyOnceSourceKeys.checkConnector(config, values, connector);
        return values.values().stream().flatMap(v -> v.errorMessages().stream()).toList();
    }

    /** A source connector giving fixed preflight answers. */
    private static class Answering extends SourceConnector {
        private final ExactlyOnceSupport support;
        private final ConnectorTransactionBoundaries boundaries;

        Answering(ExactlyOnceSupport support, ConnectorTransactionBoundaries boundaries) {
            this.support = support;
            this.boundaries = boundaries;
        }

        @Override
        public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
            return support;
        }

        @Override
        public ConnectorTransactionBoundaries canDefineTransactionBoundaries(Map<String, String> connectorConfig) {
            return boundaries;
        }

        @Override
        public void start(Map<String, String> props) {
        }

        @Override
        public Class<? extends Task> taskClass() {
            return null;
        }

        @Override
        public List<Map<String, String>> taskConfigs(int maxTasks) {
            return List.of();
        }

        @Override
        public void stop() {
        }

        @Override
        public ConfigDef config() {
            return new ConfigDef();
        }

        @Override
        public String version() {
            return "1";
        }
    }
}
