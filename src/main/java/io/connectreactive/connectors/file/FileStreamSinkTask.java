package io.connectreactive.connectors.file;

import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.Map;

import io.connectreactive.api.ReactiveSinkTask;
import io.connectreactive.api.ReactiveTaskContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task of {@link FileStreamSinkConnector}: a native reactive task that appends
 * {@code String.valueOf(record.value())} and a {@code \n} per record to a file (created if missing),
 * or prints it to standard output, as Kafka's {@code FileStreamSinkTask} does with {@code println}.
 *
 * <p>A batch is written as one buffer with Vert.x's {@code AsyncFile}: {@link #write} completes once
 * the bytes were handed to the operating system, and batches land in the order they were given.
 * {@link #flushOffsets} waits for the last write, forces the file to disk ({@code fsync}) and returns
 * the offsets unchanged. Standard output blocks when its reader is slow, so it is written on a
 * worker thread ({@code executeBlocking}, ordered, which keeps the batches in order).
 *
 * <p>Every method is called on the task's context (an event loop) and none blocks.
 */
public class FileStreamSinkTask extends ReactiveSinkTask {

    private static final Logger log = LoggerFactory.getLogger(FileStreamSinkTask.class);

    private enum State { NEW, OPEN, CLOSED }

    private final PrintStream stdout;

    private State state = State.NEW;
    private Context context;
    private String filename;
    /** {@code null} when writing to standard output. */
    private AsyncFile file;
    /** The last write handed over; flushes and close wait for it. */
    private Future<Void> lastWrite = Future.succeededFuture();
    /** The first write that failed: every later write and flush fails with it. */
    private ConnectException writeFailure;

    /** The task the runtime instantiates: standard output is {@link System#out}. */
    public FileStreamSinkTask() {
        this(System.out);
    }

    /** For tests: {@code stdout} replaces {@link System#out}. */
    FileStreamSinkTask(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public String version() {
        return FileStreamSourceConnector.VERSION;
    }

    @Override
    public Future<Void> open(ReactiveTaskContext<SinkTaskContext> context, Map<String, String> props) {
        if (state != State.NEW) {
            return Future.failedFuture(new IllegalStateException("FileStreamSinkTask was already opened"));
        }
        this.context = context.context();
        try {
            filename = (String) FileStreamSinkConnector.CONFIG_DEF.parse(props).get(FileStreamSinkConnector.FILE_CONFIG);
        } catch (ConfigException e) {
            return Future.failedFuture(new ConnectException("Invalid FileStreamSinkTask configuration: " + e.getMessage(), e));
        }
        if (filename == null || filename.isEmpty()) {
            filename = null;
            state = State.OPEN;
            return Future.succeededFuture();
        }
        String path;
        try {
            // absolute, so that Vert.x never looks a relative name up on the class path
            path = Paths.get(filename).toAbsolutePath().toString();
        } catch (InvalidPathException e) {
            return Future.failedFuture(new ConnectException("Invalid file name '" + filename + "'", e));
        }
        return context.vertx().fileSystem()
                .open(path, new OpenOptions().setRead(false).setWrite(true).setCreate(true).setAppend(true))
                .transform(ar -> {
                    if (ar.failed()) {
                        return Future.failedFuture(new ConnectException(
                                "Couldn't find or create file '" + filename + "' for FileStreamSinkTask", ar.cause()));
                    }
                    if (state == State.CLOSED) {
                        return ar.result().close();
                    }
                    file = ar.result();
                    state = State.OPEN;
                    log.debug("Opened {} for appending", filename);
                    return Future.succeededFuture();
                });
    }

    @Override
    public Future<Void> write(Collection<SinkRecord> records) {
        if (state != State.OPEN) {
            return Future.failedFuture(new ConnectException("FileStreamSinkTask for " + outputName() + " is not open"));
        }
        if (records.isEmpty()) {
            return Future.succeededFuture();
        }
        StringBuilder text = new StringBuilder(records.size() * 64);
        for (SinkRecord record : records) {
            text.append(record.value()).append('\n'); // String.valueOf: null becomes "null", like println
        }
        log.trace("Writing {} lines to {}", records.size(), outputName());
        Future<Void> written;
        if (file != null) {
            written = file.write(Buffer.buffer(text.toString()));
        } else {
            String lines = text.toString();
            written = context.executeBlocking(() -> {
                stdout.print(lines);
                stdout.flush();
                return null;
            }, true);
        }
        lastWrite = written.recover(e -> {
            writeFailure = new ConnectException("Failed to write to " + outputName(), e);
            return Future.failedFuture(writeFailure);
        });
        if (file == null) {
            return lastWrite;
        }
        // Like Kafka's task, whose put() only prints to a buffered stream: the batch is taken once it
        // is queued on the file; flushOffsets waits for it. Only a full write queue holds the task.
        if (writeFailure != null) {
            return Future.failedFuture(writeFailure);
        }
        if (file.writeQueueFull()) {
            Promise<Void> drained = Promise.promise();
            file.drainHandler(v -> drained.tryComplete());
            return drained.future();
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<Map<TopicPartition, OffsetAndMetadata>> flushOffsets(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        if (state != State.OPEN) {
            return Future.failedFuture(new ConnectException("FileStreamSinkTask for " + outputName() + " is not open"));
        }
        return flush().map(currentOffsets);
    }

    @Override
    public Future<Void> close() {
        State previous = state;
        state = State.CLOSED;
        if (previous != State.OPEN) {
            return Future.succeededFuture();
        }
        Future<Void> flushed = flush();
        if (file == null) {
            return flushed; // never close System.out
        }
        AsyncFile closing = file;
        return flushed.transform(flush -> closing.close().transform(closed ->
                flush.failed() ? Future.failedFuture(flush.cause()) : closed.failed()
                        ? Future.failedFuture(new ConnectException("Failed to close " + filename, closed.cause()))
                        : Future.succeededFuture()));
    }

    /** After the last write completes (successfully or not): fsync the file, or flush standard output. */
    private Future<Void> flush() {
        log.trace("Flushing {}", outputName());
        AsyncFile target = file;
        return lastWrite
                .transform(ignored -> writeFailure != null ? Future.<Void>failedFuture(writeFailure)
                        : target != null
                        ? target.flush()
                        : context.<Void>executeBlocking(() -> {
                            stdout.flush();
                            return null;
                        }, true))
                .recover(e -> Future.failedFuture(e instanceof ConnectException ? e
                        : new ConnectException("Failed to flush " + outputName(), e)));
    }

    private String outputName() {
        return filename == null ? "stdout" : filename;
    }
}
