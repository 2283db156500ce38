package io.connectreactive.thirdparty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Debezium's PostgreSQL connector ({@code io.debezium:debezium-connector-postgres}, the plugin archive
 * Debezium publishes, unmodified, in a plugin.path of its own) capturing changes of a real PostgreSQL
 * server started by the test with {@code wal_level=logical}, through the {@code pgoutput} logical
 * decoding plugin: the initial snapshot and then live inserts and updates arrive in Kafka as Debezium
 * change events.
 */
@ExtendWith(KafkaBroker.class)
class DebeziumPostgresSourceTest {

    @Test
    void snapshotAndLiveChangesOfARealPostgresArriveInKafka(KafkaBroker kafka, @TempDir Path dir) {
        String prefix = KafkaBroker.uniqueTopic("dbz").replace('-', '_');
        String topic = prefix + ".public.customers";
        try (PrivatePostgres pg = PrivatePostgres.start()) {
            pg.sql("CREATE TABLE customers (id INT PRIMARY KEY, name TEXT NOT NULL, city TEXT)");
            pg.sql("INSERT INTO customers VALUES (1, 'Ada', 'London'), (2, 'Grace', 'Arlington'), (3, 'Edsger', 'Austin')");

            try (TestWorker worker = TestWorker.start(kafka, dir, Map.of(
                    WorkerConfig.PLUGIN_PATH, ThirdPartyPlugins.pluginPath("debezium-postgres").toString()))) {
                assertThat(new JsonArray(worker.get("/connector-plugins").body()).stream().map(JsonObject.class::cast)
                        .filter(p -> p.getString("class").equals("io.debezium.connector.postgresql.PostgresConnector")))
                        .singleElement().satisfies(p -> {
                            assertThat(p.getString("type")).isEqualTo("source");
                            assertThat(p.getString("version")).isEqualTo("3.6.1.Final");
                        });

                Map<String, String> config = new HashMap<>();
                config.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
                config.put("tasks.max", "1");
                config.put("database.hostname", "127.0.0.1");
                config.put("database.port", String.valueOf(pg.port()));
                config.put("database.user", "postgres");
                config.put("database.password", "unused-trust-auth");
                config.put("database.dbname", "postgres");
                config.put("topic.prefix", prefix);
                config.put("plugin.name", "pgoutput");
                config.put("slot.name", prefix);
                config.put("publication.name", prefix + "_pub");
                config.put("publication.autocreate.mode", "filtered");
                config.put("table.include.list", "public.customers");
                config.put("snapshot.mode", "initial");
                config.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
                config.put("key.converter.schemas.enable", "false");
                config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
                config.put("value.converter.schemas.enable", "false");
                worker.create("debezium-postgres", config);

                // the snapshot: one read event per existing row
                List<JsonObject> snapshot = events(kafka, topic, 3);
                assertThat(snapshot).extracting(e -> e.getString("op")).containsOnly("r");
                assertThat(snapshot).extracting(e -> e.getJsonObject("after").getString("name"))
                        .containsExactlyInAnyOrder("Ada", "Grace", "Edsger");
                assertThat(snapshot).allSatisfy(e -> {
                    assertThat(e.getJsonObject("source").getString("connector")).isEqualTo("postgresql");
                    assertThat(e.getJsonObject("source").getString("table")).isEqualTo("customers");
                });
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonObject status = worker.status("debezium-postgres");
                    assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("RUNNING");
                    assertThat(status.getJsonArray("tasks")).hasSize(1);
                    assertThat(status.getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RUNNING");
                });

                // live changes, streamed from the write-ahead log once the snapshot is done
                pg.sql("INSERT INTO customers VALUES (4, 'Barbara', 'Boston')");
                pg.sql("UPDATE customers SET city = 'Nuenen' WHERE id = 3");
                pg.sql("DELETE FROM customers WHERE id = 2");
                List<JsonObject> all = events(kafka, topic, 7);
                List<JsonObject> live = all.stream().filter(e -> e != null && !"r".equals(e.getString("op"))).toList();
                assertThat(live).extracting(e -> e.getString("op")).containsExactly("c", "u", "d");
                assertThat(live.get(0).getJsonObject("after").getMap())
                        .containsEntry("id", 4).containsEntry("name", "Barbara").containsEntry("city", "Boston");
                assertThat(live.get(1).getJsonObject("after").getMap())
                        .containsEntry("id", 3).containsEntry("city", "Nuenen");
                assertThat(live.get(2).getJsonObject("before").getInteger("id")).isEqualTo(2);
                assertThat(live.get(2).getValue("after")).isNull();
                assertThat(all.get(6)).as("the tombstone that follows a delete").isNull();

                // the connector's replication slot is in use on the server
                assertThat(pg.sql("SELECT active FROM pg_replication_slots WHERE slot_name = '" + prefix + "'")).isEqualTo("t");
                assertThat(worker.send("DELETE", "/connectors/debezium-postgres", null).status()).isEqualTo(204);
            }
        }
    }

    /**
     * The first {@code count} records of {@code topic}, values parsed (a delete's tombstone is null),
     * in the order of one partition (the table's events are all keyed by id; the topic has one partition).
     */
    private static List<JsonObject> events(KafkaBroker kafka, String topic, int count) {
        List<ConsumerRecord<byte[], byte[]>> records = kafka.consume(topic, count, Duration.ofSeconds(90));
        assertThat(records).as("events in " + topic).hasSizeGreaterThanOrEqualTo(count);
        return records.stream().limit(count)
                .map(r -> r.value() == null ? null : new JsonObject(new String(r.value(), StandardCharsets.UTF_8)))
                .toList();
    }
}
