package io.connectreactive.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import io.connectreactive.testing.TestConnectors;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * A classic test sink for tests across worker JVMs: task {@code i} appends one line
 * {@code partition:offset:value} per record to {@code <dir>/task-<i>-<pid>.txt} and flushes it before
 * {@code put} returns, so a record whose offset was committed is in a file even after {@code kill -9}.
 * {@code tasks.max} tasks.
 */
public class FileRecordingSink extends TestConnectors.Sink {

    @Override
    public Class<? extends Task> taskClass() {
        return RecordingTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return TestConnectors.indexedTaskConfigs(props, maxTasks);
    }

    /** Every line any task of this sink wrote under {@code dir}, in no particular order. */
    static List<String> lines(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (line.chars().filter(c -> c == ':').count() == 2) { // a line the kill cut short is not a record
                        out.add(line);
                    }
                }
            }
        }
        return out;
    }

    /** The classic task. */
    public static class RecordingTask extends SinkTask {
        private Writer out;

        @Override
        public String version() {
            return TestConnectors.VERSION;
        }

        @Override
        public void start(Map<String, String> props) {
            Path dir = Path.of(props.get("dir"));
            Path file = dir.resolve("task-" + props.get("task.index") + "-" + ProcessHandle.current().pid() + ".txt");
            try {
                Files.createDirectories(dir);
                out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void put(Collection<SinkRecord> records) {
            try {
                for (SinkRecord r : records) {
                    out.write(r.kafkaPartition() + ":" + r.kafkaOffset() + ":" + r.value() + "\n");
                }
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stop() {
            try {
                if (out != null) {
                    out.close();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
