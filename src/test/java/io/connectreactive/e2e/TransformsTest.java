package io.connectreactive.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Apache Kafka's SMTs and predicates run unmodified on both pipelines, in order, against the real broker. */
@ExtendWith(KafkaBroker.class)
class TransformsTest {

    @Test
    void sourceChainRoutesThenMarksOnlyRoutedRecordsThenHoists(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("smt-src");
        Path in = dir.resolve("in.txt");
        Files.write(in, List.of("a", "b", "c"));
        Map<String, String> config = new HashMap<>(Map.of("connector.class", "FileStreamSource", "file", in.toString(), "topic", topic));
        config.putAll(Map.of(
                "transforms", "route,mark,hoist",
                "transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.route.regex", "(.*)",
                "transforms.route.replacement", "$1-routed",
                "transforms.mark.type", "org.apache.kafka.connect.transforms.InsertHeader",
                "transforms.mark.header", "routed",
                "transforms.mark.value.literal", "yes",
                "transforms.mark.predicate", "isRouted",
                "transforms.hoist.type", "org.apache.kafka.connect.transforms.HoistField$Value",
                "transforms.hoist.field", "line"));
        config.putAll(Map.of(
                "predicates", "isRouted",
                "predicates.isRouted.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                "predicates.isRouted.pattern", ".*-routed",
                "value.converter", "org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable", "false"));
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("smt-source", config);
            List<ConsumerRecord<byte[], byte[]>> records = kafka.consume(topic + "-routed", 3, Duration.ofSeconds(30));
            assertThat(records).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactly("{\"line\":\"a\"}", "{\"line\":\"b\"}", "{\"line\":\"c\"}");
            assertThat(records).allSatisfy(r ->
                    assertThat(new String(r.headers().lastHeader("routed").value(), StandardCharsets.UTF_8)).isEqualTo("yes"));
        }
    }

    @Test
    void sinkChainFiltersByPredicateAndCommitsPastFilteredRecords(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("smt-sink");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k1", "one"));
            ProducerRecord<String, String> skipped = new ProducerRecord<>(topic, "k2", "two");
            skipped.headers().add("skip", new byte[]{1});
            producer.send(skipped);
            producer.send(new ProducerRecord<>(topic, "k3", null));
            producer.send(new ProducerRecord<>(topic, "k4", "four"));
            ProducerRecord<String, String> lastSkipped = new ProducerRecord<>(topic, "k5", "five");
            lastSkipped.headers().add("skip", new byte[]{1});
            producer.send(lastSkipped).get();
        }
        Map<String, String> config = new HashMap<>(Map.of(
                "connector.class", ClassicCollectingSink.class.getName(),
                "topics", topic,
                "key.converter", "org.apache.kafka.connect.storage.StringConverter",
                "value.converter", "org.apache.kafka.connect.storage.StringConverter",
                "transforms", "dropSkipped,dropTombstones,hoist",
                "transforms.dropSkipped.type", "org.apache.kafka.connect.transforms.Filter",
                "transforms.dropSkipped.predicate", "hasSkip",
                "transforms.dropTombstones.type", "org.apache.kafka.connect.transforms.Filter",
                "transforms.dropTombstones.predicate", "isTombstone"));
        config.putAll(Map.of(
                "transforms.hoist.type", "org.apache.kafka.connect.transforms.HoistField$Value",
                "transforms.hoist.field", "v",
                "transforms.hoist.predicate", "isTombstone",
                "transforms.hoist.negate", "true",
                "predicates", "hasSkip,isTombstone",
                "predicates.hasSkip.type", "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
                "predicates.hasSkip.name", "skip",
                "predicates.isTombstone.type", "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"));
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of());
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            worker.create("smt-sink", config);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    ClassicCollectingSink.VALUES.getOrDefault("smt-sink", List.of()).size() >= 2);
            assertThat(ClassicCollectingSink.VALUES.get("smt-sink"))
                    .extracting(v -> ((Struct) v).getString("v"))
                    .containsExactly("one", "four");
            // the offsets of filtered records count as processed: the group commits past the last, skipped one
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                    admin.listConsumerGroupOffsets("connect-smt-sink").partitionsToOffsetAndMetadata().get()
                            .get(new TopicPartition(topic, 0))).isNotNull()
                    .satisfies(o -> assertThat(o.offset()).isEqualTo(5L)));
        }
    }

    @Test
    void invalidTransformConfigIsRejectedWith400(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            TestWorker.Response r = worker.send("POST", "/connectors", new io.vertx.core.json.JsonObject()
                    .put("name", "bad-smt")
                    .put("config", new io.vertx.core.json.JsonObject(new HashMap<>(Map.of(
                            "connector.class", "FileStreamSource", "topic", "t", "file", "x.txt",
                            "transforms", "route",
                            "transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter")))).encode());
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.json().getString("message")).contains("transforms.route.").contains("regex");
        }
    }
}
