package io.connectreactive.runtime.errors;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** errors.* end to end against the real broker: tolerance, dead-letter queues on both sides, retries, the error log, KIP-610. */
@ExtendWith(KafkaBroker.class)
class ErrorHandlingTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final byte[] POISON = "{not json".getBytes(StandardCharsets.UTF_8);

    /** A 3-partition topic with 3 good JSON records per partition and, on partition 1 after them, the poison. */
    private static long fillWithPoison(KafkaBroker kafka, String topic) throws Exception {
        try (Admin admin = admin(kafka)) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
            for (int p = 0; p < 3; p++) {
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>(topic, p, bytes("k" + p + i), bytes("{\"n\":" + (p * 10 + i) + "}"))).get();
                }
            }
            ProducerRecord<byte[], byte[]> poison = new ProducerRecord<>(topic, 1, bytes("pk"), POISON);
            poison.headers().add("origin", bytes("test"));
            long offset = producer.send(poison).get().offset();
            producer.send(new ProducerRecord<>(topic, 1, bytes("k19"), bytes("{\"n\":19}"))).get();
            return offset;
        }
    }

    private static Map<String, String> poisonSink(String name, String topic) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", ErrorTestPlugins.ErrantSink.class.getName());
        config.put("tasks.max", "2");
        config.put("topics", topic);
        config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        config.put("value.converter.schemas.enable", "false");
        config.put("name", name);
        return config;
    }

    @Test
    void poisonRecordGoesToTheDeadLetterQueueWithItsBytesAndContextHeaders(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("poison");
        String dlq = topic + "-dlq";
        long poisonOffset = fillWithPoison(kafka, topic);
        Map<String, String> config = poisonSink("poison-all", topic);
        config.put("errors.tolerance", "all");
        config.put("errors.deadletterqueue.topic.name", dlq);
        config.put("errors.deadletterqueue.topic.replication.factor", "1");
        config.put("errors.deadletterqueue.context.headers.enable", "true");
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of()); Admin admin = admin(kafka)) {
            worker.create("poison-all", config);
            await().atMost(WAIT).until(() -> ErrorTestPlugins.VALUES.getOrDefault("poison-all", List.of()).size() >= 10);
            assertThat(ErrorTestPlugins.VALUES.get("poison-all")).hasSize(10);

            List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(dlq, 1, WAIT);
            assertThat(dead).hasSize(1);
            ConsumerRecord<byte[], byte[]> d = dead.get(0);
            assertThat(d.key()).isEqualTo(bytes("pk"));
            assertThat(d.value()).isEqualTo(POISON);
            assertThat(header(d, "origin")).isEqualTo("test");
            assertThat(header(d, "__connect.errors.topic")).isEqualTo(topic);
            assertThat(header(d, "__connect.errors.partition")).isEqualTo("1");
            assertThat(header(d, "__connect.errors.offset")).isEqualTo(String.valueOf(poisonOffset));
            assertThat(header(d, "__connect.errors.connector.name")).isEqualTo("poison-all");
            assertThat(header(d, "__connect.errors.task.id")).isIn("0", "1");
            assertThat(header(d, "__connect.errors.stage")).isEqualTo("VALUE_CONVERTER");
            assertThat(header(d, "__connect.errors.class.name")).isEqualTo("org.apache.kafka.connect.json.JsonConverter");
            assertThat(header(d, "__connect.errors.exception.class.name")).isEqualTo("org.apache.kafka.connect.errors.DataException");
            assertThat(header(d, "__connect.errors.exception.message")).contains("Converting byte[] to Kafka Connect data failed");
            assertThat(header(d, "__connect.errors.exception.stacktrace")).contains("org.apache.kafka.connect.errors.DataException")
                    .contains("JsonConverter");

            // offsets move past the poison record: every partition committed to its end
            await().atMost(WAIT).untilAsserted(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets("connect-poison-all").partitionsToOffsetAndMetadata().get();
                assertThat(committed.get(new TopicPartition(topic, 0))).extracting(OffsetAndMetadata::offset).isEqualTo(3L);
                assertThat(committed.get(new TopicPartition(topic, 1))).extracting(OffsetAndMetadata::offset).isEqualTo(5L);
                assertThat(committed.get(new TopicPartition(topic, 2))).extracting(OffsetAndMetadata::offset).isEqualTo(3L);
            });
            assertThat(taskStates(worker, "poison-all")).containsOnly("RUNNING");

            // Kafka Connect's task-error-metrics count it: one error, skipped, one dead-letter queue write
            String metrics = worker.get("/metrics").body();
            for (String counter : List.of("kafka_connect_task_error_total_record_errors_total",
                    "kafka_connect_task_error_total_records_skipped_total",
                    "kafka_connect_task_error_deadletterqueue_produce_requests_total")) {
                assertThat(metrics.lines().filter(l -> l.startsWith(counter + "{") && l.contains("connector=\"poison-all\""))
                        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum()).as(counter).isEqualTo(1.0);
            }
        }
    }

    @Test
    void poisonRecordFailsTheTaskWithToleranceNone(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("poison-none");
        fillWithPoison(kafka, topic);
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("poison-none", poisonSink("poison-none", topic));
            await().atMost(WAIT).until(() -> taskStates(worker, "poison-none").contains("FAILED"));
            JsonObject failed = worker.status("poison-none").getJsonArray("tasks").stream().map(JsonObject.class::cast)
                    .filter(t -> "FAILED".equals(t.getString("state"))).findFirst().orElseThrow();
            assertThat(failed.getString("trace")).contains("Tolerance exceeded in error handler")
                    .contains("Converting byte[] to Kafka Connect data failed").contains("JsonConverter");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void transformFailuresAreSkippedAndLogged(boolean includeMessages, KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String name = "smt-skip-" + includeMessages;
        String topic = KafkaBroker.uniqueTopic(name);
        try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
            for (String v : List.of("one", "boom-two", "three", "boom-four", "five")) {
                producer.send(new ProducerRecord<>(topic, 0, null, bytes(v))).get();
            }
        }
        Map<String, String> config = new HashMap<>(Map.of(
                "connector.class", ErrorTestPlugins.ErrantSink.class.getName(), "topics", topic,
                "value.converter", "org.apache.kafka.connect.storage.StringConverter",
                "transforms", "explode", "transforms.explode.type", ErrorTestPlugins.ThrowingTransform.class.getName(),
                "errors.tolerance", "all", "errors.log.enable", "true",
                "errors.log.include.messages", String.valueOf(includeMessages)));
        Logger logger = (Logger) LoggerFactory.getLogger(ErrorHandler.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create(name, config);
            await().atMost(WAIT).until(() -> ErrorTestPlugins.VALUES.getOrDefault(name, List.of()).size() >= 3);
            await().atMost(WAIT).until(() -> lines(log, name).size() >= 2);
            assertThat(ErrorTestPlugins.VALUES.get(name)).containsExactly("one", "three", "five");
            List<String> lines = lines(log, name);
            assertThat(lines).hasSize(2).allSatisfy(l -> assertThat(l)
                    .contains("Executing stage 'TRANSFORMATION' with class '" + ErrorTestPlugins.ThrowingTransform.class.getName() + "'")
                    .contains("cannot transform boom"));
            if (includeMessages) {
                assertThat(lines.get(0)).contains("where consumed record is {topic='" + topic + "', partition=0, offset=1");
                assertThat(lines.get(1)).contains("offset=3");
            } else {
                assertThat(lines).noneSatisfy(l -> assertThat(l).contains("where consumed record"));
            }
            assertThat(taskStates(worker, name)).containsOnly("RUNNING");
        } finally {
            logger.detachAppender(log);
        }
    }

    /** The reactive source pipeline (FileStreamSource): a RetriableException is retried on a timer until it passes. */
    @Test
    void retryTimeoutRetriesARetriableTransformOnTheEventLoop(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("retry-src");
        Path in = dir.resolve("in.txt");
        Files.write(in, List.of("a", "flaky-src-" + topic, "c"));
        Map<String, String> config = new HashMap<>(Map.of("connector.class", "FileStreamSource", "file", in.toString(),
                "topic", topic, "value.converter", "org.apache.kafka.connect.storage.StringConverter",
                "transforms", "flaky", "transforms.flaky.type", ErrorTestPlugins.FlakyTransform.class.getName(),
                "errors.retry.timeout", "30000", "errors.retry.delay.max.ms", "50"));
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("retry-src", config);
            List<ConsumerRecord<byte[], byte[]>> records = kafka.consume(topic, 3, WAIT);
            assertThat(records).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactly("a", "flaky-src-" + topic, "c");
            assertThat(ErrorTestPlugins.FLAKY_CALLS.get("flaky-src-" + topic).get()).isEqualTo(3);
            assertThat(taskStates(worker, "retry-src")).containsOnly("RUNNING");
        }
    }

    /** A classic sink task's thread: the same retry, waiting there. */
    @Test
    void retryTimeoutRetriesARetriableTransformOnAClassicTaskThread(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("retry-sink");
        String flaky = "flaky-sink-" + topic;
        try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
            for (String v : List.of("one", flaky, "three")) {
                producer.send(new ProducerRecord<>(topic, 0, null, bytes(v))).get();
            }
        }
        Map<String, String> config = new HashMap<>(Map.of(
                "connector.class", ErrorTestPlugins.ErrantSink.class.getName(), "topics", topic,
                "value.converter", "org.apache.kafka.connect.storage.StringConverter",
                "transforms", "flaky", "transforms.flaky.type", ErrorTestPlugins.FlakyTransform.class.getName(),
                "errors.retry.timeout", "30000", "errors.retry.delay.max.ms", "50"));
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("retry-sink", config);
            await().atMost(WAIT).until(() -> ErrorTestPlugins.VALUES.getOrDefault("retry-sink", List.of()).size() >= 3);
            assertThat(ErrorTestPlugins.VALUES.get("retry-sink")).containsExactly("one", flaky, "three");
            assertThat(ErrorTestPlugins.FLAKY_CALLS.get(flaky).get()).isEqualTo(3);
            assertThat(taskStates(worker, "retry-sink")).containsOnly("RUNNING");
        }
    }

    /** A reactive sink (FileStreamSink): a poison record goes to the DLQ and a retriable transform is retried on a timer. */
    @Test
    void reactiveSinkSkipsPoisonToTheDeadLetterQueueAndRetriesOnTimers(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("reactive-sink");
        String dlq = topic + "-dlq";
        String flaky = "flaky-" + topic;
        try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
            producer.send(new ProducerRecord<>(topic, 0, null, bytes("\"a\""))).get();
            producer.send(new ProducerRecord<>(topic, 0, null, POISON)).get();
            producer.send(new ProducerRecord<>(topic, 0, null, bytes("\"" + flaky + "\""))).get();
            producer.send(new ProducerRecord<>(topic, 0, null, bytes("\"d\""))).get();
        }
        Path out = dir.resolve("out.txt");
        Map<String, String> config = new HashMap<>(Map.of("connector.class", "FileStreamSink", "file", out.toString(), "topics", topic,
                "value.converter", "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable", "false",
                "transforms", "flaky", "transforms.flaky.type", ErrorTestPlugins.FlakyTransform.class.getName(),
                "errors.retry.timeout", "30000", "errors.retry.delay.max.ms", "50", "errors.tolerance", "all"));
        config.put("errors.deadletterqueue.topic.name", dlq);
        config.put("errors.deadletterqueue.topic.replication.factor", "1");
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("reactive-sink", config);
            await().atMost(WAIT).until(() -> Files.exists(out) && Files.readAllLines(out).size() >= 3);
            assertThat(Files.readAllLines(out)).containsExactly("a", flaky, "d");
            assertThat(ErrorTestPlugins.FLAKY_CALLS.get(flaky).get()).isEqualTo(3);
            List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(dlq, 1, WAIT);
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).value()).isEqualTo(POISON);
            assertThat(dead.get(0).headers().lastHeader("__connect.errors.stage")).isNull(); // context headers are off by default
            assertThat(taskStates(worker, "reactive-sink")).containsOnly("RUNNING");
        }
    }

    /** KIP-610: reported records reach the DLQ, their futures complete, and no commit passes one before its write is acknowledged. */
    @Test
    void errantRecordReporterWritesToTheDeadLetterQueueBeforeOffsetsPassTheRecord(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("errant");
        String dlq = topic + "-dlq";
        List<Long> badOffsets = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
            for (int i = 0; i < 10; i++) {
                long offset = producer.send(new ProducerRecord<>(topic, 0, null, bytes(i % 4 == 1 ? "bad-" + i : "good-" + i)))
                        .get().offset();
                if (i % 4 == 1) {
                    badOffsets.add(offset);
                }
            }
        }
        Map<String, String> config = new HashMap<>(Map.of(
                "connector.class", ErrorTestPlugins.ErrantSink.class.getName(), "topics", topic, "report", "true",
                "value.converter", "org.apache.kafka.connect.storage.StringConverter",
                "errors.tolerance", "all",
                "errors.deadletterqueue.topic.name", dlq,
                "errors.deadletterqueue.topic.replication.factor", "1",
                "errors.deadletterqueue.context.headers.enable", "true",
                // the dead-letter writes take a while to be acknowledged: commits (every 200 ms) must wait for them
                "producer.override.linger.ms", "1500"));
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of()); Admin admin = admin(kafka)) {
            worker.create("errant", config);
            List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(dlq, badOffsets.size(), WAIT);
            assertThat(dead).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("bad-1", "bad-5", "bad-9");
            assertThat(dead).extracting(r -> header(r, "__connect.errors.offset"))
                    .containsExactlyElementsOf(badOffsets.stream().map(String::valueOf).toList());
            assertThat(dead).extracting(r -> header(r, "__connect.errors.stage")).containsOnly("TASK_PUT");
            await().atMost(WAIT).until(() -> ErrorTestPlugins.REPORTED.get("errant").stream().allMatch(java.util.concurrent.Future::isDone));
            for (java.util.concurrent.Future<Void> f : ErrorTestPlugins.REPORTED.get("errant")) {
                assertThat(f.get()).isNull();
            }
            await().atMost(WAIT).untilAsserted(() -> assertThat(admin.listConsumerGroupOffsets("connect-errant")
                    .partitionsToOffsetAndMetadata().get().get(new TopicPartition(topic, 0))).isNotNull()
                    .extracting(OffsetAndMetadata::offset).isEqualTo(10L));
            assertThat(ErrorTestPlugins.COMMITTED_TOO_EARLY.get("errant")).isNull();
            assertThat(ErrorTestPlugins.VALUES.get("errant")).hasSize(7);
        }
    }

    /** Our extension: a source record that fails conversion goes to the DLQ with its source partition and offset; offsets commit. */
    @Test
    void sourceRecordsFailingConversionGoToTheDeadLetterQueue(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("src-dlq");
        String dlq = topic + "-dlq";
        Map<String, String> config = new HashMap<>(Map.of(
                "connector.class", ErrorTestPlugins.CountingSource.class.getName(), "topic", topic, "count", "10", "bad.every", "4",
                "value.converter", ErrorTestPlugins.PickyConverter.class.getName(),
                "errors.tolerance", "all",
                "errors.deadletterqueue.topic.name", dlq,
                "errors.deadletterqueue.topic.replication.factor", "1",
                "errors.deadletterqueue.context.headers.enable", "true"));
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("src-dlq", config);
            List<ConsumerRecord<byte[], byte[]>> good = kafka.consume(topic, 8, WAIT);
            assertThat(good).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactly("v0", "v1", "v2", "v4", "v5", "v6", "v8", "v9");
            List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(dlq, 2, WAIT);
            assertThat(dead).hasSize(2);
            assertThat(dead).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("\"bad3\"", "\"bad7\"");
            assertThat(dead).extracting(r -> header(r, "__connect.errors.source.partition")).containsOnly("{\"p\":\"x\"}");
            assertThat(dead).extracting(r -> header(r, "__connect.errors.source.offset")).containsExactly("{\"n\":3}", "{\"n\":7}");
            assertThat(dead).extracting(r -> header(r, "__connect.errors.stage")).containsOnly("VALUE_CONVERTER");
            assertThat(dead).extracting(r -> header(r, "__connect.errors.class.name"))
                    .containsOnly(ErrorTestPlugins.PickyConverter.class.getName());
            assertThat(dead).extracting(r -> header(r, "__connect.errors.topic")).containsOnly(topic);
            // the offsets commit past the failed records
            await().atMost(WAIT).untilAsserted(() -> {
                JsonArray offsets = worker.get("/connectors/src-dlq/offsets").json().getJsonArray("offsets");
                assertThat(offsets).hasSize(1);
                assertThat(offsets.getJsonObject(0).getJsonObject("offset").getInteger("n")).isEqualTo(9);
            });
            assertThat(taskStates(worker, "src-dlq")).containsOnly("RUNNING");
        }
    }

    @Test
    void validationKnowsTheErrorKeysAndRejectsABadTolerance(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            JsonObject config = new JsonObject().put("connector.class", ErrorTestPlugins.ErrantSink.class.getName())
                    .put("name", "bad-tolerance").put("topics", "t").put("errors.tolerance", "some")
                    .put("errors.retry.timeout", "10");
            TestWorker.Response r = worker.send("PUT", "/connector-plugins/" + ErrorTestPlugins.ErrantSink.class.getName()
                    + "/config/validate", config.encode());
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().getInteger("error_count")).isEqualTo(1);
            Map<String, JsonObject> values = new HashMap<>();
            r.json().getJsonArray("configs").forEach(c -> {
                JsonObject v = ((JsonObject) c).getJsonObject("value");
                values.put(v.getString("name"), v);
            });
            assertThat(values.get("errors.tolerance").getJsonArray("errors").getString(0)).contains("some");
            assertThat(values.get("errors.retry.timeout").getJsonArray("errors")).isEmpty();
            assertThat(values).containsKeys("errors.deadletterqueue.topic.name", "errors.deadletterqueue.context.headers.enable",
                    "errors.log.enable", "errors.log.include.messages", "errors.retry.delay.max.ms",
                    "errors.deadletterqueue.topic.replication.factor");
            TestWorker.Response created = worker.send("POST", "/connectors",
                    new JsonObject().put("name", "bad-tolerance").put("config", config).encode());
            assertThat(created.status()).isEqualTo(400);
            assertThat(created.json().getString("message")).contains("errors.tolerance");
        }
    }

    static List<String> taskStates(TestWorker worker, String name) {
        return worker.status(name).getJsonArray("tasks").stream().map(t -> ((JsonObject) t).getString("state")).toList();
    }

    private static List<String> lines(ListAppender<ILoggingEvent> log, String connector) {
        synchronized (log.list) {
            return log.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.startsWith("Error encountered in task " + connector + "-")).toList();
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Admin admin(KafkaBroker kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaBroker kafka) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
