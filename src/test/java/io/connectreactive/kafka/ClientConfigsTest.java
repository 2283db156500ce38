package io.connectreactive.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.model.TaskId;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every Kafka client the worker creates takes Kafka Connect's layers (defaults, the worker's
 * top-level security and prefixed settings, the connector's overrides), and each connector client
 * refuses the overrides that {@code connector.client.config.override.policy} forbids.
 */
class ClientConfigsTest {

    private static final TaskId TASK = new TaskId("orders", 2);

    /** A connector client kind: how to build it and the prefix of its overrides. */
    enum ConnectorClient {
        TASK_PRODUCER(ClientConfigs.Kind.PRODUCER, (c, config) -> new HashMap<>(c.taskProducer(TASK, config))),
        DLQ_PRODUCER(ClientConfigs.Kind.PRODUCER, (c, config) -> c.dlqProducer(TASK, config)),
        SINK_CONSUMER(ClientConfigs.Kind.CONSUMER, (c, config) -> c.sinkConsumer(TASK, config)),
        OFFSETS_ADMIN(ClientConfigs.Kind.ADMIN, (c, config) -> c.offsetsAdmin("orders", config, Duration.ofSeconds(90)));

        final ClientConfigs.Kind kind;
        final BiFunction<ClientConfigs, Map<String, String>, Map<String, Object>> build;

        ConnectorClient(ClientConfigs.Kind kind, BiFunction<ClientConfigs, Map<String, String>, Map<String, Object>> build) {
            this.kind = kind;
            this.build = build;
        }

        Map<String, Object> build(ClientConfigs clients, String... connectorKeyValues) {
            return build.apply(clients, map(connectorKeyValues));
        }
    }

    private static ClientConfigs clients(String... keyValues) {
        Map<String, String> props = map(keyValues);
        props.putIfAbsent(WorkerConfig.BOOTSTRAP_SERVERS, "b:9092");
        return new ClientConfigs(new WorkerConfig(props));
    }

    private static Map<String, String> map(String... keyValues) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            out.put(keyValues[i], keyValues[i + 1]);
        }
        return out;
    }

    // --- the worker's clients ---

    @Test
    void sharedProducerHasKafkaConnectsSourceDefaultsUnderTheWorkersProducerSettings() {
        Map<String, String> p = clients("security.protocol", "SASL_SSL", "producer.linger.ms", "20",
                "producer.acks", "1", "consumer.max.poll.records", "5").sharedProducer();
        assertThat(p).containsEntry("bootstrap.servers", "b:9092").containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("linger.ms", "20").containsEntry("acks", "1")
                .containsEntry("max.in.flight.requests.per.connection", "1").containsEntry("enable.idempotence", "false")
                .containsEntry("delivery.timeout.ms", String.valueOf(Integer.MAX_VALUE))
                .containsEntry("client.id", ClientConfigs.SHARED_PRODUCER_CLIENT_ID)
                .doesNotContainKey("max.poll.records");
        assertThat(clients().sharedProducer()).containsEntry("linger.ms", "5").containsEntry("acks", "all");
        assertThat(clients("producer.client.id", "mine").sharedProducer()).containsEntry("client.id", "mine");
    }

    @Test
    void workerAdminHasTheWorkersAdminSettings() {
        Map<String, Object> a = clients("sasl.mechanism", "PLAIN", "admin.request.timeout.ms", "1000").workerAdmin();
        assertThat(a).containsEntry("bootstrap.servers", "b:9092").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("request.timeout.ms", "1000").containsEntry("client.id", ClientConfigs.WORKER_ADMIN_CLIENT_ID);
        assertThat(clients("admin.client.id", "mine").workerAdmin()).containsEntry("client.id", "mine");
    }

    // --- a connector's clients ---

    @Test
    void taskProducerIsTheSharedOneWithItsOwnClientIdAndTheConnectorsOverrides() {
        Map<String, Object> p = ConnectorClient.TASK_PRODUCER.build(clients("producer.linger.ms", "20", "producer.batch.size", "100"),
                "producer.override.linger.ms", "0", "consumer.override.max.poll.records", "5");
        assertThat(p).containsEntry("linger.ms", "0").containsEntry("batch.size", "100").containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "false").containsEntry("client.id", "connector-producer-orders-2")
                .doesNotContainKey("max.poll.records");
        assertThat(ConnectorClient.TASK_PRODUCER.build(clients(), "producer.override.client.id", "named"))
                .containsEntry("client.id", "named");
    }

    @Test
    void dlqProducerHasTheWorkersProducerSettingsTheConnectorsProducerOverridesAndAcksAll() {
        Map<String, Object> p = ConnectorClient.DLQ_PRODUCER.build(clients("security.protocol", "SSL", "producer.linger.ms", "20"),
                "producer.override.batch.size", "100", "producer.override.acks", "1", "admin.override.client.id", "x");
        assertThat(p).containsEntry("bootstrap.servers", "b:9092").containsEntry("security.protocol", "SSL")
                .containsEntry("linger.ms", "20").containsEntry("batch.size", "100").containsEntry("acks", "all")
                .containsEntry("client.id", "connector-dlq-producer-orders-2")
                // not the source producer's defaults: the DLQ producer is not the records' producer
                .doesNotContainKeys("enable.idempotence", "max.in.flight.requests.per.connection");
        assertThat(ConnectorClient.DLQ_PRODUCER.build(clients("producer.client.id", "worker's"))).containsEntry("client.id", "worker's");
        assertThat(ConnectorClient.DLQ_PRODUCER.build(clients("producer.client.id", "worker's"), "producer.override.client.id", "mine"))
                .containsEntry("client.id", "mine");
    }

    @Test
    void sinkConsumerHasItsGroupItsClientIdAndTheConnectorsOverridesOverTheWorkersSettings() {
        Map<String, Object> c = ConnectorClient.SINK_CONSUMER.build(clients("consumer.max.poll.records", "50", "consumer.fetch.min.bytes", "10",
                "consumer.client.id", "worker's"), "consumer.override.max.poll.records", "5", "producer.override.linger.ms", "0");
        assertThat(c).containsEntry("enable.auto.commit", "false").containsEntry("auto.offset.reset", "earliest")
                .containsEntry("group.id", "connect-orders").containsEntry("client.id", "connector-consumer-orders-2")
                .containsEntry("max.poll.records", "5").containsEntry("fetch.min.bytes", "10")
                .doesNotContainKeys("linger.ms", "group.instance.id");
        assertThat(ConnectorClient.SINK_CONSUMER.build(clients("consumer.auto.offset.reset", "latest")))
                .containsEntry("auto.offset.reset", "latest");
        assertThat(ConnectorClient.SINK_CONSUMER.build(clients(), "consumer.override.group.id", "theirs"))
                .containsEntry("group.id", "theirs");
    }

    @Test
    void aClusteredWorkersSinkConsumerIsAStaticMember() {
        Map<String, Object> c = ConnectorClient.SINK_CONSUMER.build(clients(WorkerConfig.GROUP_ID, "connect-cluster"));
        assertThat(c).containsEntry("group.instance.id", "connect-orders-2");
        assertThat(ClientConfigs.sinkGroupInstanceId(TASK)).isEqualTo("connect-orders-2");
    }

    @Test
    void offsetsAdminHasTheConnectorsAdminOverridesItsClientIdAndTheApiTimeout() {
        Map<String, Object> a = ConnectorClient.OFFSETS_ADMIN.build(clients("admin.request.timeout.ms", "1000", "admin.retries", "3"),
                "admin.override.request.timeout.ms", "2000", "admin.override.client.id", "ignored", "consumer.override.max.poll.records", "5");
        assertThat(a).containsEntry("request.timeout.ms", "2000").containsEntry("retries", "3")
                .containsEntry("client.id", "connector-worker-adminclient-orders").containsEntry("default.api.timeout.ms", 90_000)
                .doesNotContainKey("max.poll.records");
    }

    // --- the policy, for every connector client ---

    @ParameterizedTest
    @EnumSource(ConnectorClient.class)
    void policyNoneRefusesAnyOverrideNamingTheKey(ConnectorClient client) {
        ClientConfigs none = clients(WorkerConfig.CLIENT_CONFIG_OVERRIDE_POLICY, "None");
        assertThatThrownBy(() -> client.build(none, client.kind.overridePrefix() + "client.id", "mine"))
                .isInstanceOf(ConnectException.class)
                .hasMessage("The 'None' policy does not allow 'client.id' to be overridden in the connector configuration.");
        assertThatThrownBy(() -> client.build(none, client.kind.overridePrefix() + "sasl.jaas.config", "x required;"))
                .isInstanceOf(ConnectException.class).hasMessageContaining("'sasl.jaas.config'");
        assertThat(client.build(none)).isNotEmpty();
    }

    @ParameterizedTest
    @EnumSource(ConnectorClient.class)
    void policyPrincipalAllowsOnlyTheClientsIdentity(ConnectorClient client) {
        ClientConfigs principal = clients(WorkerConfig.CLIENT_CONFIG_OVERRIDE_POLICY, "Principal");
        String prefix = client.kind.overridePrefix();
        assertThatThrownBy(() -> client.build(principal, prefix + "sasl.mechanism", "PLAIN", prefix + "request.timeout.ms", "1000"))
                .isInstanceOf(ConnectException.class)
                .hasMessage("The 'Principal' policy does not allow 'request.timeout.ms' to be overridden in the connector configuration.");
        assertThat(client.build(principal, prefix + "sasl.mechanism", "PLAIN", prefix + "security.protocol", "SASL_SSL",
                prefix + "sasl.jaas.config", "x required;"))
                .containsEntry("sasl.mechanism", "PLAIN").containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", "x required;");
    }

    @ParameterizedTest
    @EnumSource(ConnectorClient.class)
    void policyAllAllowsEveryOverride(ConnectorClient client) {
        String prefix = client.kind.overridePrefix();
        for (ClientConfigs all : new ClientConfigs[] {clients(), clients(WorkerConfig.CLIENT_CONFIG_OVERRIDE_POLICY, "All")}) {
            assertThat(client.build(all, prefix + "request.timeout.ms", "1234", prefix + "sasl.mechanism", "PLAIN"))
                    .containsEntry("request.timeout.ms", "1234").containsEntry("sasl.mechanism", "PLAIN");
        }
    }

    @ParameterizedTest
    @EnumSource(ConnectorClient.class)
    void aClientIsRefusedOnlyForItsOwnKindsOverrides(ConnectorClient client) {
        ClientConfigs none = clients(WorkerConfig.CLIENT_CONFIG_OVERRIDE_POLICY, "None");
        Map<String, String> others = new HashMap<>();
        for (ClientConfigs.Kind kind : ClientConfigs.Kind.values()) {
            if (kind != client.kind) {
                others.put(kind.overridePrefix() + "request.timeout.ms", "1000");
            }
        }
        assertThat(client.build.apply(none, others)).doesNotContainKey("request.timeout.ms");
        assertThat(ClientConfigs.overridesAny(client.kind, others)).isFalse();
        assertThat(ClientConfigs.overridesAny(client.kind, Map.of(client.kind.overridePrefix() + "acks", "1"))).isTrue();
    }

    @Test
    void theSharedProducerTakesNoConnectorOverridesSoThePolicyDoesNotApply() {
        // a connector's producer.override.* gives its tasks producers of their own, checked there
        ClientConfigs none = clients(WorkerConfig.CLIENT_CONFIG_OVERRIDE_POLICY, "None", "producer.linger.ms", "7");
        assertThat(none.sharedProducer()).containsEntry("linger.ms", "7");
        assertThat(none.workerAdmin()).containsEntry("client.id", ClientConfigs.WORKER_ADMIN_CLIENT_ID);
        assertThat(none.policy()).isEqualTo(ClientConfigOverridePolicy.NONE);
    }
}
