package io.connectreactive.connectors.http;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The case a thread per task cannot serve: a thousand HTTP sink tasks, one partition each, against an
 * endpoint that answers after 100 ms. On a standalone worker their consumer is the connector's, and the
 * tasks run on the event loops, so the thousand tasks add a couple of threads, not two thousand; every
 * record arrives, in order per partition, and is committed.
 */
@ExtendWith(KafkaBroker.class)
class HttpSinkDensityTest {

    private static final int TASKS = 1000;
    private static final int PER_PARTITION = 3;

    @Test
    void aThousandTasksAgainstASlowEndpointDeliverEveryRecordOnAFewThreads(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        // a topic of a thousand new partitions answers NotLeader at first: plain in-order retries
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        try (TestHttpServer server = TestHttpServer.start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
             KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            server.respond = r -> TestHttpServer.Answer.ok(100);
            String topic = KafkaBroker.uniqueTopic("http-dense");
            admin.createTopics(List.of(new NewTopic(topic, TASKS, (short) 1))).all().get();
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < PER_PARTITION; i++) {
                for (int partition = 0; partition < TASKS; partition++) {
                    sends.add(producer.send(new ProducerRecord<>(topic, partition, "k" + i, partition + "-" + i)));
                }
            }
            producer.flush();
            for (Future<RecordMetadata> send : sends) {
                send.get();
            }

            try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                int before = threads.getThreadCount();
                AtomicInteger peak = new AtomicInteger(before);
                worker.create("dense", HttpSinkConnectorTest.sink(topic, server.url("/slow"), Map.of(
                        "tasks.max", String.valueOf(TASKS), "http.max.in.flight", "1")));
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                        .alias("every record acknowledged by the endpoint").untilAsserted(() -> {
                            peak.accumulateAndGet(threads.getThreadCount(), Math::max);
                            assertThat(server.acked.size()).isEqualTo(TASKS * PER_PARTITION);
                        });
                await().atMost(Duration.ofMinutes(1)).until(() -> committed(admin) == (long) TASKS * PER_PARTITION);
                peak.accumulateAndGet(threads.getThreadCount(), Math::max);

                assertThat(server.received).hasSize(TASKS * PER_PARTITION);
                for (int partition = 0; partition < TASKS; partition++) {
                    assertThat(HttpSinkConnectorTest.valuesOf(server.ackedBodies(), partition)).as("partition " + partition)
                            .containsExactlyElementsOf(HttpSinkConnectorTest.expected(partition, 0, PER_PARTITION));
                }
                JsonObject status = worker.status("dense");
                assertThat(status.getJsonArray("tasks")).hasSize(TASKS)
                        .allSatisfy(t -> assertThat(((JsonObject) t).getString("state")).isEqualTo("RUNNING"));
                assertThat(peak.get() - before).as("threads the thousand tasks added").isLessThanOrEqualTo(16);
                assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                        .filteredOn(n -> n.startsWith("cr-sink-consumer-dense")).containsExactly("cr-sink-consumer-dense");
            }
        }
    }

    private static long committed(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets =
                admin.listConsumerGroupOffsets("connect-dense").partitionsToOffsetAndMetadata().get();
        Map<Integer, Long> byPartition = new HashMap<>();
        offsets.forEach((tp, o) -> {
            if (o != null) {
                byPartition.put(tp.partition(), o.offset());
            }
        });
        return byPartition.values().stream().mapToLong(Long::longValue).sum();
    }
}
