package io.connectreactive.connectors.postgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.WorkerProcess;
import io.connectreactive.thirdparty.PrivatePostgres;
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

import static io.connectreactive.connectors.postgres.PgRecords.key;
import static io.connectreactive.connectors.postgres.PgRecords.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker in its own JVM, writing with PostgresSink in upsert mode, is killed with SIGKILL in the
 * middle of the stream and started again: the records after the last commit are written again,
 * and the table ends exact (one row per key, each key's last value).
 */
@ExtendWith(KafkaBroker.class)
class PostgresSinkRestartTest {

    private static final int KEYS = 2000;

    @Test
    void aTableWrittenWithUpsertIsExactAfterKill9AndRestart(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        Path log = dir.resolve("worker.log");
        try {
            killAndRestart(kafka, dir, log);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\nworker log:\n" + WorkerProcess.tail(log, 60), e);
        }
    }

    private void killAndRestart(KafkaBroker kafka, Path dir, Path log) throws Exception {
        String topic = KafkaBroker.uniqueTopic("pg-kill");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        // a retried send may duplicate a record: harmless here (upsert), and the end offsets are read, not computed
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        try (PrivatePostgres pg = PrivatePostgres.start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
             KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
            Path worker = dir.resolve("worker.properties");
            Files.writeString(worker, String.join("\n",
                    "bootstrap.servers=" + kafka.bootstrapServers(),
                    "listeners=http://127.0.0.1:0",
                    "runtime.data.dir=" + dir.resolve("data"),
                    "offset.flush.interval.ms=200",
                    // the killed worker's consumers leave the group after this, not after the default 45 s
                    "consumer.session.timeout.ms=8000") + "\n");
            Path connector = dir.resolve("pg-kill.properties");
            Files.writeString(connector, String.join("\n",
                    "name=pg-kill", "connector.class=PostgresSink", "tasks.max=2", "topics=" + topic,
                    "connection.url=jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres", "connection.user=postgres",
                    "table.name.format=killed", "insert.mode=upsert", "pk.mode=record_key", "auto.create=true", "batch.size=50",
                    "key.converter=" + PgRecords.JSON, "value.converter=" + PgRecords.JSON) + "\n");
            for (int id = 0; id < KEYS; id++) {
                producer.send(new ProducerRecord<>(topic, id % 2, key(id), value(id, "c-" + id, id)));
            }
            producer.flush();

            try (WorkerProcess first = WorkerProcess.start(worker, log, connector)) {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> count(pg) >= 300);
                first.kill9();
            }
            long atKill = count(pg);
            for (int id = 0; id < KEYS; id += 3) { // a later value for every third key
                producer.send(new ProducerRecord<>(topic, id % 2, key(id), value(id, "later-" + id, 10L * id)));
            }
            producer.flush();
            long end = endOffsets(admin, topic);

            try (WorkerProcess second = WorkerProcess.start(worker, log, connector)) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> committed(admin, topic) == end);
                assertThat(second.terminate()).as("exit code after SIGTERM").isEqualTo(0);
            }
            List<String> expected = IntStream.range(0, KEYS)
                    .mapToObj(id -> id % 3 == 0 ? id + "|later-" + id + "|" + 10L * id : id + "|c-" + id + "|" + id).toList();
            assertThat(PgRecords.rows(pg, "killed", "id, customer, amount")).isEqualTo(expected);
            System.out.println("PostgresSink kill -9: " + atKill + " of " + KEYS + " rows written before the kill");
        }
    }

    private static long count(PrivatePostgres pg) {
        if (pg.sql("SELECT to_regclass('public.killed') IS NOT NULL").equals("f")) {
            return 0;
        }
        return Long.parseLong(pg.sql("SELECT count(*) FROM killed"));
    }

    private static long endOffsets(Admin admin, String topic) throws Exception {
        Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = Map.of(
                new TopicPartition(topic, 0), org.apache.kafka.clients.admin.OffsetSpec.latest(),
                new TopicPartition(topic, 1), org.apache.kafka.clients.admin.OffsetSpec.latest());
        return admin.listOffsets(latest).all().get().values().stream().mapToLong(r -> r.offset()).sum();
    }

    private static long committed(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("connect-pg-kill").partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream().filter(e -> e.getValue() != null && e.getKey().topic().equals(topic))
                .mapToLong(e -> e.getValue().offset()).sum();
    }
}
