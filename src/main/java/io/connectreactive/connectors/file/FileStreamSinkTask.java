package io.connectreactive.connectors.file;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
 * <p><b>Writes.</b> {@link #write} queues a batch's text and completes at once (like Kafka's task, whose
 * {@code put} prints to a buffered stream), unless more than {@value #MAX_PENDING_BYTES} bytes
 * are queued: then it completes when the queue is handed over. One write is in flight at a time:
 * Vert.x's {@code AsyncFile} runs concurrent writes at their positions on several worker threads and
 * completes them in any order, so the task writes everything queued as one buffer, waits for it to
 * land and then writes what was queued meanwhile. The file is thus always a prefix of the accepted
 * batches, in order, with no holes. Standard output blocks when its reader is slow, so it is written
 * on a worker thread ({@code executeBlocking}), also one write at a time.
 *
 * <p><b>Flush.</b> {@link #flushOffsets} completes only after every batch accepted before it has
 * landed and the file was then forced to disk ({@code fsync}); it returns the offsets unchanged, so
 * an offset committed after it never covers a record not on disk. After a failed write every later
 * write and flush fails.
 *
 * <p>Every method is called on the task's context (an event loop) and none blocks.
 */
public class FileStreamSinkTask extends ReactiveSinkTask {

    private static final Logger log = LoggerFactory.getLogger(FileStreamSinkTask.class);

    /** Queued bytes beyond which {@link #write} holds the task back until they are handed to the file. */
    static final int MAX_PENDING_BYTES = 1024 * 1024;

    private enum State { NEW, OPEN, CLOSED }

    private final PrintStream stdout;

    private State state = State.NEW;
    private Context context;
    private String filename;
    /** {@code null} when writing to standard output. */
    private AsyncFile file;
    /** The batches accepted but not yet handed to the file, as UTF-8: at most one write is in flight. */
    private Buffer pending = Buffer.buffer();
    /** A write is in flight. */
    private boolean writing;
    /** Batches accepted so far. */
    private long accepted;
    /** Batches whose text is in the file (or printed): always a prefix of the accepted ones. */
    private long landed;
    /** Flushes waiting for batches to land, in order of their targets (targets only grow). */
    private final ArrayDeque<Waiter> flushWaiters = new ArrayDeque<>();
    /** {@link #write} calls held back while {@link #pending} is full, released when it is handed over. */
    private final List<Promise<Void>> drainWaiters = new ArrayList<>();
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
        if (writeFailure != null) {
            return Future.failedFuture(writeFailure);
        }
        if (records.isEmpty()) {
            return Future.succeededFuture();
        }
        // encoded first, so the batch is allocated once at its size (a 4 MiB value is not copied again as it grows)
        byte[][] lines = new byte[records.size()][];
        int size = 0;
        try {
            int i = 0;
            for (SinkRecord record : records) {
                // String.valueOf: null becomes "null", like println
                lines[i] = String.valueOf(record.value()).getBytes(StandardCharsets.UTF_8);
                size += lines[i++].length + 1;
            }
        } catch (RuntimeException e) { // a value whose toString() fails: the batch is refused whole
            return Future.failedFuture(new ConnectException("Failed to format a record for " + outputName(), e));
        }
        Buffer batch = Buffer.buffer(size);
        for (byte[] line : lines) {
            batch.appendBytes(line).appendByte((byte) '\n');
        }
        if (pending.length() == 0) {
            pending = batch; // the usual case: nothing queued behind a write in flight
        } else {
            pending.appendBuffer(batch);
        }
        accepted++;
        log.trace("Queued {} lines for {}", records.size(), outputName());
        if (!writing) {
            writeNext();
        }
        // Like Kafka's task, whose put() only prints to a buffered stream: the batch is taken once it
        // is queued; flushOffsets waits for it. Only a full queue holds the task back.
        if (pending.length() < MAX_PENDING_BYTES) {
            return Future.succeededFuture();
        }
        Promise<Void> taken = Promise.promise();
        drainWaiters.add(taken);
        return taken.future();
    }

    /**
     * Writes everything queued as one buffer, then again if more was queued meanwhile: one write in
     * flight at a time, so the output is applied in the order the batches were given and a batch is
     * on its way to the file only after every earlier one landed there.
     */
    private void writeNext() {
        Buffer data = pending;
        pending = Buffer.buffer();
        long batches = accepted;
        writing = true;
        completeAll(drainWaiters, null);
        Future<Void> written;
        if (file != null) {
            try {
                written = file.write(data);
            } catch (RuntimeException e) {
                written = Future.failedFuture(e);
            }
        } else {
            String text = data.toString(StandardCharsets.UTF_8);
            written = context.executeBlocking(() -> {
                stdout.print(text);
                stdout.flush();
                return null;
            }, true);
        }
        written.onComplete(ar -> {
            if (ar.failed()) {
                writing = false;
                if (writeFailure == null) {
                    writeFailure = new ConnectException("Failed to write to " + outputName(), ar.cause());
                    log.error("Failed to write to {}: {}", outputName(), ar.cause().toString());
                }
                pending = Buffer.buffer();
                completeAll(drainWaiters, writeFailure);
                List<Waiter> failed = new ArrayList<>(flushWaiters);
                flushWaiters.clear();
                failed.forEach(w -> w.promise.fail(writeFailure));
                return;
            }
            landed = batches;
            while (!flushWaiters.isEmpty() && flushWaiters.peek().batches <= landed) {
                flushWaiters.poll().promise.complete();
            }
            if (pending.length() > 0) {
                writeNext();
            } else {
                writing = false;
            }
        });
    }

    private static void completeAll(List<Promise<Void>> waiters, Throwable failure) {
        if (waiters.isEmpty()) {
            return;
        }
        List<Promise<Void>> done = new ArrayList<>(waiters);
        waiters.clear();
        done.forEach(p -> {
            if (failure == null) {
                p.complete();
            } else {
                p.fail(failure);
            }
        });
    }

    /** Completes once every batch accepted so far is in the file (or printed); fails after a write failed. */
    private Future<Void> allWritten() {
        if (writeFailure != null) {
            return Future.failedFuture(writeFailure);
        }
        if (landed == accepted) {
            return Future.succeededFuture();
        }
        Promise<Void> promise = Promise.promise();
        flushWaiters.add(new Waiter(accepted, promise));
        return promise.future();
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

    /**
     * After every write accepted so far has landed: fsync the file (standard output was flushed by
     * each write). Fails if any write failed.
     */
    private Future<Void> flush() {
        log.trace("Flushing {}", outputName());
        AsyncFile target = file;
        return allWritten()
                .compose(ignored -> target != null ? target.flush() : Future.<Void>succeededFuture())
                .recover(e -> Future.failedFuture(e instanceof ConnectException ? e
                        : new ConnectException("Failed to flush " + outputName(), e)));
    }

    /** A flush waiting until the first {@code batches} batches have landed. */
    private record Waiter(long batches, Promise<Void> promise) {
    }

    private String outputName() {
        return filename == null ? "stdout" : filename;
    }
}
