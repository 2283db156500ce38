package io.connectreactive.runtime.source;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.connectreactive.connectors.file.FileStreamSinkConnector;
import io.connectreactive.kafka.ClientConfigOverridePolicy;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code producer.override.*} gives a connector's tasks producers of their own (seen through the
 * producers' JMX metrics, which carry their client.id), closed when the tasks stop; the worker's
 * {@code connector.client.config.override.policy} decides which overrides a connector may have, for
 * every client kind: the tasks' producers, sink consumers, dead-letter-queue producers and admins.
 */
@ExtendWith(KafkaBroker.class)
class ProducerOverrideTest {

    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    @Test
    void producerOverridesGiveTheTasksTheirOwnProducerClosedWhenTheyStop(KafkaBroker kafka, @TempDir Path dir) {
        String topic = KafkaBroker.uniqueTopic("own");
        String clientId = "own-" + UUID.randomUUID().toString().substring(0, 8);
        try (TestWorker w = TestWorker.start(kafka, dir, Map.of("value.converter", "org.apache.kafka.connect.storage.StringConverter"))) {
            // one connector names its client.id; the other overrides something else and gets Kafka Connect's per-task id
            w.create("named", Map.of("connector.class", SequenceSource.class.getName(), "topic", topic, "count", "500",
                    "producer.override.client.id", clientId));
            w.create("lingering", Map.of("connector.class", SequenceSource.class.getName(), "topic", topic, "count", "500",
                    "tasks.max", "2", "producer.override.linger.ms", "0"));
            await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffset(topic) == 1500);
            assertThat(producerExists(clientId)).isTrue();
            assertThat(producerExists("connector-producer-lingering-0")).isTrue();
            assertThat(producerExists("connector-producer-lingering-1")).isTrue();
            assertThat(SourceIsolationTest.taskStates(w, "lingering")).containsOnly("RUNNING");

            assertThat(w.send("DELETE", "/connectors/named", null).status()).isEqualTo(204);
            assertThat(w.send("DELETE", "/connectors/lingering", null).status()).isEqualTo(204);
            await().atMost(Duration.ofSeconds(30)).until(() -> !producerExists(clientId)
                    && !producerExists("connector-producer-lingering-0") && !producerExists("connector-producer-lingering-1"));
            // the worker's shared producer is still there
            assertThat(producerExists("connect-reactive-producer")).isTrue();
        }
    }

    @Test
    void policyNoneRejectsClientOverridesWithA400(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker w = TestWorker.start(kafka, dir, Map.of("connector.client.config.override.policy", "None"))) {
            Map<String, Object> config = new HashMap<>(Map.of("connector.class", SequenceSource.class.getName(),
                    "topic", KafkaBroker.uniqueTopic("none"), "count", "10", "producer.override.client.id", "forbidden"));
            config.put("name", "overriding");
            TestWorker.Response r = w.send("POST", "/connectors",
                    new JsonObject().put("name", "overriding").put("config", new JsonObject(config)).encode());
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.json().getString("message"))
                    .contains("The 'None' policy does not allow 'client.id' to be overridden in the connector configuration.");
            assertThat(w.get("/connectors/overriding").status()).isEqualTo(404);

            // the same policy covers consumer and admin overrides, in validation
            config.put("consumer.override.max.poll.records", "10");
            config.put("admin.override.request.timeout.ms", "1000");
            TestWorker.Response v = w.send("PUT", "/connector-plugins/" + SequenceSource.class.getName() + "/config/validate",
                    new JsonObject(config).encode());
            assertThat(v.status()).isEqualTo(200);
            assertThat(v.json().getInteger("error_count")).isEqualTo(3);
        }
    }

    @Test
    void aDeadLetterQueueProducerOverrideThePolicyForbidsIsRefused(KafkaBroker kafka, @TempDir Path dir) {
        Map<String, String> config = new HashMap<>(Map.of(
                "connector.class", FileStreamSinkConnector.class.getName(),
                "topics", KafkaBroker.uniqueTopic("dlq-in"), "file", dir.resolve("out.txt").toString(),
                "errors.tolerance", "all", "errors.deadletterqueue.topic.name", KafkaBroker.uniqueTopic("dlq"),
                "errors.deadletterqueue.topic.replication.factor", "1",
                // a sink's only producer is its dead-letter queue's
                "producer.override.linger.ms", "10"));
        String forbidden = "The 'None' policy does not allow 'linger.ms' to be overridden in the connector configuration.";
        try (TestWorker w = TestWorker.start(kafka, dir, Map.of())) {
            w.create("dead-letters", config);
            await().atMost(Duration.ofSeconds(30)).until(() -> SourceIsolationTest.taskStates(w, "dead-letters").equals(List.of("RUNNING")));
        }
        // the worker's policy is now None: the stored connector's task may not start its dead-letter producer
        try (TestWorker w = TestWorker.start(kafka, dir, Map.of("connector.client.config.override.policy", "None"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> SourceIsolationTest.taskStates(w, "dead-letters").equals(List.of("FAILED")));
            assertThat(w.status("dead-letters").getJsonArray("tasks").getJsonObject(0).getString("trace")).contains(forbidden);
            assertThat(producerExists("connector-dlq-producer-dead-letters-0")).isFalse();

            // and a new connector with it is refused as the other kinds' overrides are
            TestWorker.Response r = w.send("POST", "/connectors",
                    new JsonObject().put("name", "refused").put("config", new JsonObject(new HashMap<>(config))).encode());
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.json().getString("message")).contains(forbidden);
            assertThat(w.get("/connectors/refused").status()).isEqualTo(404);
        }
    }

    @Test
    void principalPolicyAllowsOnlyTheClientsIdentity() {
        ClientConfigOverridePolicy principal = ClientConfigOverridePolicy.of("p", "Principal");
        assertThat(principal.violations(Map.of(
                "producer.override.sasl.jaas.config", "x",
                "producer.override.security.protocol", "SASL_SSL",
                "consumer.override.sasl.mechanism", "PLAIN",
                "admin.override.client.id", "mine",
                "producer.override.linger.ms", "1")))
                .containsOnlyKeys("admin.override.client.id", "producer.override.linger.ms");
        assertThat(ClientConfigOverridePolicy.of("p", "org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy"))
                .isEqualTo(ClientConfigOverridePolicy.ALL);
        assertThat(ClientConfigOverridePolicy.ALL.violations(Map.of("producer.override.linger.ms", "1"))).isEmpty();
        assertThatThrownBy(() -> ClientConfigOverridePolicy.of("p", "Some")).hasMessageContaining("All, None or Principal");
    }

    private static boolean producerExists(String clientId) {
        try {
            return JMX.isRegistered(new ObjectName("kafka.producer:type=producer-metrics,client-id=" + clientId));
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
