package io.connectreactive.connectors.postgres;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.connectreactive.thirdparty.PrivatePostgres;
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
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static io.connectreactive.connectors.postgres.PgRecords.key;
import static io.connectreactive.connectors.postgres.PgRecords.rows;
import static io.connectreactive.connectors.postgres.PgRecords.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The PostgreSQL sink end to end: real broker, a real PostgreSQL server (Debian's, started by the
 * test) and one real worker shared by the tests, each with a topic, table and connector of its own.
 */
@ExtendWith(KafkaBroker.class)
class PostgresSinkConnectorTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String COLUMNS = "id, customer, amount";

    @TempDir
    static Path dir;
    private static PrivatePostgres pg;
    private static TestWorker worker;
    private static KafkaBroker kafka;
    private static Admin admin;
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void start(KafkaBroker broker) {
        kafka = broker;
        pg = PrivatePostgres.start();
        pg.addPasswordUser("sinkuser", "right-password");
        worker = TestWorker.start(broker, dir, Map.of());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close();
            admin.close();
            worker.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void upsertsFourPartitionsWithTwoTasksAndAReplayLeavesTheTableExact() throws Exception {
        String topic = topic("upsert", 4);
        worker.create("pg-upsert", sink(topic, "upserted", Map.of("tasks.max", "2", "insert.mode", "upsert",
                "pk.mode", "record_key", "auto.create", "true")));
        for (int id = 0; id < 200; id++) {
            producer.send(new ProducerRecord<>(topic, id % 4, key(id), value(id, "c-" + id, id)));
        }
        for (int id = 0; id < 200; id++) { // a second value per key, in the same partition: the later one wins
            producer.send(new ProducerRecord<>(topic, id % 4, key(id), value(id, "c-" + id, 10L * id)));
        }
        producer.flush();
        List<String> expected = IntStream.range(0, 200).mapToObj(id -> id + "|c-" + id + "|" + 10L * id).toList();
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, "upserted", COLUMNS)).isEqualTo(expected));
        await().atMost(WAIT).until(() -> committedSum("pg-upsert", topic) == 400);
        JsonObject status = worker.status("pg-upsert");
        assertThat(status.getJsonArray("tasks")).hasSize(2);
        assertThat(status.getJsonArray("tasks").stream().map(t -> ((JsonObject) t).getString("state"))).containsOnly("RUNNING");
        assertThat(pg.sql("SELECT string_agg(a.attname, ',') FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                + "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '\"upserted\"'::regclass AND i.indisprimary")).isEqualTo("id");

        // a second connector (a new consumer group) replays the whole topic into the same table
        worker.create("pg-upsert-replay", sink(topic, "upserted", Map.of("insert.mode", "upsert", "pk.mode", "record_key")));
        await().atMost(WAIT).until(() -> committedSum("pg-upsert-replay", topic) == 400);
        assertThat(rows(pg, "upserted", COLUMNS)).isEqualTo(expected);
        delete("pg-upsert", "pg-upsert-replay");
    }

    @Test
    void insertModeAndThePrimaryKeyModes() throws Exception {
        String topic = topic("modes", 2);
        for (int i = 0; i < 30; i++) {
            int id = i % 10; // every id three times
            producer.send(new ProducerRecord<>(topic, id % 2, PgRecords.longKey(1000 + id), value(id, "c-" + id, i)));
        }
        producer.flush();
        // insert, no primary key: one row per record
        worker.create("pg-none", sink(topic, "by_none", Map.of("auto.create", "true")));
        // upsert by fields of the value
        worker.create("pg-value", sink(topic, "by_value", Map.of("auto.create", "true", "insert.mode", "upsert",
                "pk.mode", "record_value", "pk.fields", "id")));
        // upsert by a primitive key, in a column pk.fields names
        worker.create("pg-key", sink(topic, "by_key", Map.of("auto.create", "true", "insert.mode", "upsert",
                "pk.mode", "record_key", "pk.fields", "order_id")));
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, "by_none", COLUMNS)).hasSize(30));
        assertThat(rows(pg, "by_none", "id, count(*)::int FROM \"by_none\" GROUP BY id ORDER BY id --"))
                .isEqualTo(IntStream.range(0, 10).mapToObj(id -> id + "|3").toList());
        List<String> last = IntStream.range(0, 10).mapToObj(id -> id + "|c-" + id + "|" + (20 + id)).toList();
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, "by_value", COLUMNS)).isEqualTo(last));
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, "by_key", "order_id, id, amount"))
                .isEqualTo(IntStream.range(0, 10).mapToObj(id -> (1000 + id) + "|" + id + "|" + (20 + id)).toList()));
        assertThat(pg.sql("SELECT data_type FROM information_schema.columns WHERE table_name = 'by_key' AND column_name = 'order_id'"))
                .isEqualTo("bigint");
        delete("pg-none", "pg-value", "pg-key");
    }

    @Test
    void writesIntoAnExistingTableWhoseColumnTypesDifferFromTheSchema() throws Exception {
        pg.sql("CREATE TABLE \"wider\" (id BIGINT PRIMARY KEY, customer VARCHAR(40) NOT NULL, amount NUMERIC(20, 2), extra TEXT)");
        String topic = topic("wider", 1);
        worker.create("pg-wider", sink(topic, "wider", Map.of("insert.mode", "upsert", "pk.mode", "record_key")));
        for (int id = 0; id < 5; id++) {
            producer.send(new ProducerRecord<>(topic, 0, key(id), value(id, "c-" + id, 10L * id)));
        }
        producer.flush();
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, "wider", COLUMNS))
                .isEqualTo(IntStream.range(0, 5).mapToObj(id -> id + "|c-" + id + "|" + (10 * id) + ".00").toList()));
        delete("pg-wider");
    }

    @Test
    void tombstonesDeleteTheRowsOfTheirKeys() throws Exception {
        String topic = topic("delete", 2);
        worker.create("pg-delete", sink(topic, "deleted", Map.of("insert.mode", "upsert", "pk.mode", "record_key",
                "delete.enabled", "true", "auto.create", "true")));
        for (int id = 0; id < 10; id++) {
            producer.send(new ProducerRecord<>(topic, id % 2, key(id), value(id, "c-" + id, id)));
        }
        producer.send(new ProducerRecord<>(topic, 1, key(3), null));
        producer.send(new ProducerRecord<>(topic, 0, key(4), null));
        producer.send(new ProducerRecord<>(topic, 0, key(4), value(4, "back", 44))); // deleted, then back
        producer.send(new ProducerRecord<>(topic, 1, key(7), null));
        producer.flush();
        List<String> expected = IntStream.range(0, 10).filter(id -> id != 3 && id != 7)
                .mapToObj(id -> id == 4 ? "4|back|44" : id + "|c-" + id + "|" + id).toList();
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, "deleted", COLUMNS)).isEqualTo(expected));
        await().atMost(WAIT).until(() -> committedSum("pg-delete", topic) == 14);
        delete("pg-delete");
    }

    @Test
    void autoEvolveAddsAColumnForANewOptionalField() throws Exception {
        String topic = topic("evolve", 1);
        worker.create("pg-evolve", sink(topic, "evolved", Map.of("insert.mode", "upsert", "pk.mode", "record_key",
                "auto.create", "true", "auto.evolve", "true")));
        for (int id = 0; id < 5; id++) {
            producer.send(new ProducerRecord<>(topic, 0, key(id), value(id, "c-" + id, id)));
        }
        producer.flush();
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, "evolved", COLUMNS)).hasSize(5));
        for (int id = 5; id < 8; id++) {
            producer.send(new ProducerRecord<>(topic, 0, key(id), PgRecords.valueWithNote(id, "c-" + id, id, "note-" + id)));
        }
        producer.flush();
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, "evolved", "id, coalesce(note, '-')")).isEqualTo(List.of(
                "0|-", "1|-", "2|-", "3|-", "4|-", "5|note-5", "6|note-6", "7|note-7")));
        assertThat(pg.sql("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'evolved' AND column_name = 'note'"))
                .isEqualTo("YES");
        delete("pg-evolve");
    }

    @Test
    void aMissingTableWithoutAutoCreateFailsTheTaskWithAClearMessage() throws Exception {
        String topic = topic("missing", 1);
        worker.create("pg-missing", sink(topic, "no_such_table", Map.of()));
        producer.send(new ProducerRecord<>(topic, 0, key(1), value(1, "c", 1))).get();
        String trace = failedTrace("pg-missing");
        assertThat(trace).contains("Table no_such_table does not exist and auto.create is false",
                "the record of " + topic + "-0 at offset 0");
        assertThat(committedSum("pg-missing", topic)).isZero();
        delete("pg-missing");
    }

    @Test
    void aWrongPasswordFailsTheTaskWithAClearMessageWithoutThePassword() throws Exception {
        String topic = topic("password", 1);
        worker.create("pg-password", sink(topic, "pw", Map.of("connection.user", "sinkuser",
                "connection.password", "wrong-secret-123", "auto.create", "true")));
        producer.send(new ProducerRecord<>(topic, 0, key(1), value(1, "c", 1))).get();
        String trace = failedTrace("pg-password");
        assertThat(trace).contains("SQL state 28P01", "sinkuser", "127.0.0.1:" + pg.port() + "/postgres")
                .doesNotContain("wrong-secret-123");

        // the right password works
        worker.create("pg-password-ok", sink(topic, "pw", Map.of("connection.user", "sinkuser",
                "connection.password", "right-password", "auto.create", "true")));
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, "pw", COLUMNS)).containsExactly("1|c|1"));
        delete("pg-password", "pg-password-ok");
    }

    @Test
    void aRecordPostgresRefusesGoesToTheDeadLetterQueueWithItsSqlState() throws Exception {
        String topic = topic("dlq", 1);
        String dlq = topic + "-dlq";
        Map<String, String> config = new HashMap<>(sink(topic, "refusing", Map.of("pk.mode", "record_key", "auto.create", "true")));
        config.putAll(Map.of("errors.tolerance", "all", "errors.deadletterqueue.topic.name", dlq,
                "errors.deadletterqueue.topic.replication.factor", "1", "errors.deadletterqueue.context.headers.enable", "true"));
        worker.create("pg-dlq", config);
        producer.send(new ProducerRecord<>(topic, 0, key(1), value(1, "first", 1))).get();
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, "refusing", COLUMNS)).containsExactly("1|first|1"));
        // in one batch (most likely): a duplicate key (insert mode) between two good records; only it is refused
        producer.send(new ProducerRecord<>(topic, 0, key(3), value(3, "third", 3)));
        producer.send(new ProducerRecord<>(topic, 0, key(1), value(1, "again", 2)));
        producer.send(new ProducerRecord<>(topic, 0, key(4), value(4, "fourth", 4)));
        producer.flush();
        List<ConsumerRecord<byte[], byte[]>> failed = kafka.consume(dlq, 1, WAIT);
        assertThat(header(failed.get(0), "__connect.errors.offset")).isEqualTo("2");
        assertThat(header(failed.get(0), "__connect.errors.postgres.sqlstate")).isEqualTo("23505");
        assertThat(header(failed.get(0), "__connect.errors.postgres.table")).isEqualTo("refusing");
        assertThat(header(failed.get(0), "__connect.errors.exception.message")).contains("SQL state 23505", "refusing");
        producer.send(new ProducerRecord<>(topic, 0, key(2), value(2, "second", 2))).get();
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, "refusing", COLUMNS))
                .containsExactly("1|first|1", "2|second|2", "3|third|3", "4|fourth|4"));
        await().atMost(WAIT).until(() -> committedSum("pg-dlq", topic) == 5);
        assertThat(kafka.consume(dlq, 1, WAIT)).as("only the refused record").hasSize(1);
        assertThat(admin.listOffsets(Map.of(new TopicPartition(dlq, 0), org.apache.kafka.clients.admin.OffsetSpec.latest()))
                .partitionResult(new TopicPartition(dlq, 0)).get().offset()).isEqualTo(1);
        assertThat(worker.status("pg-dlq").getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RUNNING");
        delete("pg-dlq");
    }

    @Test
    void postgresStoppedForAFewSecondsLosesNothing() throws Exception {
        String topic = topic("outage", 2);
        worker.create("pg-outage", sink(topic, "outage", Map.of("insert.mode", "upsert", "pk.mode", "record_key",
                "auto.create", "true", "max.retries", "40", "retry.backoff.ms", "250", "tasks.max", "2")));
        produce(topic, 0, 100);
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, "outage", COLUMNS)).hasSize(100));
        pg.stop();
        try {
            produce(topic, 100, 200);
            await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(worker.status("pg-outage").getJsonArray("tasks").stream().map(t -> ((JsonObject) t).getString("state")))
                            .containsOnly("RUNNING"));
        } finally {
            pg.startAgain();
        }
        List<String> expected = IntStream.range(0, 200).mapToObj(id -> id + "|c-" + id + "|" + id).toList();
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, "outage", COLUMNS)).isEqualTo(expected));
        await().atMost(WAIT).until(() -> committedSum("pg-outage", topic) == 200);
        delete("pg-outage");
    }

    @Test
    void tasksCreatingTheSameTableAtOnceAllGoOn() throws Exception {
        // every task finds the table missing and creates it in the same instant: the losers of the race
        // (duplicate_table, duplicate_object for its row type, unique_violation in the catalog) read it again and write
        for (int round = 0; round < 3; round++) {
            String table = "racing_" + round;
            String topic = topic("race" + round, 6);
            produce(topic, 0, 120);
            String name = "pg-race-" + round;
            worker.create(name, sink(topic, table, Map.of("insert.mode", "upsert", "pk.mode", "record_key",
                    "auto.create", "true", "tasks.max", "6")));
            List<String> expected = IntStream.range(0, 120).mapToObj(id -> id + "|c-" + id + "|" + id).toList();
            await().atMost(WAIT).untilAsserted(() -> assertThat(rows(pg, table, COLUMNS)).isEqualTo(expected));
            assertThat(worker.status(name).getJsonArray("tasks").stream().map(t -> ((JsonObject) t).getString("state")))
                    .hasSize(6).containsOnly("RUNNING");
            delete(name);
        }
    }

    @Test
    void invalidConfigurationsAreRefusedWithClearMessages() {
        JsonObject bad = new JsonObject().put("connector.class", "PostgresSink").put("name", "pg-bad").put("topics", "t")
                .put("connection.url", "postgresql://127.0.0.1/db").put("delete.enabled", "true").put("pk.mode", "record_value");
        JsonObject answer = worker.send("PUT", "/connector-plugins/PostgresSinkConnector/config/validate", bad.encode()).json();
        assertThat(answer.getInteger("error_count")).isEqualTo(2);
        assertThat(errorsOf(answer, "connection.url")).singleElement().asString().contains("must be a jdbc:postgresql://host:port/database URL");
        assertThat(errorsOf(answer, "delete.enabled")).containsExactly("delete.enabled=true requires pk.mode=record_key (it is record_value)");
        JsonObject upsert = bad.copy().put("connection.url", "jdbc:postgresql://127.0.0.1:5432/db?sslmode=sometimes")
                .put("delete.enabled", "false").put("pk.mode", "none").put("insert.mode", "upsert");
        answer = worker.send("PUT", "/connector-plugins/PostgresSinkConnector/config/validate", upsert.encode()).json();
        assertThat(answer.getInteger("error_count")).isEqualTo(2);
        assertThat(errorsOf(answer, "connection.url")).singleElement().asString().contains("invalid sslmode 'sometimes'");
        assertThat(errorsOf(answer, "insert.mode")).singleElement().asString().contains("insert.mode=upsert requires a primary key");
        TestWorker.Response created = worker.send("POST", "/connectors", new JsonObject().put("name", "pg-bad").put("config", bad).encode());
        assertThat(created.status()).isEqualTo(400);
        assertThat(created.body()).contains("delete.enabled=true requires pk.mode=record_key");
    }

    // --- helpers ---

    static Map<String, String> sink(String topic, String table, Map<String, String> extra) {
        Map<String, String> c = new HashMap<>(PgRecords.converters());
        c.put("connector.class", "PostgresSink");
        c.put("topics", topic);
        c.put("connection.url", "jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres");
        c.put("connection.user", "postgres");
        c.put("table.name.format", table);
        c.put("max.retries", "2");
        c.put("retry.backoff.ms", "100");
        c.putAll(extra);
        return c;
    }

    private static String topic(String prefix, int partitions) throws Exception {
        String topic = KafkaBroker.uniqueTopic("pg-" + prefix);
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        return topic;
    }

    /** Records id → {id, "c-id", id} for ids [from, to), id % partitions as partition. */
    private static void produce(String topic, int from, int to) throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        for (int id = from; id < to; id++) {
            producer.send(new ProducerRecord<>(topic, id % partitions, key(id), value(id, "c-" + id, id)));
        }
        producer.flush();
    }

    private static String failedTrace(String connector) {
        await().atMost(WAIT).until(() -> "FAILED".equals(worker.status(connector).getJsonArray("tasks").getJsonObject(0).getString("state")));
        return worker.status(connector).getJsonArray("tasks").getJsonObject(0).getString("trace");
    }

    private static void delete(String... connectors) {
        for (String c : connectors) {
            assertThat(worker.send("DELETE", "/connectors/" + c, null).status()).isEqualTo(204);
        }
    }

    static long committedSum(String connector, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("connect-" + connector)
                .partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream().filter(e -> e.getValue() != null && e.getKey().topic().equals(topic))
                .mapToLong(e -> e.getValue().offset()).sum();
    }

    private static List<String> errorsOf(JsonObject validation, String key) {
        return validation.getJsonArray("configs").stream().map(JsonObject.class::cast)
                .filter(c -> key.equals(c.getJsonObject("value").getString("name")))
                .flatMap(c -> c.getJsonObject("value").getJsonArray("errors").stream().map(String::valueOf)).toList();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
