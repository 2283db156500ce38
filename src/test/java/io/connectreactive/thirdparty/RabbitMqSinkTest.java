package io.connectreactive.thirdparty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.impl.ClientVersion;
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
 * Jeremy Custenborder's RabbitMQ sink connector ({@code com.github.jcustenborder.kafka.connect:kafka-connect-rabbitmq},
 * the archive he publishes, unmodified, in a plugin.path of its own) publishing a two-partition topic, with two
 * tasks (each its own AMQP connection), to an exchange of a RabbitMQ node of the test's own
 * ({@link PrivateRabbitMq}); the test reads what arrives from a queue bound to that exchange with RabbitMQ's Java
 * client. The connector publishes each record's value as the message body, so the value converter is
 * {@code ByteArrayConverter}. Its tasks use the AMQP client of its plugin directory (4.2.0), isolated from the newer
 * one this test puts on the worker's class path.
 */
@ExtendWith(KafkaBroker.class)
class RabbitMqSinkTest {

    private static final String CONNECTOR = "com.github.jcustenborder.kafka.connect.rabbitmq.RabbitMQSinkConnector";
    private static final String EXCHANGE = "orders-out";
    private static final String ROUTING_KEY = "kafka-orders";
    private static final String QUEUE = "orders-from-kafka";
    private static final int PER_PARTITION = 20;

    @Test
    void recordsOfATwoPartitionTopicArriveInARabbitMqQueueInPartitionOrder(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("rabbitmq-sink");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        try (PrivateRabbitMq rabbit = PrivateRabbitMq.start();
             Connection amqp = rabbit.connect();
             KafkaProducer<String, String> producer = producer(kafka);
             TestWorker worker = TestWorker.start(kafka, dir, Map.of(
                     WorkerConfig.PLUGIN_PATH, ThirdPartyPlugins.pluginPath("rabbitmq").resolve("usr/share/kafka-connect").toString()))) {
            Channel channel = amqp.createChannel();
            channel.exchangeDeclare(EXCHANGE, BuiltinExchangeType.DIRECT, true);
            channel.queueDeclare(QUEUE, true, false, false, null);
            channel.queueBind(QUEUE, EXCHANGE, ROUTING_KEY);
            List<String> received = new CopyOnWriteArrayList<>();
            channel.basicConsume(QUEUE, true,
                    (tag, delivery) -> received.add(new String(delivery.getBody(), StandardCharsets.UTF_8)), tag -> { });

            // half of each partition's records before the connector exists, half while it runs
            for (int seq = 0; seq < PER_PARTITION / 2; seq++) {
                send(producer, topic, seq);
            }
            producer.flush();

            assertThat(new JsonArray(worker.get("/connector-plugins").body()).stream().map(JsonObject.class::cast)
                    .filter(p -> p.getString("class").equals(CONNECTOR)))
                    .as("the sink connector in GET /connector-plugins").singleElement()
                    .satisfies(p -> {
                        assertThat(p.getString("type")).isEqualTo("sink");
                        // what the plugin reports: the Implementation-Version of its jar's manifest
                        assertThat(p.getString("version")).isEqualTo("0.0.2.16");
                    });

            Map<String, String> config = new HashMap<>();
            config.put("connector.class", CONNECTOR);
            config.put("tasks.max", "2");
            config.put("topics", topic);
            config.put("rabbitmq.host", "127.0.0.1");
            config.put("rabbitmq.port", String.valueOf(rabbit.port()));
            config.put("rabbitmq.exchange", EXCHANGE);
            config.put("rabbitmq.routing.key", ROUTING_KEY);
            config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
            config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
            worker.create("rabbitmq-sink", config);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonObject status = worker.status("rabbitmq-sink");
                assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("RUNNING");
                assertThat(status.getJsonArray("tasks")).hasSize(2);
                assertThat(status.getJsonArray("tasks").stream().map(t -> ((JsonObject) t).getString("state"))).containsOnly("RUNNING");
            });
            // each task talks to RabbitMQ through the amqp-client its plugin directory bundles (4.2.0), not the one on
            // the worker's class path (this test's)
            assertThat(ClientVersion.VERSION).isNotEqualTo("4.2.0");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(rabbit.otherClientVersions()).as("amqp-client versions of the connector's connections")
                            .containsExactly("4.2.0", "4.2.0"));

            for (int seq = PER_PARTITION / 2; seq < PER_PARTITION; seq++) {
                send(producer, topic, seq);
            }
            producer.flush();

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                    assertThat(received).as("messages in " + QUEUE).hasSize(2 * PER_PARTITION));
            // each partition's records arrive in the partition's order; none twice
            Map<String, List<String>> byPartition = received.stream().collect(Collectors.groupingBy(m -> m.substring(0, 2)));
            assertThat(byPartition.keySet()).containsExactlyInAnyOrder("p0", "p1");
            for (int partition = 0; partition < 2; partition++) {
                int p = partition;
                assertThat(byPartition.get("p" + p)).as("messages from partition " + p + ", in order")
                        .containsExactlyElementsOf(IntStream.range(0, PER_PARTITION).mapToObj(seq -> value(p, seq)).toList());
            }

            // both partitions were consumed to their end and committed by the connector's group
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(committedOffsets(kafka, topic))
                    .containsEntry(0, (long) PER_PARTITION).containsEntry(1, (long) PER_PARTITION));
            assertThat(worker.send("DELETE", "/connectors/rabbitmq-sink", null).status()).isEqualTo(204);
            assertThat(received).as("messages in " + QUEUE + " after the connector was deleted").hasSize(2 * PER_PARTITION);
        }
    }

    /** Partition → committed offset of the connector's consumer group ({@code connect-<connector>}). */
    private static Map<Integer, Long> committedOffsets(KafkaBroker kafka, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            return admin.listConsumerGroupOffsets("connect-rabbitmq-sink").partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(topic))
                    .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
        }
    }

    private static KafkaProducer<String, String> producer(KafkaBroker kafka) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** Record {@code seq} of each partition. */
    private static void send(KafkaProducer<String, String> producer, String topic, int seq) {
        for (int partition = 0; partition < 2; partition++) {
            producer.send(new ProducerRecord<>(topic, partition, "order-" + partition + "-" + seq, value(partition, seq)));
        }
    }

    private static String value(int partition, int seq) {
        return String.format("p%d-%02d", partition, seq);
    }
}
