package io.connectreactive.connectors.file;

import static io.connectreactive.connectors.file.TaskHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStreamSourceTaskTest {

    private static final String TOPIC = "lines";

    @TempDir
    Path dir;

    private TaskHarness harness;
    private final List<FileStreamSourceTask> tasks = new ArrayList<>();
    private final List<SourceRecord> records = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void startVertx() {
        harness = new TaskHarness();
    }

    @AfterEach
    void closeTasksAndVertx() throws Exception {
        for (FileStreamSourceTask task : tasks) {
            harness.call(task::close);
        }
        harness.close();
    }

    @Test
    void emitsEachLineWithBytePositionOffsets() throws Exception {
        Path file = write("first\nsecond\nthird\n");

        openFlowing(file, CannedSourceTaskContext.empty());

        eventually().until(() -> records.size() == 3);
        assertThat(values()).containsExactly("first", "second", "third");
        assertThat(positions()).containsExactly(6L, 13L, 19L);
        SourceRecord first = records.get(0);
        assertThat(first.topic()).isEqualTo(TOPIC);
        assertThat(first.sourcePartition()).isEqualTo(Map.of("filename", file.toString()));
        assertThat(first.sourceOffset()).isEqualTo(Map.of("position", 6L));
        assertThat(first.key()).isNull();
        assertThat(first.keySchema()).isNull();
        assertThat(first.valueSchema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(first.kafkaPartition()).isNull();
        assertThat(first.timestamp()).isNotNull();
    }

    @Test
    void looksUpTheStoredOffsetByFilenameAsConfigured() throws Exception {
        Path file = write("a\n");
        CannedSourceTaskContext connect = CannedSourceTaskContext.empty();

        openFlowing(file, connect);

        eventually().until(() -> records.size() == 1);
        assertThat(connect.asked).containsExactly(Map.of("filename", file.toString()));
    }

    @Test
    void resumesFromStoredPosition() throws Exception {
        Path file = write("first\nsecond\nthird\n");

        openFlowing(file, CannedSourceTaskContext.withPosition(file.toString(), 6L));

        eventually().until(() -> records.size() == 2);
        assertThat(values()).containsExactly("second", "third");
        assertThat(positions()).containsExactly(13L, 19L);
    }

    @Test
    void acceptsStoredPositionReadBackAsInteger() throws Exception {
        Path file = write("first\nsecond\n");

        openFlowing(file, CannedSourceTaskContext.withPosition(file.toString(), 6));

        eventually().until(() -> records.size() == 1);
        assertThat(values()).containsExactly("second");
        assertThat(positions()).containsExactly(13L);
    }

    @Test
    void failsToOpenWhenStoredPositionHasTheWrongType() throws Exception {
        Path file = write("first\n");
        FileStreamSourceTask task = newTask();

        assertThatThrownBy(() -> harness.call(() -> task.open(
                harness.taskContext(CannedSourceTaskContext.withPosition(file.toString(), "6")), props(file))))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("incorrect type");
    }

    @Test
    void failsToOpenWithoutTopic() {
        FileStreamSourceTask task = newTask();

        assertThatThrownBy(() -> harness.call(() -> task.open(
                harness.taskContext(CannedSourceTaskContext.empty()), Map.of("file", dir.resolve("x").toString()))))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("topic");
    }

    @Test
    void emitsAppendedLinesWhileTailing() throws Exception {
        Path file = write("first\n");
        openFlowing(file, CannedSourceTaskContext.empty());
        eventually().until(() -> records.size() == 1);

        append(file, "second\n");
        eventually().until(() -> records.size() == 2);
        append(file, "third\nfourth\n");
        eventually().until(() -> records.size() == 4);

        assertThat(values()).containsExactly("first", "second", "third", "fourth");
        assertThat(positions()).containsExactly(6L, 13L, 19L, 26L);
    }

    @Test
    void holdsPartialLineUntilItsNewlineArrives() throws Exception {
        Path file = write("whole\npart");
        openFlowing(file, CannedSourceTaskContext.empty());
        eventually().until(() -> records.size() == 1);

        append(file, "ial");
        eventually().during(Duration.ofMillis(100)).until(() -> records.size() == 1);

        append(file, " line\n");
        eventually().until(() -> records.size() == 2);
        assertThat(values()).containsExactly("whole", "partial line");
        assertThat(positions()).containsExactly(6L, 19L);
    }

    @Test
    void emitsAppendedLinesWhenFileEventsAreUnavailable() throws Exception {
        Path file = write("first\n");
        FileStreamSourceTask task = new FileStreamSourceTask(InputStream.nullInputStream(), false);
        tasks.add(task);
        ReadStream<SourceRecord> stream = harness.call(() -> task.open(harness.taskContext(CannedSourceTaskContext.empty()), props(file)));
        harness.run(() -> stream.handler(records::add));
        eventually().until(() -> records.size() == 1);

        append(file, "sec");
        append(file, "ond\n");

        eventually().until(() -> records.size() == 2);
        assertThat(values()).containsExactly("first", "second");
    }

    @Test
    void waitsForTheFileToBeCreated() throws Exception {
        Path file = dir.resolve("later.txt");
        openFlowing(file, CannedSourceTaskContext.empty());

        Files.writeString(file, "finally\n");

        eventually().until(() -> records.size() == 1);
        assertThat(values()).containsExactly("finally");
        assertThat(positions()).containsExactly(8L);
    }

    @Test
    void tailsASymlinkedFile() throws Exception {
        Path target = Files.writeString(Files.createDirectory(dir.resolve("data")).resolve("target.txt"), "one\n");
        Path link = Files.createSymbolicLink(dir.resolve("link.txt"), target);
        openFlowing(link, CannedSourceTaskContext.empty());
        eventually().until(() -> records.size() == 1);

        append(target, "two\n");

        eventually().until(() -> records.size() == 2);
        assertThat(values()).containsExactly("one", "two");
        assertThat(records.get(1).sourcePartition()).isEqualTo(Map.of("filename", link.toString()));
    }

    @Test
    void stopsWaitingForAMissingFileOnClose() throws Exception {
        Path file = dir.resolve("never.txt");
        FileStreamSourceTask task = openFlowing(file, CannedSourceTaskContext.empty());

        harness.call(task::close);
        Files.writeString(file, "too late\n");

        eventually().during(Duration.ofMillis(100)).until(records::isEmpty);
    }

    @Test
    void emitsNothingWhilePausedAndContinuesOnResume() throws Exception {
        Path file = write("one\ntwo\n");
        ReadStream<SourceRecord> stream = open(file, CannedSourceTaskContext.empty());
        AtomicBoolean pauseAfterFirst = new AtomicBoolean(true);
        harness.run(() -> stream.handler(record -> {
            records.add(record);
            if (pauseAfterFirst.getAndSet(false)) {
                stream.pause();
            }
        }));
        eventually().until(() -> records.size() == 1);

        append(file, "three\n");
        eventually().during(Duration.ofMillis(100)).until(() -> records.size() == 1);

        harness.run(stream::resume);
        eventually().until(() -> records.size() == 3);
        append(file, "four\n");
        eventually().until(() -> records.size() == 4);
        assertThat(values()).containsExactly("one", "two", "three", "four");
    }

    @Test
    void fetchEmitsExactlyTheRequestedNumberOfRecords() throws Exception {
        Path file = write("1\n2\n3\n4\n5\n");
        ReadStream<SourceRecord> stream = open(file, CannedSourceTaskContext.empty());
        harness.run(() -> stream.pause().handler(records::add));
        eventually().during(Duration.ofMillis(50)).until(records::isEmpty);

        harness.run(() -> stream.fetch(2));
        eventually().until(() -> records.size() == 2);
        eventually().during(Duration.ofMillis(50)).until(() -> records.size() == 2);

        harness.run(() -> stream.fetch(1));
        eventually().until(() -> records.size() == 3);
        eventually().during(Duration.ofMillis(50)).until(() -> records.size() == 3);

        harness.run(stream::resume);
        eventually().until(() -> records.size() == 5);
        assertThat(values()).containsExactly("1", "2", "3", "4", "5");
    }

    @Test
    void splitsLinesOnCrLfAndLoneCr() throws Exception {
        Path file = write("crlf\r\ncr\rlf\n\r\nlast\r\n");

        openFlowing(file, CannedSourceTaskContext.empty());

        eventually().until(() -> records.size() == 5);
        assertThat(values()).containsExactly("crlf", "cr", "lf", "", "last");
        assertThat(positions()).containsExactly(6L, 9L, 12L, 14L, 20L);
    }

    @Test
    void holdsTrailingCarriageReturnUntilTheNextByteShowsTheTerminator() throws Exception {
        Path file = write("line\r");
        openFlowing(file, CannedSourceTaskContext.empty());
        eventually().during(Duration.ofMillis(100)).until(records::isEmpty);

        append(file, "\nnext\n");

        eventually().until(() -> records.size() == 2);
        assertThat(values()).containsExactly("line", "next");
        assertThat(positions()).containsExactly(6L, 11L);
    }

    @Test
    void decodesUtf8AndCountsPositionsInBytes() throws Exception {
        Path file = write("héllo\n日本\n");

        openFlowing(file, CannedSourceTaskContext.empty());

        eventually().until(() -> records.size() == 2);
        assertThat(values()).containsExactly("héllo", "日本");
        assertThat(positions()).containsExactly(7L, 14L);
    }

    @Test
    void emitsAtMostBatchSizeRecordsPerEventLoopTurn() throws Exception {
        StringBuilder content = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            content.append("line-").append(i).append('\n');
        }
        Path file = write(content.toString());
        Map<String, String> props = new HashMap<>(props(file));
        props.put("batch.size", "10");
        FileStreamSourceTask task = newTask();
        ReadStream<SourceRecord> stream = harness.call(() -> task.open(harness.taskContext(CannedSourceTaskContext.empty()), props));
        AtomicInteger recordsBeforeNextTurn = new AtomicInteger(-1);
        harness.run(() -> stream.handler(record -> {
            records.add(record);
            if (records.size() == 1) {
                harness.runLater(() -> recordsBeforeNextTurn.set(records.size()));
            }
        }));

        eventually().until(() -> records.size() == 50);
        assertThat(recordsBeforeNextTurn.get()).isEqualTo(10);
    }

    @Test
    void readsALargeFileCompletelyAndInOrder() throws Exception {
        int lines = 200_000;
        Path file = dir.resolve("large.txt");
        StringBuilder content = new StringBuilder(lines * 12);
        for (int i = 0; i < lines; i++) {
            content.append("record-").append(i).append('\n');
        }
        Files.writeString(file, content);
        FileStreamSourceTask task = newTask();
        ReadStream<SourceRecord> stream = harness.call(() -> task.open(harness.taskContext(CannedSourceTaskContext.empty()), props(file)));
        AtomicInteger count = new AtomicInteger();
        AtomicReference<String> outOfOrder = new AtomicReference<>();
        AtomicReference<Object> lastOffset = new AtomicReference<>();
        harness.run(() -> stream.handler(record -> {
            int i = count.getAndIncrement();
            if (!record.value().equals("record-" + i) && outOfOrder.get() == null) {
                outOfOrder.set(i + ": " + record.value());
            }
            lastOffset.set(record.sourceOffset().get("position"));
        }));

        eventually().until(() -> count.get() == lines);
        assertThat(outOfOrder.get()).isNull();
        assertThat(lastOffset.get()).isEqualTo(Files.size(file));
    }

    @Test
    void followsAFileMovedAwayAndRecreated() throws Exception {
        Path file = write("a\nb\n");
        try (LogCapture logs = LogCapture.of(FileTail.class)) {
            openFlowing(file, CannedSourceTaskContext.empty());
            eventually().until(() -> records.size() == 2);

            append(file, "c\n"); // written just before the rotation: still read from the old file
            Files.move(file, dir.resolve("input.txt.1"));
            Files.writeString(file, "new-1\nnew-2\n");

            eventually().until(() -> records.size() == 5);
            assertThat(values()).containsExactly("a", "b", "c", "new-1", "new-2");
            assertThat(positions()).containsExactly(2L, 4L, 6L, 6L, 12L);
            assertThat(logs.messagesContaining("reading the rest of the old file")).hasSize(1);

            append(file, "new-3\n");
            eventually().until(() -> records.size() == 6);
            assertThat(positions()).endsWith(18L);
        }
    }

    @Test
    void followsRotationAndTruncationWhenFileEventsAreUnavailable() throws Exception {
        Path file = write("a\n");
        FileStreamSourceTask task = new FileStreamSourceTask(InputStream.nullInputStream(), false);
        tasks.add(task);
        ReadStream<SourceRecord> stream = harness.call(() -> task.open(harness.taskContext(CannedSourceTaskContext.empty()), props(file)));
        harness.run(() -> stream.handler(records::add));
        eventually().until(() -> records.size() == 1);

        Files.move(file, dir.resolve("input.txt.1"));
        Files.writeString(file, "rotated, and longer than before\n");
        eventually().until(() -> records.size() == 2);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
        append(file, "b\n");

        eventually().until(() -> records.size() == 3);
        assertThat(values()).containsExactly("a", "rotated, and longer than before", "b");
        assertThat(positions()).containsExactly(2L, 32L, 2L);
    }

    @Test
    void followsAFileDeletedAndRecreated() throws Exception {
        Path file = write("old-1\nold-2\n");
        try (LogCapture logs = LogCapture.of(FileTail.class)) {
            openFlowing(file, CannedSourceTaskContext.empty());
            eventually().until(() -> records.size() == 2);

            Files.delete(file);
            eventually().until(() -> logs.messagesContaining("was moved or deleted").size() == 1);
            // longer than what was read of the old file: only the file's identity shows the change
            Files.writeString(file, "a new file, longer than the old one\n");

            eventually().until(() -> records.size() == 3);
            assertThat(values()).containsExactly("old-1", "old-2", "a new file, longer than the old one");
            assertThat(positions()).containsExactly(6L, 12L, 36L);
            assertThat(logs.messagesContaining("reading the rest of the old file")).hasSize(1);
        }
    }

    @Test
    void readsATruncatedFileAgainFromItsStart() throws Exception {
        Path file = write("one\ntwo\n");
        try (LogCapture logs = LogCapture.of(FileTail.class)) {
            openFlowing(file, CannedSourceTaskContext.empty());
            eventually().until(() -> records.size() == 2);

            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(0);
            }
            eventually().until(() -> logs.messagesContaining("was truncated").size() == 1);
            append(file, "after truncation, longer than before\n");

            eventually().until(() -> records.size() == 3);
            assertThat(values()).containsExactly("one", "two", "after truncation, longer than before");
            assertThat(positions()).containsExactly(4L, 8L, 37L);
            assertThat(logs.messagesContaining("was truncated")).singleElement()
                    .satisfies(line -> assertThat(line).contains(file.toString(), "0 bytes", "8 were read"));
        }
    }

    @Test
    void followsACopyTruncateRotation() throws Exception {
        Path file = write("line-1\nline-2\nline-3\n");
        try (LogCapture logs = LogCapture.of(FileTail.class)) {
            openFlowing(file, CannedSourceTaskContext.empty());
            eventually().until(() -> records.size() == 3);

            // as logrotate's copytruncate: copy, truncate in place, and the writer goes on appending
            Files.copy(file, dir.resolve("input.txt.1"));
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(0);
            }
            append(file, "next\n");

            eventually().until(() -> records.size() == 4);
            assertThat(values()).containsExactly("line-1", "line-2", "line-3", "next");
            assertThat(positions()).endsWith(5L);
            assertThat(logs.messagesContaining("was truncated")).hasSize(1);
            append(file, "and more\n");
            eventually().until(() -> records.size() == 5);
            assertThat(positions()).endsWith(14L);
        }
    }

    @Test
    void startsFromTheBeginningWhenTheStoredPositionIsPastTheEndOfTheFile() throws Exception {
        Path file = write("fresh\nfile\n");
        try (LogCapture logs = LogCapture.of(FileTail.class)) {
            openFlowing(file, CannedSourceTaskContext.withPosition(file.toString(), 1000L));

            eventually().until(() -> records.size() == 2);
            assertThat(values()).containsExactly("fresh", "file");
            assertThat(positions()).containsExactly(6L, 11L);
            assertThat(logs.messagesContaining("past the end of the file")).singleElement()
                    .satisfies(line -> assertThat(line).contains("1000", file.toString(), "11 bytes"));
        }
    }

    /**
     * A 100 MB line with no newline in it is skipped (max.line.length defaults to 1 MiB) without
     * being held in memory: the line buffer stays small, one warning names the file and where the
     * line starts, and the lines after it arrive with their true positions.
     */
    @Test
    void skipsAHundredMegabyteLineWithoutHoldingItAndGoesOn() throws Exception {
        Path file = dir.resolve("huge.txt");
        long hugeLength = 100L * 1024 * 1024;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap("before\n".getBytes(StandardCharsets.UTF_8)));
            // a hole: 100 MB of zero bytes (no terminator among them) that take no disk space
            channel.write(ByteBuffer.wrap("\nafter\n".getBytes(StandardCharsets.UTF_8)), 7 + hugeLength);
        }
        try (LogCapture logs = LogCapture.of(FileStreamSourceTask.class)) {
            FileStreamSourceTask task = openFlowing(file, CannedSourceTaskContext.empty());

            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                    .until(() -> records.size() >= 2);

            assertThat(values()).containsExactly("before", "after");
            assertThat(positions()).containsExactly(7L, 7 + hugeLength + 1 + 6);
            assertThat(harness.call(() -> Future.succeededFuture(task.bufferCapacity())))
                    .as("line buffer size").isLessThanOrEqualTo(4 * 1024 * 1024);
            assertThat(logs.messagesContaining("Skipping a line")).singleElement().satisfies(line -> assertThat(line)
                    .contains(file.toString(), "at position 7", "max.line.length"));
            append(file, "later\n");
            eventually().until(() -> records.size() == 3);
            assertThat(values()).endsWith("later");
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void reportsReadFailuresToTheExceptionHandler() throws Exception {
        Path directory = Files.createDirectory(dir.resolve("not-a-file"));
        FileStreamSourceTask task = newTask();
        ReadStream<SourceRecord> stream = harness.call(() -> task.open(harness.taskContext(CannedSourceTaskContext.empty()), props(directory)));
        AtomicReference<Throwable> failure = new AtomicReference<>();

        harness.run(() -> stream.exceptionHandler(failure::set).handler(records::add));

        eventually().until(() -> failure.get() != null);
        assertThat(failure.get()).isInstanceOf(ConnectException.class).hasMessageContaining(directory.toString());
        assertThat(records).isEmpty();
    }

    @Test
    void emitsNothingAfterClose() throws Exception {
        Path file = write("before\n");
        FileStreamSourceTask task = openFlowing(file, CannedSourceTaskContext.empty());
        eventually().until(() -> records.size() == 1);

        harness.call(task::close);
        append(file, "after\n");

        eventually().during(Duration.ofMillis(100)).until(() -> records.size() == 1);
        assertThat(harness.<Void>call(task::close)).isNull(); // closing twice is fine
    }

    @Test
    void readsStandardInputWithoutOffsetsAndEndsWithIt() throws Exception {
        InputStream stdin = new ByteArrayInputStream("one\r\ntwo\nunterminated".getBytes(StandardCharsets.UTF_8));
        FileStreamSourceTask task = new FileStreamSourceTask(stdin, true);
        tasks.add(task);
        ReadStream<SourceRecord> stream = harness.call(() -> task.open(
                harness.taskContext(CannedSourceTaskContext.empty()), Map.of("topic", TOPIC)));
        AtomicBoolean ended = new AtomicBoolean();

        harness.run(() -> stream.endHandler(v -> ended.set(true)).handler(records::add));

        eventually().until(ended::get);
        assertThat(values()).containsExactly("one", "two", "unterminated");
        assertThat(records).allSatisfy(record -> {
            assertThat(record.sourcePartition()).isNull();
            assertThat(record.sourceOffset()).isNull();
            assertThat(record.topic()).isEqualTo(TOPIC);
        });
    }

    @Test
    void readsStandardInputOnlyOnDemand() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        InputStream stdin = new ByteArrayInputStream("a\nb\n".getBytes(StandardCharsets.UTF_8)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                reads.incrementAndGet();
                return super.read(b, off, len);
            }
        };
        FileStreamSourceTask task = new FileStreamSourceTask(stdin, true);
        tasks.add(task);
        ReadStream<SourceRecord> stream = harness.call(() -> task.open(
                harness.taskContext(CannedSourceTaskContext.empty()), Map.of("topic", TOPIC)));

        harness.run(() -> stream.pause().handler(records::add));
        eventually().during(Duration.ofMillis(50)).until(() -> reads.get() == 0);

        harness.run(() -> stream.fetch(2));
        eventually().until(() -> records.size() == 2);
        assertThat(values()).containsExactly("a", "b");
    }

    @Test
    void reportsTheProjectVersion() {
        assertThat(newTask().version()).isEqualTo(new FileStreamSourceConnector().version());
    }

    // --- helpers

    private FileStreamSourceTask newTask() {
        FileStreamSourceTask task = new FileStreamSourceTask();
        tasks.add(task);
        return task;
    }

    private Map<String, String> props(Path file) {
        return Map.of("file", file.toString(), "topic", TOPIC);
    }

    private ReadStream<SourceRecord> open(Path file, CannedSourceTaskContext connect) throws Exception {
        FileStreamSourceTask task = newTask();
        return harness.call(() -> task.open(harness.taskContext(connect), props(file)));
    }

    private FileStreamSourceTask openFlowing(Path file, CannedSourceTaskContext connect) throws Exception {
        FileStreamSourceTask task = newTask();
        ReadStream<SourceRecord> stream = harness.call(() -> task.open(harness.taskContext(connect), props(file)));
        harness.run(() -> stream.handler(records::add));
        return task;
    }

    private Path write(String content) throws IOException {
        Path file = dir.resolve("input.txt");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static void append(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private List<Object> values() {
        synchronized (records) {
            return records.stream().map(SourceRecord::value).toList();
        }
    }

    private List<Object> positions() {
        synchronized (records) {
            return records.stream().<Object>map(r -> r.sourceOffset().get("position")).toList();
        }
    }
}
