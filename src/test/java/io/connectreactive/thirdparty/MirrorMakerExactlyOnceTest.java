package io.connectreactive.thirdparty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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

/**
 * MirrorMaker 2's source connector with {@code exactly.once.support=required} on a clustered worker with
 * exactly-once source support (KIP-618), replicating a topic of a second, real Kafka cluster: the
 * connector answers whether it can (it can only when its consumer reads committed records, and a
 * {@code required} it cannot honour is refused with Kafka Connect's message), and once it runs, its
 * records reach the target in transactions: a {@code read_committed} consumer sees each exactly once,
 * and the transaction markers take offsets of their own.
 */
@ExtendWith(KafkaBroker.class)
class MirrorMakerExactlyOnceTest {

    private static final int RECORDS = 60;

    @Test
    void mirrorSourceWithExactlyOnceRequiredReplicatesInTransactions(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("mm2-eos");
        try (EmbeddedKafka upstream = new EmbeddedKafka(dir.resolve("upstream-kafka"), 0).start()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, upstream.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, upstream.bootstrapServers());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < RECORDS; i++) {
                    producer.send(new ProducerRecord<>(topic, i % 3, "key-" + i, "value-" + i));
                }
                producer.flush();
            }
            String group = "cr-mm2-eos-" + System.nanoTime();
            try (TestWorker worker = TestWorker.start(kafka, dir.resolve("worker"), worker(group))) {
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
                config.put("exactly.once.support", "required");

                // MirrorMaker 2 can give exactly once only when its consumer reads committed records
                TestWorker.Response refused = worker.send("POST", "/connectors",
                        new JsonObject().put("name", "mm2-eos").put("config", new JsonObject(new HashMap<>(config))).encode());
                assertThat(refused.status()).as(refused.body()).isEqualTo(400);
                assertThat(refused.body()).contains("The connector does not support exactly-once semantics with the provided configuration.");

                config.put("consumer.isolation.level", "read_committed");
                worker.create("mm2-eos", config);
                List<ConsumerRecord<byte[], byte[]>> committed = kafka.consume("upstream." + topic, RECORDS, Duration.ofSeconds(90), true);
                assertThat(committed.stream().map(r -> r.partition() + ":" + new String(r.key(), StandardCharsets.UTF_8) + "="
                        + new String(r.value(), StandardCharsets.UTF_8)).collect(Collectors.toList()))
                        .as("each record once, in its partition").hasSize(RECORDS).doesNotHaveDuplicates()
                        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, RECORDS)
                                .mapToObj(i -> (i % 3) + ":key-" + i + "=value-" + i).toList());
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(kafka.endOffset("upstream." + topic))
                        .as("records and the transactions' commit markers").isGreaterThan(RECORDS));
                JsonObject status = worker.status("mm2-eos");
                assertThat(status.getJsonArray("tasks").stream().map(t -> ((JsonObject) t).getString("state"))).containsOnly("RUNNING");
            }
        }
    }

    private static Map<String, String> worker(String group) {
        Map<String, String> w = TestWorker.singleMemberCluster(group);
        w.put(WorkerConfig.PLUGIN_PATH, ThirdPartyPlugins.pluginPath("kafka-mirror").toString());
        w.put("exactly.once.source.support", "enabled");
        return w;
    }
}
