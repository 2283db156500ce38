package io.connectreactive.thirdparty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Sorts;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
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
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * MongoDB's sink connector ({@code org.mongodb.kafka:mongo-kafka-connect}, the jar with its dependencies that
 * MongoDB publishes, unmodified, in a plugin.path of its own) writing a two-partition topic, with two tasks,
 * over the MongoDB wire protocol to a server the test starts on a free loopback port. No {@code mongod} is
 * packaged for this machine: the server is {@code mongo-java-server} (an in-memory implementation of the
 * protocol), so this checks the connector and its driver running on connect-reactive, not MongoDB itself.
 * Each record's key carries the document's {@code _id}: a new value replaces the document, a tombstone
 * deletes it.
 */
@ExtendWith(KafkaBroker.class)
class MongoSinkTest {

    @Test
    void recordsOfATwoPartitionTopicAreReplacedAndDeletedAsMongoDocuments(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("mongo");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        int port = ThirdPartyPlugins.freePort();
        MongoServer server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", port);
        try (MongoClient mongo = MongoClients.create("mongodb://127.0.0.1:" + port);
             KafkaProducer<String, String> producer = producer(kafka)) {
            for (int id = 0; id < 20; id++) {
                send(producer, topic, id, value("customer-" + id, 100L * id));
            }
            producer.flush();

            try (TestWorker worker = TestWorker.start(kafka, dir, Map.of(
                    WorkerConfig.PLUGIN_PATH, ThirdPartyPlugins.pluginPath("mongodb").toString()))) {
                assertThat(new JsonArray(worker.get("/connector-plugins").body()).stream().map(JsonObject.class::cast)
                        .filter(p -> p.getString("class").equals("com.mongodb.kafka.connect.MongoSinkConnector")))
                        .singleElement().satisfies(p -> {
                            assertThat(p.getString("type")).isEqualTo("sink");
                            assertThat(p.getString("version")).startsWith("2.0.1");
                        });

                Map<String, String> config = new HashMap<>();
                config.put("connector.class", "com.mongodb.kafka.connect.MongoSinkConnector");
                config.put("tasks.max", "2");
                config.put("topics", topic);
                config.put("connection.uri", "mongodb://127.0.0.1:" + port);
                config.put("database", "shop");
                config.put("collection", "orders");
                config.put("document.id.strategy", "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInKeyStrategy");
                config.put("delete.on.null.values", "true");
                config.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
                config.put("key.converter.schemas.enable", "false");
                config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
                config.put("value.converter.schemas.enable", "false");
                worker.create("mongo-sink", config);

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                        assertThat(documents(mongo)).isEqualTo(IntStream.range(0, 20)
                                .mapToObj(id -> id + "|customer-" + id + "|" + 100L * id).toList()));
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonObject status = worker.status("mongo-sink");
                    assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("RUNNING");
                    assertThat(status.getJsonArray("tasks")).hasSize(2);
                    assertThat(status.getJsonArray("tasks").stream().map(t -> ((JsonObject) t).getString("state"))).containsOnly("RUNNING");
                });

                // a new value for a key replaces its document; a tombstone deletes it; a new key inserts
                send(producer, topic, 3, value("customer-3", 333L));
                send(producer, topic, 8, null);
                send(producer, topic, 20, value("customer-20", 2000L));
                producer.flush();
                List<String> expected = IntStream.rangeClosed(0, 20).filter(id -> id != 8)
                        .mapToObj(id -> id + "|customer-" + id + "|" + (id == 3 ? 333L : 100L * id)).toList();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                        assertThat(documents(mongo)).isEqualTo(expected));
                assertThat(worker.send("DELETE", "/connectors/mongo-sink", null).status()).isEqualTo(204);
            }
        } finally {
            server.shutdownNow();
        }
    }

    /** The documents of {@code shop.orders} as {@code _id|customer|amount}, by {@code _id}. */
    private static List<String> documents(MongoClient mongo) {
        List<String> out = new ArrayList<>();
        for (Document d : mongo.getDatabase("shop").getCollection("orders").find().sort(Sorts.ascending("_id"))) {
            out.add(d.get("_id") + "|" + d.getString("customer") + "|" + ((Number) d.get("amount")).longValue());
        }
        return out;
    }

    private static KafkaProducer<String, String> producer(KafkaBroker kafka) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** Even ids to partition 0, odd ids to partition 1; the key names the document's {@code _id}. */
    private static void send(KafkaProducer<String, String> producer, String topic, int id, String value) {
        producer.send(new ProducerRecord<>(topic, id % 2, "{\"_id\":" + id + "}", value));
    }

    private static String value(String customer, long amount) {
        return "{\"customer\":\"" + customer + "\",\"amount\":" + amount + "}";
    }
}
