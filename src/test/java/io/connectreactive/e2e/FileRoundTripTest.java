package io.connectreactive.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The built-in file connectors end to end: file → topic → file, and a clean stop/start. */
@ExtendWith(KafkaBroker.class)
class FileRoundTripTest {

    @Test
    void hundredThousandLinesArriveOnceAndInOrder(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("round-trip");
        Path in = dir.resolve("in.txt");
        Path out = dir.resolve("out.txt");
        List<String> lines = lines(0, 100_000);
        Files.write(in, lines);
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("src", Map.of("connector.class", "FileStreamSource", "file", in.toString(), "topic", topic));
            worker.create("sink", Map.of("connector.class", "FileStreamSinkConnector", "file", out.toString(), "topics", topic));
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Files.exists(out) && lineCount(out) >= lines.size());
            assertThat(Files.readAllLines(out)).containsExactlyElementsOf(lines);
        }
        assertThat(kafka.endOffset(topic)).isEqualTo(lines.size());
    }

    @Test
    void cleanStopAndStartResumesWithoutLossOrRepeat(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("resume");
        Path in = dir.resolve("in.txt");
        Files.write(in, lines(0, 1000));
        Map<String, String> strings = Map.of("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        try (TestWorker worker = TestWorker.start(kafka, dir, strings)) {
            worker.create("src", Map.of("connector.class", "FileStreamSource", "file", in.toString(), "topic", topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffset(topic) >= 1000);
        }
        Files.write(in, lines(1000, 2000), StandardOpenOption.APPEND);
        try (TestWorker worker = TestWorker.start(kafka, dir, strings)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffset(topic) >= 2000);
        }
        List<String> values = kafka.consume(topic, 2000, Duration.ofSeconds(30)).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
        assertThat(values).containsExactlyElementsOf(lines(0, 2000));
        assertThat(kafka.endOffset(topic)).isEqualTo(2000);
    }

    static List<String> lines(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "line-" + i + "-" + "x".repeat(i % 37)).toList();
    }

    private static long lineCount(Path file) throws java.io.IOException {
        try (var s = Files.lines(file)) {
            return s.count();
        }
    }
}
