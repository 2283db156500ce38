package io.connectreactive.connectors.file;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a file from a byte position onwards and keeps reading what is appended to it (tailing),
 * without blocking the event loop: reads go through Vert.x's {@link AsyncFile} (the blocking
 * {@code pread} runs on a worker thread).
 *
 * <p>Reads are {@link #CHUNK_BYTES} long while data flows. When a read finds the end of the file
 * the tail waits for the file to change: a {@link FileWatcher} signal triggers the next read at
 * once, and a re-check timer covers changes the watcher cannot see. The timer starts at
 * {@value #MIN_RECHECK_MS} ms and doubles up to {@value #WATCHED_RECHECK_MAX_MS} ms while the file
 * is watched (a safety net only) or up to {@value #POLLED_RECHECK_MAX_MS} ms when it is not (the
 * only way to notice appends there); it restarts at {@value #MIN_RECHECK_MS} ms whenever data
 * arrives. A watched file whose appends keep being found by the timer with no event ever seen (a
 * file system that does not report changes) is then re-checked as if unwatched, see
 * {@link #eventsWork()}. After an empty read the next read is a small {@link #PROBE_BYTES} probe, so re-checking
 * an idle file allocates little. A file that does not exist yet is waited for the same way (opened
 * on its creation event or re-tried, up to every {@value #MISSING_RECHECK_MAX_MS} ms unwatched),
 * with one warning in the log, as Kafka's task does.
 *
 * <p>All methods and callbacks run on the task's context.
 */
final class FileTail implements ByteSource {

    private static final Logger log = LoggerFactory.getLogger(FileTail.class);

    static final int CHUNK_BYTES = 128 * 1024;
    static final int PROBE_BYTES = 8 * 1024;
    static final long MIN_RECHECK_MS = 1;
    static final long POLLED_RECHECK_MAX_MS = 10;
    static final long WATCHED_RECHECK_MAX_MS = 500;
    static final long MISSING_RECHECK_MAX_MS = 100;
    /** Appends found by re-checking, with no file event ever seen, after which events are not trusted. */
    static final int UNSIGNALLED_APPENDS_LIMIT = 3;

    private final Vertx vertx;
    private final Context context;
    /** As configured: for logs. */
    private final String filename;
    /** Absolute, so that Vert.x never looks a relative name up on the class path. */
    private final Path path;
    private final LineStream stream;
    /** {@code null}: do not use file events, re-check only. */
    private final FileWatcher watcher;

    private FileWatcher.Registration watch = FileWatcher.unwatched();
    private AsyncFile file;
    private long readPosition;
    private long recheckDelay = MIN_RECHECK_MS;
    private long timerId = -1;
    /** A read (or open) is in flight. */
    private boolean busy;
    /** The watcher signalled while a read or open was in flight. */
    private boolean changedWhileBusy;
    /** The stream wants bytes and has not had them yet. */
    private boolean requested;
    private boolean lastReadEmpty;
    /** File events received for this file. */
    private long signals;
    /** Reads that found data after one that found the end of the file. */
    private long appendsFound;
    private boolean warnedMissing;
    private boolean warnedNoEvents;
    private boolean closed;

    FileTail(Vertx vertx, Context context, String filename, Path path, LineStream stream, FileWatcher watcher, long position) {
        this.vertx = vertx;
        this.context = context;
        this.filename = filename;
        this.path = path.toAbsolutePath();
        this.stream = stream;
        this.watcher = watcher;
        this.readPosition = position;
    }

    /**
     * Starts watching the file and tries to open it. Succeeds if the file was opened or does not
     * exist yet (it is then waited for); fails if it exists but cannot be opened.
     */
    Future<Void> start() {
        return context.executeBlocking(this::register, false)
                .compose(registration -> {
                    watch = registration;
                    if (closed) {
                        return unwatch();
                    }
                    return open();
                });
    }

    private FileWatcher.Registration register() throws Exception {
        if (watcher == null) {
            return FileWatcher.unwatched();
        }
        // watch where the data is written: the target's directory when the file is a link
        Path watched = Files.exists(path) ? path.toRealPath() : path;
        return watcher.watch(watched, context, this::onChange);
    }

    @Override
    public void request() {
        if (closed) {
            return;
        }
        requested = true;
        if (file != null && !busy && timerId == -1) {
            read();
        }
    }

    @Override
    public Future<Void> close() {
        if (closed) {
            return Future.succeededFuture();
        }
        closed = true;
        cancelTimer();
        Future<Void> closing = file == null ? Future.succeededFuture() : file.close();
        file = null;
        return Future.all(closing, unwatch()).mapEmpty();
    }

    private Future<Void> unwatch() {
        FileWatcher.Registration registration = watch;
        if (watcher == null) {
            return Future.succeededFuture();
        }
        return context.executeBlocking(() -> {
            registration.cancel();
            return null;
        }, false);
    }

    private Future<Void> open() {
        busy = true;
        changedWhileBusy = false;
        return vertx.fileSystem()
                .open(path.toString(), new OpenOptions().setRead(true).setWrite(false).setCreate(false))
                .transform(ar -> {
                    busy = false;
                    if (closed) {
                        return ar.succeeded() ? ar.result().close() : Future.succeededFuture();
                    }
                    if (ar.succeeded()) {
                        file = ar.result();
                        recheckDelay = MIN_RECHECK_MS;
                        log.debug("Opened {} for reading at position {}", filename, readPosition);
                        if (requested) {
                            read();
                        }
                        return Future.succeededFuture();
                    }
                    if (!isMissing(ar.cause())) {
                        return Future.failedFuture(new ConnectException("Error while trying to open file " + filename, ar.cause()));
                    }
                    if (!warnedMissing) {
                        warnedMissing = true;
                        log.warn("Couldn't find file {} for FileStreamSourceTask, waiting for it to be created", filename);
                    }
                    if (changedWhileBusy) {
                        context.runOnContext(v -> recheck());
                    } else {
                        scheduleRecheck();
                    }
                    return Future.succeededFuture();
                });
    }

    private void read() {
        busy = true;
        changedWhileBusy = false;
        int length = lastReadEmpty ? PROBE_BYTES : CHUNK_BYTES;
        file.read(Buffer.buffer(length), 0, readPosition, length).onComplete(this::onRead);
    }

    private void onRead(AsyncResult<Buffer> ar) {
        busy = false;
        if (closed) {
            return;
        }
        if (ar.failed()) {
            stream.onError(new ConnectException("Error while reading file " + filename + " at position " + readPosition, ar.cause()));
            return;
        }
        Buffer data = ar.result();
        if (data.length() > 0) {
            if (lastReadEmpty) {
                appendsFound++;
            }
            readPosition += data.length();
            lastReadEmpty = false;
            recheckDelay = MIN_RECHECK_MS;
            requested = false;
            stream.onData(data); // may request() again at once
        } else {
            lastReadEmpty = true;
            if (changedWhileBusy) {
                read();
            } else {
                scheduleRecheck();
            }
        }
    }

    /** The watcher saw the file created or modified. */
    private void onChange() {
        if (closed) {
            return;
        }
        signals++;
        recheckDelay = MIN_RECHECK_MS;
        if (busy) {
            changedWhileBusy = true;
        } else if (timerId != -1) {
            cancelTimer();
            recheck();
        }
    }

    private void scheduleRecheck() {
        long max = eventsWork() ? WATCHED_RECHECK_MAX_MS
                : file == null ? MISSING_RECHECK_MAX_MS : POLLED_RECHECK_MAX_MS;
        long delay = Math.min(recheckDelay, max);
        recheckDelay = Math.min(delay * 2, max);
        timerId = vertx.setTimer(delay, id -> {
            timerId = -1;
            recheck();
        });
    }

    /**
     * Whether file events can be relied on to notice appends: the file is watched, and events were
     * seen or too few appends were found to tell. Where a file system does not report changes (some
     * network or bind-mounted ones), appends keep being found by re-checking with no event; after
     * {@value #UNSIGNALLED_APPENDS_LIMIT} of them the tail re-checks as fast as without a watcher.
     */
    boolean eventsWork() {
        boolean work = watch.watched() && (signals > 0 || appendsFound < UNSIGNALLED_APPENDS_LIMIT);
        if (!work && watch.watched() && !warnedNoEvents) {
            warnedNoEvents = true;
            log.info("No file events seen for {} although it grew; re-checking it every {} ms", filename, POLLED_RECHECK_MAX_MS);
        }
        return work;
    }

    /** Whether the tail found the end of the file and waits for it to change (tests). */
    boolean waiting() {
        return timerId != -1 && !busy;
    }

    private void recheck() {
        if (closed || busy) {
            return;
        }
        if (file == null) {
            open().onFailure(stream::onError);
        } else if (requested) {
            read();
        }
    }

    private void cancelTimer() {
        if (timerId != -1) {
            vertx.cancelTimer(timerId);
            timerId = -1;
        }
    }

    private static boolean isMissing(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof NoSuchFileException) {
                return true;
            }
        }
        return false;
    }
}
