package io.connectreactive.connectors.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import io.vertx.core.Future;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStreamSinkTaskTest {

    private static final SinkTaskContext NO_SINK_CONTEXT = null; // the task does not use it

    @TempDir
    Path dir;

    private TaskHarness harness;
    private final List<FileStreamSinkTask> tasks = new ArrayList<>();
    private long nextOffset;

    @BeforeEach
    void startVertx() {
        harness = new TaskHarness();
    }

    @AfterEach
    void closeTasksAndVertx() throws Exception {
        for (FileStreamSinkTask task : tasks) {
            harness.call(task::close);
        }
        harness.close();
    }

    @Test
    void appendsValuesAsLinesAfterExistingContent() throws Exception {
        Path file = dir.resolve("out.txt");
        Files.writeString(file, "existing\n");
        FileStreamSinkTask task = open(file);

        harness.call(() -> task.write(records("a", "b")));
        harness.call(() -> task.write(records("c")));
        harness.call(() -> task.flushOffsets(Map.of()));

        assertThat(Files.readString(file)).isEqualTo("existing\na\nb\nc\n");
    }

    @Test
    void writesValuesAsPrintlnWould() throws Exception {
        Path file = dir.resolve("out.txt");
        FileStreamSinkTask task = open(file);

        harness.call(() -> task.write(List.of(record(null), record(42), record("日本"), record(List.of(1, 2)))));
        harness.call(() -> task.flushOffsets(Map.of()));

        assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo("null\n42\n日本\n[1, 2]\n");
    }

    @Test
    void createsTheFileIfMissing() throws Exception {
        Path file = dir.resolve("new.txt");

        open(file);

        assertThat(file).exists();
    }

    @Test
    void keepsBatchesInTheOrderGiven() throws Exception {
        Path file = dir.resolve("out.txt");
        FileStreamSinkTask task = open(file);
        List<String> expected = new ArrayList<>();

        harness.call(() -> {
            List<Future<Void>> writes = new ArrayList<>();
            for (int batch = 0; batch < 50; batch++) {
                String[] values = new String[20];
                for (int i = 0; i < values.length; i++) {
                    values[i] = batch + "-" + i;
                }
                expected.addAll(Arrays.asList(values));
                writes.add(task.write(records(values)));
            }
            return Future.all(writes).mapEmpty();
        });
        harness.call(() -> task.flushOffsets(Map.of()));

        assertThat(Files.readAllLines(file)).containsExactlyElementsOf(expected);
    }

    @Test
    void flushOffsetsMakesWrittenLinesVisibleAndReturnsTheOffsets() throws Exception {
        Path file = dir.resolve("out.txt");
        FileStreamSinkTask task = open(file);
        Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(new TopicPartition("t", 0), new OffsetAndMetadata(3));

        Map<TopicPartition, OffsetAndMetadata> flushed = harness.call(() -> {
            task.write(records("x", "y", "z")); // flush waits for the write in flight
            return task.flushOffsets(offsets);
        });

        assertThat(flushed).isEqualTo(offsets);
        assertThat(Files.readAllLines(file)).containsExactly("x", "y", "z");
    }

    /**
     * Vert.x's AsyncFile runs concurrent writes on several worker threads and may complete a small
     * later write before a large earlier one. The offsets a flush returns get committed: when it
     * completes, every record before them must be in the file, in order. Checked on the task's
     * context the moment each flush completes, over several rounds of one large batch followed by
     * many small ones.
     */
    @Test
    void flushCompletesOnlyOnceEveryEarlierWriteIsInTheFileInOrder() throws Exception {
        Path file = dir.resolve("out.txt");
        FileStreamSinkTask task = open(file);
        TopicPartition partition = new TopicPartition("t", 0);
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        String bigValue = "x".repeat(4 * 1024 * 1024);
        List<String> expected = new ArrayList<>();
        long roundStart = 0;

        for (int round = 0; round < 4; round++) {
            List<Collection<SinkRecord>> batches = new ArrayList<>();
            batches.add(records(bigValue));
            expected.add(bigValue);
            for (int batch = 0; batch < 40; batch++) {
                String[] values = new String[10];
                for (int i = 0; i < values.length; i++) {
                    values[i] = "round" + round + "-batch" + batch + "-" + i;
                }
                expected.addAll(Arrays.asList(values));
                batches.add(records(values));
            }
            StringBuilder text = new StringBuilder();
            batches.forEach(records -> records.forEach(r -> text.append(r.value()).append('\n')));
            byte[] roundBytes = text.toString().getBytes(StandardCharsets.UTF_8);
            long from = roundStart;
            long committed = nextOffset;
            Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(partition, new OffsetAndMetadata(committed));

            List<Future<Void>> writes = Collections.synchronizedList(new ArrayList<>());
            // each batch in its own event-loop turn (short turns), none waiting for the previous one
            batches.forEach(records -> harness.runLater(() -> writes.add(task.write(records))));
            Map<TopicPartition, OffsetAndMetadata> flushed = harness.call(() -> {
                return task.flushOffsets(offsets).map(returned -> {
                    // on the task's context, as soon as the flush completed: is this round in the file?
                    // (its end: the small batches and the last bytes of the big one, written last)
                    int checked = Math.min(roundBytes.length, roundBytes.length - bigValue.length() + 64 * 1024);
                    byte[] end = Arrays.copyOfRange(roundBytes, roundBytes.length - checked, roundBytes.length);
                    String problem = differs(file, from + roundBytes.length - checked, end);
                    if (problem != null) {
                        problems.add("flush returned offset " + returned.get(partition).offset() + " but " + problem);
                    }
                    return returned;
                });
            });
            assertThat(flushed).isEqualTo(offsets);
            harness.call(() -> Future.all(List.copyOf(writes))); // and every write was taken
            roundStart += roundBytes.length;
        }

        assertThat(problems).isEmpty();
        assertThat(Files.readAllLines(file)).containsExactlyElementsOf(expected);
    }

    /** {@code null} if the file holds {@code wanted} at {@code position}; else what differs. */
    private static String differs(Path file, long position, byte[] wanted) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer content = ByteBuffer.allocate(wanted.length);
            while (content.hasRemaining() && channel.read(content, position + content.position()) > 0) {
                // read until the end of the region or of the file
            }
            int read = content.position();
            int mismatch = Arrays.mismatch(content.array(), 0, read, wanted, 0, read);
            if (mismatch >= 0) {
                return "the file differs at byte " + (position + mismatch) + " (found " + content.get(mismatch) + ")";
            }
            return read < wanted.length ? "the file ends at byte " + (position + read) + " of " + (position + wanted.length) : null;
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void closeFlushesAndRefusesFurtherWrites() throws Exception {
        Path file = dir.resolve("out.txt");
        FileStreamSinkTask task = open(file);

        harness.call(() -> {
            task.write(records("last"));
            return task.close();
        });

        assertThat(Files.readAllLines(file)).containsExactly("last");
        assertThatThrownBy(() -> harness.call(() -> task.write(records("late"))))
                .isInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> harness.call(() -> task.flushOffsets(Map.of())))
                .isInstanceOf(ConnectException.class);
        assertThat(harness.<Void>call(task::close)).isNull(); // closing twice is fine
    }

    @Test
    void writesToStandardOutputWhenNoFileIsConfigured() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FileStreamSinkTask task = new FileStreamSinkTask(new PrintStream(out, false, StandardCharsets.UTF_8));
        tasks.add(task);
        harness.call(() -> task.open(harness.taskContext(NO_SINK_CONTEXT), Map.of("topics", "t")));

        harness.call(() -> task.write(records("to", "stdout")));
        harness.call(() -> task.flushOffsets(Map.of()));

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("to\nstdout\n");
    }

    @Test
    void failsToOpenInAMissingDirectory() {
        FileStreamSinkTask task = new FileStreamSinkTask();
        tasks.add(task);
        Path file = dir.resolve("missing").resolve("out.txt");

        assertThatThrownBy(() -> harness.call(() -> task.open(harness.taskContext(NO_SINK_CONTEXT), Map.of("file", file.toString()))))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void reportsTheProjectVersion() {
        assertThat(new FileStreamSinkTask().version()).isEqualTo(new FileStreamSinkConnector().version());
    }

    // --- helpers

    private FileStreamSinkTask open(Path file) throws Exception {
        FileStreamSinkTask task = new FileStreamSinkTask();
        tasks.add(task);
        harness.call(() -> task.open(harness.taskContext(NO_SINK_CONTEXT), Map.of("file", file.toString(), "topics", "t")));
        return task;
    }

    private Collection<SinkRecord> records(String... values) {
        List<SinkRecord> records = new ArrayList<>();
        for (String value : values) {
            records.add(record(value));
        }
        return records;
    }

    private SinkRecord record(Object value) {
        return new SinkRecord("t", 0, null, null, Schema.OPTIONAL_STRING_SCHEMA, value, nextOffset++);
    }
}
