package io.connectreactive.connectors.file;

import java.io.InputStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

import io.connectreactive.api.ReactiveSourceTask;
import io.connectreactive.api.ReactiveTaskContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task of {@link FileStreamSourceConnector}: a native reactive task that emits one
 * {@link SourceRecord} per line of a file, or of standard input, and keeps tailing the file.
 *
 * <p>Records match Kafka's {@code FileStreamSourceTask}: no key, the line (without its {@code \n},
 * {@code \r\n} or {@code \r}) as a {@link org.apache.kafka.connect.data.Schema#STRING_SCHEMA} value,
 * source partition {@code {"filename": <file as configured>}} and source offset
 * {@code {"position": <byte position just past the line>}}; on start the task resumes from the stored
 * position. A line is emitted only once its terminator is in the file. Standard input has no
 * offsets (partition and offset {@code null}); its stream ends with the input, after emitting an
 * unterminated last line.
 *
 * <p><b>Tailing.</b> After reaching the end of the file the task waits for appends with a
 * {@link FileWatcher}: one JDK {@link java.nio.file.WatchService} (inotify on Linux) and one thread
 * per Vert.x instance, kept in a Vert.x local map, signal every tailed file's task as soon as its file
 * changes, so an appended line is emitted within about a millisecond while an idle task costs no
 * reads at all between appends. Plain adaptive polling (1 ms backing off to 10 ms) was the
 * alternative; it meets the latency target but costs every idle task up to 100 worker-pool reads a
 * second, which adds up over hundreds of idle tasks. Polling remains as the fallback: a re-check
 * timer backs off from 1 ms to 500 ms while the file is watched (a safety net) and to 10 ms where
 * the platform has no event-based watch service (the JDK's polling one, as on macOS, is not used) or
 * where the file's appends keep being found with no event (network or bind-mounted file systems
 * that inotify does not see). See {@link FileTail}.
 *
 * <p><b>Rotation, truncation, long lines.</b> Like {@code tail -F}, the task follows a file that is
 * renamed or deleted and recreated (the rest of the old file first, then the new one from its
 * start) or truncated (read again from its start), and a stored position past the end of the file
 * means the file was replaced: it is read from its start. A line longer than
 * {@code max.line.length} bytes is skipped with one warning, without being held in memory; the
 * offsets of the following lines move past it. Each of these logs one line.
 *
 * <p><b>Threads.</b> {@link #open}, {@link #close}, {@link #commitOffsets} and the returned stream are
 * called on the task's context (an event loop) and never block: the file is read through Vert.x's
 * {@code AsyncFile}, the stored offset is looked up on a worker thread (Connect's
 * {@code OffsetStorageReader} may block) and standard input is read on a dedicated daemon thread.
 */
public class FileStreamSourceTask extends ReactiveSourceTask {

    private static final Logger log = LoggerFactory.getLogger(FileStreamSourceTask.class);

    public static final String FILENAME_FIELD = "filename";
    public static final String POSITION_FIELD = "position";

    private final InputStream stdin;
    private final boolean fileEvents;

    private boolean opened;
    private boolean closed;
    private LineStream stream;
    private ByteSource source;

    /** The task the runtime instantiates: standard input is {@link System#in}, file events on. */
    public FileStreamSourceTask() {
        this(System.in, true);
    }

    /**
     * For tests: {@code stdin} replaces {@link System#in}; {@code fileEvents == false} tails by
     * re-checking only, as on a platform without an event-based watch service.
     */
    FileStreamSourceTask(InputStream stdin, boolean fileEvents) {
        this.stdin = stdin;
        this.fileEvents = fileEvents;
    }

    @Override
    public String version() {
        return FileStreamSourceConnector.VERSION;
    }

    @Override
    public Future<ReadStream<SourceRecord>> open(ReactiveTaskContext<SourceTaskContext> context, Map<String, String> props) {
        if (opened) {
            return Future.failedFuture(new IllegalStateException("FileStreamSourceTask was already opened"));
        }
        opened = true;
        Map<String, Object> config;
        try {
            config = FileStreamSourceConnector.CONFIG_DEF.parse(props);
        } catch (ConfigException e) {
            return Future.failedFuture(new ConnectException("Invalid FileStreamSourceTask configuration: " + e.getMessage(), e));
        }
        String filename = (String) config.get(FileStreamSourceConnector.FILE_CONFIG);
        String topic = (String) config.get(FileStreamSourceConnector.TOPIC_CONFIG);
        // Kafka's task treats batch.size <= 0 as 1; so does ours
        int batchSize = Math.max(1, (Integer) config.get(FileStreamSourceConnector.TASK_BATCH_SIZE_CONFIG));
        int maxLineLength = (Integer) config.get(FileStreamSourceConnector.MAX_LINE_LENGTH_CONFIG);
        if (filename == null || filename.isEmpty()) {
            return openStdin(context.context(), topic, batchSize, maxLineLength);
        }
        return openFile(context, filename, topic, batchSize, maxLineLength);
    }

    /** A line buffer that skips lines longer than {@code maxLineLength} with one warning each. */
    private static LineBuffer lineBuffer(long position, int maxLineLength, String inputName) {
        return new LineBuffer(FileTail.PROBE_BYTES, position, maxLineLength, skipped -> log.warn(
                "Skipping a line longer than {} bytes ({}) in {} at position {}", maxLineLength,
                FileStreamSourceConnector.MAX_LINE_LENGTH_CONFIG, inputName, skipped));
    }

    private Future<ReadStream<SourceRecord>> openStdin(Context context, String topic, int batchSize, int maxLineLength) {
        LineStream lines = new LineStream(context, topic, null, batchSize,
                lineBuffer(0, maxLineLength, "standard input"), "standard input");
        StdinSource stdinSource = new StdinSource(stdin, context, lines);
        lines.attach(stdinSource);
        stream = lines;
        source = stdinSource;
        stdinSource.start();
        log.info("Reading standard input into topic {}", topic);
        return Future.succeededFuture(lines);
    }

    private Future<ReadStream<SourceRecord>> openFile(ReactiveTaskContext<SourceTaskContext> context, String filename,
                                                     String topic, int batchSize, int maxLineLength) {
        Path path;
        try {
            path = Paths.get(filename).toAbsolutePath();
        } catch (InvalidPathException e) {
            return Future.failedFuture(new ConnectException("Invalid file name '" + filename + "'", e));
        }
        Vertx vertx = context.vertx();
        Context ctx = context.context();
        SourceTaskContext connect = context.connect();
        return ctx.executeBlocking(() -> storedPosition(connect, filename), false)
                .compose(position -> {
                    if (closed) {
                        return Future.failedFuture(new ConnectException("FileStreamSourceTask was closed while opening " + filename));
                    }
                    LineStream lines = new LineStream(ctx, topic, Map.of(FILENAME_FIELD, filename), batchSize,
                            lineBuffer(position, maxLineLength, filename), filename);
                    FileTail tail = new FileTail(vertx, ctx, filename, path, lines, fileEvents ? FileWatcher.of(vertx) : null, position);
                    lines.attach(tail);
                    stream = lines;
                    source = tail;
                    log.info("Reading {} from position {} into topic {}", filename, position, topic);
                    return tail.start().map(lines);
                });
    }

    /** Called on a worker thread: Connect's offset reader may block. */
    private static long storedPosition(SourceTaskContext connect, String filename) {
        Map<String, Object> offset = connect.offsetStorageReader().offset(Map.of(FILENAME_FIELD, filename));
        if (offset == null || offset.get(POSITION_FIELD) == null) {
            return 0L;
        }
        long position = toPosition(offset.get(POSITION_FIELD));
        if (position < 0) {
            throw new ConnectException("Stored offset position " + position + " for " + filename + " is negative");
        }
        log.debug("Found previous offset for {}, skipping to file position {}", filename, position);
        return position;
    }

    /**
     * A stored {@code position} as a long: Kafka stores a Long, but an offset read back from JSON
     * may hold a smaller integral type.
     */
    static long toPosition(Object value) {
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        throw new ConnectException("Offset position is the incorrect type: expected an integral number, got "
                + (value == null ? "null" : value.getClass().getSimpleName()));
    }

    /** The size of the line buffer, 0 before the task is open (tests; call on the task's context). */
    int bufferCapacity() {
        return stream == null ? 0 : stream.bufferCapacity();
    }

    @Override
    public Future<Void> close() {
        if (closed) {
            return Future.succeededFuture();
        }
        closed = true;
        if (stream != null) {
            stream.stop();
        }
        return source == null ? Future.succeededFuture() : source.close();
    }
}
