package io.connectreactive.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Kafka's quickstart, end to end on the real broker: the README's example must work byte for byte. */
@ExtendWith(KafkaBroker.class)
class FileQuickstartTest {

    @Test
    void appendedLineArrivesAsJsonEnvelopeByteForByte(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("connect-test");
        Path file = dir.resolve("test.txt");
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of(
                "key.converter", "org.apache.kafka.connect.json.JsonConverter",
                "value.converter", "org.apache.kafka.connect.json.JsonConverter"))) {
            worker.create("local-file-source", Map.of(
                    "connector.class", "FileStreamSource", "file", file.toString(), "tasks.max", "1", "topic", topic));
            Files.writeString(file, "nowcccsadfasdfasdfadvvc\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);

            List<ConsumerRecord<byte[], byte[]>> records = kafka.consume(topic, 1, Duration.ofSeconds(30));
            assertThat(records).hasSize(1);
            assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"nowcccsadfasdfasdfadvvc\"}");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(worker.status("local-file-source").getJsonArray("tasks").getJsonObject(0).getString("state"))
                            .isEqualTo("RUNNING"));
        }
    }
}
