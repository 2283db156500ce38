package io.connectreactive.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.connectreactive.testing.WorkerProcess;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code start} command as a user runs it, in its own JVM: with no {@code bootstrap.servers} it
 * starts an embedded broker whose topics and offsets survive a restart, stops cleanly with exit code 0
 * on SIGTERM, and refuses a bad worker config with one line naming the key.
 */
class StandaloneProcessTest {

    private static final Pattern BOOTSTRAP = Pattern.compile("bootstrap\\.servers=(127\\.0\\.0\\.1:\\d+)");

    @Test
    void embeddedBrokerKeepsTopicsAndOffsetsAcrossACleanRestart(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("test.txt");
        Path log = dir.resolve("worker.log");
        Path worker = dir.resolve("worker.properties");
        Files.writeString(worker, String.join("\n",
                "runtime.data.dir=" + dir.resolve("data"),
                "runtime.embedded.kafka.port=0",
                "listeners=http://127.0.0.1:0",
                "value.converter=org.apache.kafka.connect.storage.StringConverter") + "\n");
        Path connector = dir.resolve("source.json");
        Files.writeString(connector, "{\"name\":\"local-file-source\",\"config\":{\"connector.class\":\"FileStreamSource\","
                + "\"file\":\"" + in + "\",\"topic\":\"connect-test\"}}");
        Files.writeString(in, "first\n");

        try (WorkerProcess first = WorkerProcess.start(worker, log, connector)) {
            String bootstrap = awaitBootstrap(log, 1);
            await().atMost(Duration.ofSeconds(60)).until(() -> values(bootstrap).equals(List.of("first")));
            assertThat(first.terminate()).as("exit code after SIGTERM").isEqualTo(0);
        }
        assertThat(Files.readString(log)).contains("Worker stopped").contains("Embedded Kafka broker stopped");

        Files.writeString(in, "second\n", StandardOpenOption.APPEND);
        try (WorkerProcess second = WorkerProcess.start(worker, log, connector)) {
            String bootstrap = awaitBootstrap(log, 2);
            await().atMost(Duration.ofSeconds(60)).until(() -> values(bootstrap).size() >= 2);
            assertThat(values(bootstrap)).containsExactly("first", "second");
            assertThat(second.terminate()).isEqualTo(0);
        }
    }

    @Test
    void badWorkerConfigExitsNonZeroWithOneLineNamingTheKey(@TempDir Path dir) throws Exception {
        Path worker = dir.resolve("worker.properties");
        Files.writeString(worker, "offset.flush.interval.ms=soon\n");
        Path log = dir.resolve("worker.log");
        try (WorkerProcess p = WorkerProcess.start(worker, log)) {
            assertThat(p.process().waitFor()).isEqualTo(1);
        }
        List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("offset.flush.interval.ms").contains("soon");
    }

    private static String awaitBootstrap(Path log, int nth) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> {
            Matcher m = BOOTSTRAP.matcher(Files.readString(log));
            String found = null;
            for (int i = 0; i < nth; i++) {
                found = m.find() ? m.group(1) : null;
            }
            return found;
        }, s -> s != null);
    }

    private static List<String> values(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition("connect-test", 0);
            if (c.partitionsFor("connect-test", Duration.ofSeconds(5)).isEmpty()) {
                return out;
            }
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            }
        }
        return out;
    }
}
