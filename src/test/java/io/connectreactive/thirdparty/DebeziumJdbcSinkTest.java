package io.connectreactive.thirdparty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
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
 * Debezium's JDBC sink connector ({@code io.debezium:debezium-connector-jdbc}, the plugin archive Debezium
 * publishes, unmodified, in a plugin.path of its own) writing a two-partition topic into a real PostgreSQL
 * server started by the test, with two tasks: it creates the table from the records' schema, upserts by the
 * record key, and deletes the row of a key whose record is a tombstone.
 */
@ExtendWith(KafkaBroker.class)
class DebeziumJdbcSinkTest {

    private static final String KEY_SCHEMA = "{\"type\":\"struct\",\"name\":\"orders.Key\",\"optional\":false,"
            + "\"fields\":[{\"field\":\"id\",\"type\":\"int32\",\"optional\":false}]}";
    private static final String VALUE_SCHEMA = "{\"type\":\"struct\",\"name\":\"orders.Value\",\"optional\":false,"
            + "\"fields\":[{\"field\":\"id\",\"type\":\"int32\",\"optional\":false},"
            + "{\"field\":\"customer\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"amount\",\"type\":\"int64\",\"optional\":false}]}";

    @Test
    void recordsOfATwoPartitionTopicAreUpsertedAndDeletedInARealPostgres(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("dbz-jdbc");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        try (PrivatePostgres pg = PrivatePostgres.start();
             KafkaProducer<String, String> producer = producer(kafka)) {
            for (int id = 0; id < 20; id++) {
                send(producer, topic, id, value(id, "customer-" + id, 100L * id));
            }
            producer.flush();

            // the default discovery (hybrid_warn) reads every class file of the plugin's 49 jars (Hibernate and five JDBC
            // drivers) and loads only the classes whose supertypes may make them plugins: the worker starts in seconds
            long starting = System.nanoTime();
            try (TestWorker worker = TestWorker.start(kafka, dir, Map.of(
                    WorkerConfig.PLUGIN_PATH, ThirdPartyPlugins.pluginPath("debezium-jdbc").toString()))) {
                long startMs = (System.nanoTime() - starting) / 1_000_000;
                System.out.println("Worker with Debezium's JDBC sink on plugin.path (hybrid_warn) started in " + startMs + " ms");
                assertThat(startMs).as("worker start, scanning the plugin's 49 jars (loading every class took 49-75 s here)")
                        .isLessThan(30_000);
                assertThat(new JsonArray(worker.get("/connector-plugins").body()).stream().map(JsonObject.class::cast)
                        .filter(p -> p.getString("class").equals("io.debezium.connector.jdbc.JdbcSinkConnector")))
                        .singleElement().satisfies(p -> {
                            assertThat(p.getString("type")).isEqualTo("sink");
                            assertThat(p.getString("version")).isEqualTo("3.6.0.Final");
                        });

                Map<String, String> config = new HashMap<>();
                config.put("connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector");
                config.put("tasks.max", "2");
                config.put("topics", topic);
                config.put("connection.url", "jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres");
                config.put("connection.username", "postgres");
                config.put("connection.password", "unused-trust-auth");
                config.put("insert.mode", "upsert");
                config.put("delete.enabled", "true");
                config.put("primary.key.mode", "record_key");
                config.put("primary.key.fields", "id");
                config.put("schema.evolution", "basic");
                config.put("collection.name.format", "orders");
                config.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
                config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
                worker.create("debezium-jdbc", config);

                // the table is created from the records' schema and holds one row per key
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(rows(pg)).isEqualTo(IntStream.range(0, 20).mapToObj(id -> id + "|customer-" + id + "|" + 100L * id).toList()));
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonObject status = worker.status("debezium-jdbc");
                    assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("RUNNING");
                    assertThat(status.getJsonArray("tasks")).hasSize(2);
                    assertThat(status.getJsonArray("tasks").stream().map(t -> ((JsonObject) t).getString("state"))).containsOnly("RUNNING");
                });

                // a new value for a key updates its row; a tombstone deletes it; a new key inserts
                send(producer, topic, 3, value(3, "customer-3", 333L));
                send(producer, topic, 8, null);
                send(producer, topic, 20, value(20, "customer-20", 2000L));
                producer.flush();
                List<String> expected = IntStream.rangeClosed(0, 20).filter(id -> id != 8)
                        .mapToObj(id -> id + "|customer-" + id + "|" + (id == 3 ? 333L : 100L * id)).toList();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(rows(pg)).isEqualTo(expected));

                // both partitions were consumed to their end and committed by the connector's group
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(committedOffsets(kafka, topic))
                        .containsEntry(0, 12L).containsEntry(1, 11L));
                assertThat(worker.send("DELETE", "/connectors/debezium-jdbc", null).status()).isEqualTo(204);
            }
        }
    }

    /** The rows of table {@code orders} as {@code id|customer|amount}, by id; empty while the table does not exist. */
    private static List<String> rows(PrivatePostgres pg) {
        if (pg.sql("SELECT to_regclass('public.orders') IS NOT NULL").equals("f")) {
            return List.of();
        }
        String out = pg.sql("SELECT id, customer, amount FROM orders ORDER BY id");
        return out.isEmpty() ? List.of() : out.lines().toList();
    }

    /** Partition → committed offset of the connector's consumer group ({@code connect-<connector>}). */
    private static Map<Integer, Long> committedOffsets(KafkaBroker kafka, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            return admin.listConsumerGroupOffsets("connect-debezium-jdbc").partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(topic))
                    .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
        }
    }

    private static KafkaProducer<String, String> producer(KafkaBroker kafka) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** Even ids to partition 0, odd ids to partition 1; the key and value in JsonConverter's schema envelope. */
    private static void send(KafkaProducer<String, String> producer, String topic, int id, String value) {
        String key = "{\"schema\":" + KEY_SCHEMA + ",\"payload\":{\"id\":" + id + "}}";
        producer.send(new ProducerRecord<>(topic, id % 2, key, value));
    }

    private static String value(int id, String customer, long amount) {
        return "{\"schema\":" + VALUE_SCHEMA + ",\"payload\":{\"id\":" + id + ",\"customer\":\"" + customer + "\",\"amount\":" + amount + "}}";
    }
}
