package io.connectreactive.connectors.http;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.WorkerProcess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
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

/**
 * A worker in its own JVM delivers a three-partition topic with HttpSink (two tasks, two requests in
 * flight each, the endpoint answering 503 to every seventh request first) and is killed with SIGKILL
 * mid-stream, then started again: every record reaches a 2xx, each partition's records go out in
 * order after the restart from no later than where the killed worker had got to, and only records the
 * killed worker had already sent are sent twice (at least once, as Kafka Connect's sinks).
 */
@ExtendWith(KafkaBroker.class)
class HttpSinkKillTest {

    private static final int PARTITIONS = 3;
    private static final int BEFORE = 400;
    private static final int AFTER = 600;

    @Test
    void everyRecordReachesA2xxAfterKill9AndRestart(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        Path log = dir.resolve("worker.log");
        try {
            killAndRestart(kafka, dir, log);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\nworker log:\n" + WorkerProcess.tail(log, 60), e);
        }
    }

    private void killAndRestart(KafkaBroker kafka, Path dir, Path log) throws Exception {
        String topic = KafkaBroker.uniqueTopic("http-kill");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (TestHttpServer server = TestHttpServer.start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
             KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
            AtomicInteger requests = new AtomicInteger();
            Set<String> refusedOnce = ConcurrentHashMap.newKeySet();
            server.respond = r -> requests.incrementAndGet() % 7 == 0 && refusedOnce.add(r.body())
                    ? TestHttpServer.Answer.of(503, "busy") : TestHttpServer.Answer.ok(2);
            Path worker = dir.resolve("worker.properties");
            Files.writeString(worker, String.join("\n",
                    "bootstrap.servers=" + kafka.bootstrapServers(),
                    "listeners=http://127.0.0.1:0",
                    "runtime.data.dir=" + dir.resolve("data"),
                    "offset.flush.interval.ms=200",
                    // the killed worker's consumer leaves the group after this, not after the default 45 s
                    "consumer.session.timeout.ms=8000") + "\n");
            Path connector = dir.resolve("http-kill.properties");
            Files.writeString(connector, String.join("\n",
                    "name=http-kill", "connector.class=HttpSink", "tasks.max=2", "topics=" + topic,
                    "http.url=" + server.url("/in"), "http.max.in.flight=2", "http.retry.backoff.ms=20",
                    "key.converter=org.apache.kafka.connect.storage.StringConverter",
                    "value.converter=org.apache.kafka.connect.storage.StringConverter") + "\n");
            send(producer, topic, 0, BEFORE);

            try (WorkerProcess first = WorkerProcess.start(worker, log, connector)) {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> server.acked.size() >= 300);
                first.kill9();
            }
            Thread.sleep(200); // answers already on their 2 ms timer are decided: what the killed worker got acknowledged
            List<String> beforeKill = server.ackedSnapshot().stream().map(TestHttpServer.Received::body).toList();
            int ackedAtKill = beforeKill.size();
            send(producer, topic, BEFORE, AFTER);
            long end = endOffsets(admin, topic);
            assertThat(end).isEqualTo((long) PARTITIONS * AFTER);

            try (WorkerProcess second = WorkerProcess.start(worker, log, connector)) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> committed(admin, topic) == end);
                assertThat(second.terminate()).as("exit code after SIGTERM").isEqualTo(0);
            }
            List<String> all = server.ackedSnapshot().stream().map(TestHttpServer.Received::body).toList();
            List<String> afterRestart = all.subList(beforeKill.size(), all.size());
            for (int part = 0; part < PARTITIONS; part++) {
                List<String> expected = HttpSinkConnectorTest.expected(part, 0, AFTER);
                assertThat(new HashSet<>(HttpSinkConnectorTest.valuesOf(all, part))).as("partition %d: nothing lost", part)
                        .containsExactlyInAnyOrderElementsOf(expected);
                List<String> replayed = HttpSinkConnectorTest.valuesOf(afterRestart, part);
                assertThat(replayed).as("partition %d after the restart: in order, from its committed offset to the end", part)
                        .isEqualTo(expected.subList(expected.size() - replayed.size(), expected.size()));
                List<String> acknowledgedBefore = HttpSinkConnectorTest.valuesOf(beforeKill, part);
                assertThat(acknowledgedBefore).as("partition %d before the kill: in order, from the start", part)
                        .isEqualTo(expected.subList(0, acknowledgedBefore.size()));
                assertThat(expected.size() - replayed.size()).as("partition %d: the restart resumes no later than the kill", part)
                        .isLessThanOrEqualTo(acknowledgedBefore.size());
            }
            Map<String, Long> times = all.stream().collect(Collectors.groupingBy(b -> b, Collectors.counting()));
            List<String> twice = times.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
            assertThat(twice).as("only records acknowledged before the kill are sent again").allMatch(beforeKill::contains);
            assertThat(times.values()).as("a record is acknowledged at most twice").allMatch(n -> n <= 2);
            System.out.println("HttpSink kill -9: " + ackedAtKill + " of " + PARTITIONS * BEFORE + " acknowledged before the kill, "
                    + twice.size() + " sent again after the restart");
        }
    }

    private static void send(KafkaProducer<String, String> producer, String topic, int from, int to) {
        for (int i = from; i < to; i++) {
            for (int part = 0; part < PARTITIONS; part++) {
                producer.send(new ProducerRecord<>(topic, part, "k" + i, part + "-" + i));
            }
        }
        producer.flush();
    }

    private static long endOffsets(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int part = 0; part < PARTITIONS; part++) {
            latest.put(new TopicPartition(topic, part), OffsetSpec.latest());
        }
        return admin.listOffsets(latest).all().get().values().stream().mapToLong(r -> r.offset()).sum();
    }

    private static long committed(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("connect-http-kill")
                .partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream().filter(e -> e.getValue() != null && e.getKey().topic().equals(topic))
                .mapToLong(e -> e.getValue().offset()).sum();
    }
}
