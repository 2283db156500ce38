package io.connectreactive.thirdparty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.connectreactive.config.WorkerConfig;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * MongoDB's source connector ({@code org.mongodb.kafka:mongo-kafka-connect}, the jar with its dependencies
 * that MongoDB publishes, unmodified, in a plugin.path of its own) reading a change stream of a collection
 * from a MongoDB-protocol server the test starts on a free loopback port ({@code mongo-java-server} with its
 * oplog on: no {@code mongod} is packaged for this machine; its change events lack the namespace, which the
 * connector's {@code pipeline} setting adds). Inserts and an update made after the connector
 * started arrive in Kafka as change events, in order (the update is checked by its kind only: this server's
 * update events lack fields that mongod's carry).
 */
@ExtendWith(KafkaBroker.class)
class MongoSourceTest {

    @Test
    void changesOfACollectionArriveInKafkaAsChangeEvents(KafkaBroker kafka, @TempDir Path dir) {
        String prefix = KafkaBroker.uniqueTopic("mongo-src");
        String topic = prefix + ".shop.customers";
        int port = ThirdPartyPlugins.freePort();
        MongoServer server = new MongoServer(new MemoryBackend());
        server.enableOplog();
        server.bind("127.0.0.1", port);
        try (MongoClient mongo = MongoClients.create("mongodb://127.0.0.1:" + port);
             TestWorker worker = TestWorker.start(kafka, dir, Map.of(
                     WorkerConfig.PLUGIN_PATH, ThirdPartyPlugins.pluginPath("mongodb").toString()))) {
            MongoCollection<Document> customers = mongo.getDatabase("shop").getCollection("customers");
            customers.insertOne(new Document("_id", 0).append("name", "before the connector"));

            Map<String, String> config = new HashMap<>();
            config.put("connector.class", "com.mongodb.kafka.connect.MongoSourceConnector");
            config.put("tasks.max", "1");
            config.put("connection.uri", "mongodb://127.0.0.1:" + port);
            config.put("database", "shop");
            config.put("collection", "customers");
            config.put("topic.prefix", prefix);
            config.put("poll.await.time.ms", "200");
            // mongo-java-server's change events lack the namespace ("ns") that mongod puts in every event and from
            // which the connector names the topic: the connector's own pipeline setting adds it
            config.put("pipeline", "[{\"$addFields\": {\"ns\": {\"db\": \"shop\", \"coll\": \"customers\"}}}]");
            config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
            config.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
            worker.create("mongo-source", config);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonObject status = worker.status("mongo-source");
                assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("RUNNING");
                assertThat(status.getJsonArray("tasks")).hasSize(1);
                assertThat(status.getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RUNNING");
            });

            // the change stream opens when the task starts: changes after that arrive, in order
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                customers.insertOne(new Document("_id", 100 + (int) customers.countDocuments()).append("name", "probe"));
                assertThat(kafka.endOffset(topic)).isPositive();
            });
            // every probe has arrived (the document inserted before the task started is not in the stream)
            long probes = customers.countDocuments(Filters.eq("name", "probe"));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(kafka.endOffset(topic)).isEqualTo(probes));
            long before = probes;
            for (int id = 1; id <= 5; id++) {
                customers.insertOne(new Document("_id", id).append("name", "customer-" + id));
            }
            customers.updateOne(Filters.eq("_id", 2), Updates.set("name", "renamed"));

            List<ConsumerRecord<byte[], byte[]>> records = kafka.consume(topic, (int) before + 6, Duration.ofSeconds(60));
            List<JsonObject> events = records.stream().skip(before)
                    .map(r -> new JsonObject(new String(r.value(), StandardCharsets.UTF_8))).toList();
            assertThat(events).hasSize(6);
            assertThat(events).extracting(e -> e.getString("operationType"))
                    .containsExactly("insert", "insert", "insert", "insert", "insert", "update");
            assertThat(events.subList(0, 5)).extracting(e -> e.getJsonObject("fullDocument").getString("name"))
                    .containsExactly("customer-1", "customer-2", "customer-3", "customer-4", "customer-5");
            assertThat(events.subList(0, 5)).extracting(e -> e.getJsonObject("documentKey").getInteger("_id"))
                    .containsExactly(1, 2, 3, 4, 5);
            assertThat(worker.send("DELETE", "/connectors/mongo-source", null).status()).isEqualTo(204);
        } finally {
            server.shutdownNow();
        }
    }
}
