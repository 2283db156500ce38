package io.connectreactive.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The connectors a Kafka Connect distribution provides with no plugin.path run by their Kafka class
 * names: MirrorMaker 2's three connectors mirroring one topic of the embedded broker into another
 * (source alias {@code src}), and Kafka's tool connectors. {@code /connector-plugins} lists them as
 * Kafka Connect does (MirrorMaker 2's, not the tools).
 */
@ExtendWith(KafkaBroker.class)
class KafkaDistributionPluginsTest {

    private static final String BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter";

    @Test
    void mirrorMakerTwoMirrorsATopicWithCheckpointsAndHeartbeats(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("mm2");
        String group = "mm2-group-" + topic;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        Set<String> sent = new TreeSet<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 300; i++) {
                String value = "record-" + i;
                sent.add(value);
                producer.send(new ProducerRecord<>(topic, i % 3, "k" + i, value));
            }
        }
        consumeAndCommit(kafka, topic, group, 300);

        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            Map<String, String> common = new HashMap<>(Map.of(
                    "source.cluster.alias", "src", "target.cluster.alias", "dst",
                    "source.cluster.bootstrap.servers", kafka.bootstrapServers(),
                    "target.cluster.bootstrap.servers", kafka.bootstrapServers(),
                    "key.converter", BYTES, "value.converter", BYTES,
                    "replication.factor", "1", "sync.topic.acls.enabled", "false"));
            common.putAll(Map.of("offset-syncs.topic.replication.factor", "1", "checkpoints.topic.replication.factor", "1",
                    "heartbeats.topic.replication.factor", "1", "emit.checkpoints.interval.seconds", "1",
                    "emit.heartbeats.interval.seconds", "1", "refresh.groups.interval.seconds", "1"));

            Map<String, String> source = new HashMap<>(common);
            source.putAll(Map.of("connector.class", "org.apache.kafka.connect.mirror.MirrorSourceConnector",
                    "topics", topic, "tasks.max", "2"));
            worker.create("mm2-source", source);
            Map<String, String> checkpoints = new HashMap<>(common);
            checkpoints.putAll(Map.of("connector.class", "MirrorCheckpointConnector", "groups", group, "tasks.max", "1"));
            worker.create("mm2-checkpoints", checkpoints);
            Map<String, String> heartbeats = new HashMap<>(common);
            heartbeats.putAll(Map.of("connector.class", "MirrorHeartbeat", "tasks.max", "1"));
            worker.create("mm2-heartbeats", heartbeats);

            List<ConsumerRecord<byte[], byte[]>> mirrored = kafka.consume("src." + topic, 300, Duration.ofSeconds(60));
            Set<String> values = new TreeSet<>();
            mirrored.forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
            assertThat(values).isEqualTo(sent);
            assertThat(kafka.consume("heartbeats", 1, Duration.ofSeconds(30))).isNotEmpty();
            // the checkpoint translates the group's committed offsets on the source topic to the mirrored one
            assertThat(kafka.consume("src.checkpoints.internal", 1, Duration.ofSeconds(60))).isNotEmpty();
            for (String name : List.of("mm2-source", "mm2-checkpoints", "mm2-heartbeats")) {
                JsonObject status = worker.status(name);
                assertThat(status.getJsonObject("connector").getString("state")).as(name).isEqualTo("RUNNING");
                status.getJsonArray("tasks").forEach(t -> assertThat(((JsonObject) t).getString("state")).as(name).isEqualTo("RUNNING"));
            }
        }
    }

    @Test
    void kafkasToolConnectorsRunByNameAndStayOutOfTheListing(KafkaBroker kafka, @TempDir Path dir) {
        String schemaTopic = KafkaBroker.uniqueTopic("schema-source");
        String verifiableTopic = KafkaBroker.uniqueTopic("verifiable-source");
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("schema-source", Map.of("connector.class", "org.apache.kafka.connect.tools.SchemaSourceConnector",
                    "topic", schemaTopic, "num.messages", "50", "throughput", "-1", "tasks.max", "1"));
            worker.create("verifiable-source", Map.of("connector.class", "org.apache.kafka.connect.tools.VerifiableSourceConnector",
                    "topic", verifiableTopic, "throughput", "200", "tasks.max", "1"));
            worker.create("verifiable-sink", Map.of("connector.class", "org.apache.kafka.connect.tools.VerifiableSinkConnector",
                    "topics", verifiableTopic, "tasks.max", "1"));
            worker.create("mock-sink", Map.of("connector.class", "org.apache.kafka.connect.tools.MockSinkConnector",
                    "topics", schemaTopic, "tasks.max", "1"));

            List<ConsumerRecord<byte[], byte[]>> structs = kafka.consume(schemaTopic, 50, Duration.ofSeconds(30));
            JsonObject first = new JsonObject(new String(structs.get(0).value(), StandardCharsets.UTF_8));
            assertThat(first.getJsonObject("schema").getString("type")).isEqualTo("struct");
            assertThat(first.getJsonObject("payload").getLong("seqno")).isZero();
            assertThat(kafka.consume(verifiableTopic, 20, Duration.ofSeconds(30))).hasSizeGreaterThanOrEqualTo(20);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (String name : List.of("schema-source", "verifiable-source", "verifiable-sink", "mock-sink")) {
                    JsonObject status = worker.status(name);
                    assertThat(status.getJsonObject("connector").getString("state")).as(name).isEqualTo("RUNNING");
                    assertThat(status.getJsonArray("tasks").getJsonObject(0).getString("state")).as(name).isEqualTo("RUNNING");
                }
            });

            JsonArray listed = new JsonArray(worker.get("/connector-plugins").body());
            List<String> classes = listed.stream().map(p -> ((JsonObject) p).getString("class")).toList();
            assertThat(classes).contains("org.apache.kafka.connect.mirror.MirrorSourceConnector",
                    "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
                    "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector");
            assertThat(classes).noneMatch(c -> c.startsWith("org.apache.kafka.connect.tools."));
            assertThat(listed.stream().map(p -> (JsonObject) p)
                    .filter(p -> p.getString("class").equals("org.apache.kafka.connect.mirror.MirrorSourceConnector")))
                    .allSatisfy(p -> assertThat(p.getString("version")).isEqualTo("4.3.1"));
        }
    }

    private static void consumeAndCommit(KafkaBroker kafka, String topic, String group, int count) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            int seen = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen < count && System.nanoTime() < deadline) {
                seen += consumer.poll(Duration.ofMillis(200)).count();
            }
            consumer.commitSync();
            assertThat(seen).isEqualTo(count);
        }
    }
}
