package io.connectreactive.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.WorkerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker in its own JVM is killed with SIGKILL while lines are being appended, then restarted on
 * the same files: no line is lost, and only lines after the last offset flush are repeated.
 */
@ExtendWith(KafkaBroker.class)
class KillAndRestartTest {

    @Test
    void resumesFromLastStoredOffsetAfterKill9(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        try {
            killAndRestart(kafka, dir);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\nworker log:\n" + WorkerProcess.tail(dir.resolve("worker.log"), 60), e);
        }
    }

    private void killAndRestart(KafkaBroker kafka, Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("kill9");
        Path in = dir.resolve("in.txt");
        Path log = dir.resolve("worker.log");
        Path worker = dir.resolve("worker.properties");
        Files.writeString(worker, String.join("\n",
                "bootstrap.servers=" + kafka.bootstrapServers(),
                "listeners=http://127.0.0.1:0",
                "runtime.data.dir=" + dir.resolve("data"),
                "offset.flush.interval.ms=100",
                "value.converter=org.apache.kafka.connect.storage.StringConverter") + "\n");
        Path connector = dir.resolve("source.properties");
        Files.writeString(connector, String.join("\n",
                "name=kill-src", "connector.class=FileStreamSource", "file=" + in, "topic=" + topic) + "\n");
        List<String> lines = FileRoundTripTest.lines(0, 20_000);
        Files.write(in, lines.subList(0, 5_000));

        try (WorkerProcess first = WorkerProcess.start(worker, log, connector)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(dir.resolve("data/connect.offsets"))
                    && kafka.endOffset(topic) >= 5_000);
            // keep appending while the worker runs, and kill it in the middle
            for (int i = 5_000; i < 12_000; i += 1_000) {
                Files.write(in, lines.subList(i, i + 1_000), StandardOpenOption.APPEND);
            }
            first.kill9();
        }
        Files.write(in, lines.subList(12_000, 20_000), StandardOpenOption.APPEND);
        long beforeRestart = kafka.endOffset(topic);

        try (WorkerProcess second = WorkerProcess.start(worker, log, connector)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> distinctValues(kafka, topic) >= lines.size());
            assertThat(second.terminate()).as("exit code after SIGTERM").isEqualTo(0);
        }
        List<String> values = values(kafka, topic);
        assertThat(values.size()).isGreaterThanOrEqualTo(lines.size()).isGreaterThanOrEqualTo((int) beforeRestart);
        assertPrefixThenReplay(values, lines);
    }

    /** values = lines[0..k) followed by lines[j..n) with j <= k: a replay from an earlier stored position. */
    private static void assertPrefixThenReplay(List<String> values, List<String> lines) {
        int k = 0;
        while (k < values.size() && k < lines.size() && values.get(k).equals(lines.get(k))) {
            k++;
        }
        if (k == values.size()) {
            assertThat(k).isEqualTo(lines.size());
            return;
        }
        int j = lines.indexOf(values.get(k));
        assertThat(j).as("first replayed line is an earlier line").isBetween(0, k);
        assertThat(values.subList(k, values.size())).containsExactlyElementsOf(lines.subList(j, lines.size()));
    }

    private static List<String> values(KafkaBroker kafka, String topic) {
        int count = (int) kafka.endOffset(topic);
        return kafka.consume(topic, count, Duration.ofSeconds(60)).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    private static long distinctValues(KafkaBroker kafka, String topic) {
        return values(kafka, topic).stream().distinct().count();
    }
}
