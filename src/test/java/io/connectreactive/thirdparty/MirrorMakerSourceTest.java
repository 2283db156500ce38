package io.connectreactive.thirdparty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.kafka.embedded.EmbeddedKafka;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Apache Kafka's MirrorMaker 2 source connector ({@code org.apache.kafka:connect-mirror}, from plugin.path)
 * replicating a topic of a second, real Kafka cluster (a broker of the test's own) into the test broker:
 * every record arrives in {@code upstream.<topic>}, in the same partition, with its key and value, through
 * two tasks.
 */
@ExtendWith(KafkaBroker.class)
class MirrorMakerSourceTest {

    @Test
    void mirrorSourceConnectorReplicatesATopicOfAnotherKafkaCluster(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("mm2");
        try (EmbeddedKafka upstream = new EmbeddedKafka(dir.resolve("upstream-kafka"), 0).start()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, upstream.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, upstream.bootstrapServers());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 30; i++) {
                    producer.send(new ProducerRecord<>(topic, i % 3, "key-" + i, "value-" + i));
                }
                producer.flush();
            }

            try (TestWorker worker = TestWorker.start(kafka, dir.resolve("worker"), Map.of(
                    WorkerConfig.PLUGIN_PATH, ThirdPartyPlugins.pluginPath("kafka-mirror").toString()))) {
                Map<String, String> config = new HashMap<>();
                config.put("connector.class", "org.apache.kafka.connect.mirror.MirrorSourceConnector");
                config.put("tasks.max", "2");
                config.put("source.cluster.alias", "upstream");
                config.put("target.cluster.alias", "local");
                config.put("source.cluster.bootstrap.servers", upstream.bootstrapServers());
                config.put("target.cluster.bootstrap.servers", kafka.bootstrapServers());
                config.put("topics", topic);
                config.put("replication.factor", "1");
                config.put("offset-syncs.topic.replication.factor", "1");
                config.put("sync.topic.acls.enabled", "false");
                config.put("refresh.topics.interval.seconds", "1");
                config.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
                config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
                worker.create("mirror-upstream", config);

                List<ConsumerRecord<byte[], byte[]>> records = kafka.consume("upstream." + topic, 30, Duration.ofSeconds(90));
                assertThat(records).hasSize(30);
                Set<String> seen = records.stream()
                        .map(r -> r.partition() + ":" + new String(r.key(), StandardCharsets.UTF_8) + "=" + new String(r.value(), StandardCharsets.UTF_8))
                        .collect(Collectors.toSet());
                assertThat(seen).isEqualTo(IntStream.range(0, 30).mapToObj(i -> (i % 3) + ":key-" + i + "=value-" + i).collect(Collectors.toSet()));

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonObject status = worker.status("mirror-upstream");
                    assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("RUNNING");
                    assertThat(status.getJsonArray("tasks")).hasSize(2);
                    assertThat(status.getJsonArray("tasks").stream().map(t -> ((JsonObject) t).getString("state"))).containsOnly("RUNNING");
                });
                assertThat(worker.send("DELETE", "/connectors/mirror-upstream", null).status()).isEqualTo(204);
            }
        }
    }
}
