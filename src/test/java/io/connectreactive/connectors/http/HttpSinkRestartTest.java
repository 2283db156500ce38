package io.connectreactive.connectors.http;

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
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The HTTP sink's offsets across a worker restart: what a 2xx acknowledged is not sent again. */
@ExtendWith(KafkaBroker.class)
class HttpSinkRestartTest {

    @Test
    void recordsAcknowledgedBeforeARestartAreNotSentAgain(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("http-restart");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (TestHttpServer server = TestHttpServer.start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
             KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
            server.respond = r -> TestHttpServer.Answer.ok(5);
            Map<String, String> config = new HashMap<>(HttpSinkConnectorTest.sink(topic, server.url("/r"),
                    Map.of("tasks.max", "2", "http.max.in.flight", "2")));
            try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
                worker.create("restart", config);
                send(producer, topic, 0, 50);
                await().atMost(Duration.ofSeconds(30)).until(() -> server.acked.size() == 100);
            }
            assertThat(committed(admin, topic)).as("the final commit covers every acknowledged record")
                    .containsExactlyInAnyOrderEntriesOf(Map.of(0, 50L, 1, 50L));
            try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) { // the connector is in the worker's config store
                send(producer, topic, 50, 100);
                await().atMost(Duration.ofSeconds(30)).until(() -> server.acked.size() >= 200);
            }
            assertThat(server.received).hasSize(200);
            for (int part = 0; part < 2; part++) {
                assertThat(HttpSinkConnectorTest.valuesOf(server.ackedBodies(), part))
                        .containsExactlyElementsOf(HttpSinkConnectorTest.expected(part, 0, 100));
            }
            assertThat(committed(admin, topic)).containsExactlyInAnyOrderEntriesOf(Map.of(0, 100L, 1, 100L));
        }
    }

    private static void send(KafkaProducer<String, String> producer, String topic, int from, int to) {
        for (int i = from; i < to; i++) {
            for (int part = 0; part < 2; part++) {
                producer.send(new ProducerRecord<>(topic, part, "k" + i, part + "-" + i));
            }
        }
        producer.flush();
    }

    private static Map<Integer, Long> committed(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("connect-restart")
                .partitionsToOffsetAndMetadata().get();
        Map<Integer, Long> out = new HashMap<>();
        offsets.forEach((tp, om) -> {
            if (om != null && tp.topic().equals(topic)) {
                out.put(tp.partition(), om.offset());
            }
        });
        return out;
    }
}
