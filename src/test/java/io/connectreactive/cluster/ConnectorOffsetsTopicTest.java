package io.connectreactive.cluster;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.connectreactive.runtime.source.SequenceSource;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A source connector with its own offsets topic ({@code offsets.storage.topic}, KIP-618) on an in-process
 * clustered worker, against the real broker, as Kafka Connect runs one: the topic is created with the worker's
 * offsets-topic settings; the tasks read it first and the worker's offsets topic as fallback; their offsets
 * land there in Kafka Connect's key/value format and are copied to the worker's topic; the REST offsets API
 * reads and changes that topic, and a resumed task starts from what it holds. With exactly-once source support
 * the task's transactions carry its offsets to that topic.
 */
@ExtendWith(KafkaBroker.class)
class ConnectorOffsetsTopicTest {

    private static final String SEQUENCE = SequenceSource.class.getName();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aConnectorsOffsetsLiveInItsOwnTopicWithTheWorkersAsFallback(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String group = "cr-own-offsets-" + System.nanoTime();
        String workerTopic = group + "-offsets";
        String name = "own-" + System.nanoTime();
        String own = KafkaBroker.uniqueTopic("own-offsets");
        String data = KafkaBroker.uniqueTopic("own-data");
        // the worker's topic already holds an offset of task 1, as a connector that ran without its own topic left it
        try (Admin admin = admin(kafka)) {
            admin.createTopics(List.of(new NewTopic(workerTopic, 5, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
        }
        produce(kafka, workerTopic, key(name, name + "-1"), "{\"n\":9}");

        try (TestWorker w = TestWorker.start(kafka, dir, worker(group, false))) {
            w.create(name, Map.of("name", name, "connector.class", SEQUENCE, "tasks.max", "2", "topic", data, "count", "20",
                    "offsets.storage.topic", own));

            // task 0 from the start, task 1 after the worker's offset 9
            await().atMost(WAIT).untilAsserted(() -> assertThat(kafka.endOffset(data)).isEqualTo(30));
            await().atMost(WAIT).untilAsserted(() -> {
                Map<String, String> ownOffsets = latest(kafka, own, false);
                assertThat(ownOffsets).containsEntry(key(name, name + "-0"), "{\"n\":19}")
                        .containsEntry(key(name, name + "-1"), "{\"n\":19}");
                // Kafka Connect's secondary write to the worker's topic
                assertThat(latest(kafka, workerTopic, false)).containsEntry(key(name, name + "-0"), "{\"n\":19}")
                        .containsEntry(key(name, name + "-1"), "{\"n\":19}");
            });
            try (Admin admin = admin(kafka)) {
                TopicDescription d = admin.describeTopics(List.of(own)).allTopicNames().get().get(own);
                assertThat(d.partitions()).hasSize(5); // offset.storage.partitions of the worker
                ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, own);
                assertThat(admin.describeConfigs(List.of(r)).all().get().get(r).get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
                        .isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
            }
            assertThat(offsetsOf(w, name)).containsEntry(name + "-0", 19L).containsEntry(name + "-1", 19L).hasSize(2);

            // PATCH changes the connector's topic; the resumed task 0 starts after it
            assertThat(w.send("PUT", "/connectors/" + name + "/stop", null).status()).isEqualTo(204);
            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(w.status(name).getJsonObject("connector").getString("state")).isEqualTo("STOPPED"));
            TestWorker.Response altered = w.send("PATCH", "/connectors/" + name + "/offsets", new JsonObject().put("offsets",
                    new JsonArray().add(new JsonObject().put("partition", new JsonObject().put("seq", name + "-0"))
                            .put("offset", new JsonObject().put("n", 4)))).encode());
            assertThat(altered.status()).as(altered.body()).isEqualTo(200);
            assertThat(latest(kafka, own, false)).containsEntry(key(name, name + "-0"), "{\"n\":4}");
            assertThat(offsetsOf(w, name)).containsEntry(name + "-0", 4L).containsEntry(name + "-1", 19L);
            assertThat(w.send("PUT", "/connectors/" + name + "/resume", null).status()).isEqualTo(202);
            await().atMost(WAIT).untilAsserted(() -> assertThat(kafka.endOffset(data)).isEqualTo(45));
            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(latest(kafka, own, false)).containsEntry(key(name, name + "-0"), "{\"n\":19}"));

            // DELETE removes them from both topics (the worker's first, else the fallback would bring them back)
            assertThat(w.send("PUT", "/connectors/" + name + "/stop", null).status()).isEqualTo(204);
            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(w.status(name).getJsonObject("connector").getString("state")).isEqualTo("STOPPED"));
            TestWorker.Response reset = w.send("DELETE", "/connectors/" + name + "/offsets", null);
            assertThat(reset.status()).as(reset.body()).isEqualTo(200);
            Map<String, String> ownAfter = latest(kafka, own, false);
            Map<String, String> workerAfter = latest(kafka, workerTopic, false);
            for (String partition : List.of(name + "-0", name + "-1")) {
                assertThat(ownAfter).containsEntry(key(name, partition), null);
                assertThat(workerAfter).containsEntry(key(name, partition), null);
            }
            assertThat(offsetsOf(w, name)).isEmpty();
        }
    }

    @Test
    void anExactlyOnceTaskWritesItsOffsetsToItsConnectorsTopicInItsTransactions(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String group = "cr-own-offsets-eos-" + System.nanoTime();
        String name = "own-eos-" + System.nanoTime();
        String own = KafkaBroker.uniqueTopic("own-offsets-eos");
        String data = KafkaBroker.uniqueTopic("own-data-eos");
        try (TestWorker w = TestWorker.start(kafka, dir, worker(group, true))) {
            w.create(name, Map.of("name", name, "connector.class", SEQUENCE, "tasks.max", "1", "topic", data, "count", "20",
                    "batch", "5", "offsets.storage.topic", own));
            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(latest(kafka, own, true)).containsEntry(key(name, name + "-0"), "{\"n\":19}"));
            // every offset record there is transactional: a read_committed read sees the same as a plain one
            assertThat(records(kafka, own, true)).isEqualTo(records(kafka, own, false)).isEqualTo(4);
            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(latest(kafka, group + "-offsets", true)).containsEntry(key(name, name + "-0"), "{\"n\":19}"));
            assertThat(offsetsOf(w, name)).containsEntry(name + "-0", 19L).hasSize(1);
        }
    }

    private static Map<String, String> worker(String group, boolean exactlyOnce) {
        Map<String, String> w = TestWorker.singleMemberCluster(group);
        w.put("offset.flush.interval.ms", "200");
        if (exactlyOnce) {
            w.put("exactly.once.source.support", "enabled");
        }
        return w;
    }

    /** Kafka Connect's offset key, as its JsonConverter writes it. */
    private static String key(String connector, String seq) {
        return new JsonArray().add(connector).add(new JsonObject().put("seq", seq)).encode();
    }

    /** GET /connectors/{name}/offsets: seq → n. */
    private static Map<String, Long> offsetsOf(TestWorker w, String name) {
        TestWorker.Response r = w.get("/connectors/" + name + "/offsets");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        Map<String, Long> out = new HashMap<>();
        r.json().getJsonArray("offsets").forEach(o -> {
            JsonObject entry = (JsonObject) o;
            out.put(entry.getJsonObject("partition").getString("seq"), entry.getJsonObject("offset").getLong("n"));
        });
        return out;
    }

    private static void produce(KafkaBroker kafka, String topic, String key, String value) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /** The latest value of each key of {@code topic} (null for a tombstone), keys re-encoded as compact JSON. */
    private static Map<String, String> latest(KafkaBroker kafka, String topic, boolean readCommitted) {
        Map<String, String> out = new HashMap<>();
        read(kafka, topic, readCommitted).forEach(r -> out.put(new JsonArray(new String(r.key(), StandardCharsets.UTF_8)).encode(),
                r.value() == null ? null : new JsonObject(new String(r.value(), StandardCharsets.UTF_8)).encode()));
        return out;
    }

    private static int records(KafkaBroker kafka, String topic, boolean readCommitted) {
        return read(kafka, topic, readCommitted).size();
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(KafkaBroker kafka, String topic, boolean readCommitted) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        // a topic the worker has not created yet must not be created here (not compacted, the worker would refuse it)
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(10)).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue()) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static Admin admin(KafkaBroker kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }
}
