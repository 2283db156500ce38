package io.connectreactive.connectors.file;

import static io.connectreactive.connectors.file.TaskHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import io.vertx.core.Future;

import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTailTest {

    @TempDir
    Path dir;

    private TaskHarness harness;
    private FileTail tail;
    private final List<SourceRecord> records = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void startVertx() {
        harness = new TaskHarness();
    }

    @AfterEach
    void closeTailAndVertx() throws Exception {
        if (tail != null) {
            harness.call(tail::close);
        }
        harness.close();
    }

    @Test
    void keepsTrustingFileEventsThatArrive() throws Exception {
        Path file = Files.writeString(dir.resolve("data.txt"), "");
        start(file);
        assumeTrue(harness.call(() -> Future.succeededFuture(tail.eventsWork())), "no event-based watch service");

        appendOneByOne(file, 2 * FileTail.UNSIGNALLED_APPENDS_LIMIT);

        assertThat(harness.call(() -> Future.succeededFuture(tail.eventsWork()))).isTrue();
    }

    @Test
    void stopsTrustingFileEventsWhenAppendsArriveWithoutThem() throws Exception {
        // writes through a hard link in another directory raise no event in the watched one,
        // like a file system that does not report changes
        Path written = Files.writeString(Files.createDirectory(dir.resolve("elsewhere")).resolve("data.txt"), "");
        Path watched = Files.createLink(Files.createDirectory(dir.resolve("watched")).resolve("data.txt"), written);
        start(watched);
        assumeTrue(harness.call(() -> Future.succeededFuture(tail.eventsWork())), "no event-based watch service");

        appendOneByOne(written, FileTail.UNSIGNALLED_APPENDS_LIMIT);

        assertThat(harness.call(() -> Future.succeededFuture(tail.eventsWork()))).isFalse();
    }

    private void start(Path file) throws Exception {
        harness.call(() -> {
            LineStream stream = new LineStream(harness.context, "t", Map.of("filename", file.toString()), 100,
                    new LineBuffer(64, 0), file.toString());
            tail = new FileTail(harness.vertx, harness.context, file.toString(), file, stream,
                    FileWatcher.of(harness.vertx), 0);
            stream.attach(tail);
            return tail.start().onSuccess(v -> stream.handler(records::add));
        });
    }

    private void appendOneByOne(Path file, int lines) throws Exception {
        for (int i = 0; i < lines; i++) {
            eventually().until(() -> harness.call(() -> Future.succeededFuture(tail.waiting())));
            Files.writeString(file, i + "\n", StandardOpenOption.APPEND);
            int expected = i + 1;
            eventually().until(() -> records.size() == expected);
        }
    }
}
