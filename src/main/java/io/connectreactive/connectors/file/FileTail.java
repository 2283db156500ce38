package io.connectreactive.connectors.file;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

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
 * <p><b>Rotation and truncation</b>, as {@code tail -F} follows them. Whenever a read finds the end
 * of the file after a file event, or at most every {@value #ROTATION_CHECK_MS} ms without one, the
 * path is checked on a worker thread ({@link BasicFileAttributes}): if it names another file (its
 * {@code fileKey}, device and inode on Linux, differs: renamed away and recreated, deleted and
 * recreated) or none, the open file is read to its end and closed, and the file at the path is
 * opened (or waited for) and read from position 0; if it is shorter than the position read so far,
 * it was truncated (also logrotate's {@code copytruncate}) and is read again from 0. A position past
 * the end of the file when it is opened (a stored offset of a file since replaced) also starts from
 * 0. Each case logs one line. The open file is kept open until the switch, so its inode cannot be
 * reused meanwhile; a truncation followed by appends beyond the old position before the check runs
 * cannot be told from appends, as for {@code tail}. See {@link LineStream#onRestart}.
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
    /** At the end of the file with no file event since the last check, the path is checked at most this often. */
    static final long ROTATION_CHECK_MS = 250;

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
    /** Identity of the open file ({@link BasicFileAttributes#fileKey()}: device and inode on Linux); {@code null} if unknown. */
    private Object fileKey;
    /** The path now names another file, or none: read the open one to its end, then switch. */
    private boolean rotated;
    /** {@link #signals} when the path was last checked for rotation or truncation. */
    private long signalsAtCheck = -1;
    private long lastCheckNanos;

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
                    if (ar.succeeded()) {
                        AsyncFile opened = ar.result();
                        // which file was opened, and how long it is: the path may be replaced later
                        return context.executeBlocking(() -> Files.readAttributes(path, BasicFileAttributes.class), false)
                                .transform(attributes -> opened(opened, attributes.succeeded() ? attributes.result() : null));
                    }
                    busy = false;
                    if (closed) {
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

    private Future<Void> opened(AsyncFile opened, BasicFileAttributes attributes) {
        busy = false;
        if (closed) {
            return opened.close();
        }
        file = opened;
        fileKey = attributes == null ? null : attributes.fileKey();
        recheckDelay = MIN_RECHECK_MS;
        log.debug("Opened {} for reading at position {}", filename, readPosition);
        if (attributes != null && readPosition > attributes.size()) {
            log.info("Position {} in {} is past the end of the file ({} bytes): the file was replaced; reading it from the start",
                    readPosition, filename, attributes.size());
            restartInput();
        }
        if (requested && !busy) {
            read();
        }
        return Future.succeededFuture();
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
            if (rotated) {
                switchFiles();
            } else if (signals != signalsAtCheck || System.nanoTime() - lastCheckNanos >= ROTATION_CHECK_MS * 1_000_000) {
                checkPath();
            } else if (changedWhileBusy) {
                read();
            } else {
                scheduleRecheck();
            }
        }
    }

    /**
     * At the end of the open file: does the path still name it, and is it at least as long as what
     * was read? As {@code tail -F} does: a path naming another file or none means the file was
     * rotated (read the rest of the old one, then the new one from its start); a shorter file means
     * it was truncated (read it again from its start). The open file stays open meanwhile, so its
     * inode cannot be reused by a new file and the file keys compare reliably.
     */
    private void checkPath() {
        busy = true;
        changedWhileBusy = false;
        signalsAtCheck = signals;
        lastCheckNanos = System.nanoTime();
        context.executeBlocking(() -> Files.readAttributes(path, BasicFileAttributes.class), false).onComplete(ar -> {
            busy = false;
            if (closed) {
                return;
            }
            boolean missing = ar.failed() && isMissing(ar.cause());
            BasicFileAttributes now = ar.succeeded() ? ar.result() : null;
            if (missing || (now != null && fileKey != null && now.fileKey() != null && !fileKey.equals(now.fileKey()))) {
                log.info("File {} was {}; reading the rest of the old file, then the new one from its start",
                        filename, missing ? "moved or deleted" : "replaced by a new file");
                rotated = true;
                read();
            } else if (now != null && now.size() < readPosition) {
                log.info("File {} was truncated to {} bytes after {} were read; reading it again from its start",
                        filename, now.size(), readPosition);
                restartInput();
                if (requested && !busy) {
                    read();
                }
            } else if (changedWhileBusy) {
                read();
            } else {
                scheduleRecheck();
            }
        });
    }

    /** The rotated file was read to its end: close it and open the file now at the path, from its start. */
    private void switchFiles() {
        rotated = false;
        AsyncFile old = file;
        file = null;
        fileKey = null;
        old.close().onFailure(e -> log.debug("Failed to close the rotated {}: {}", filename, e.toString()));
        warnedMissing = true; // the rotation was logged; a new file may take a while to appear
        restartInput();
        open().onFailure(stream::onError);
    }

    /** The input starts again at position 0: the stream first emits what it buffered from before. */
    private void restartInput() {
        readPosition = 0;
        lastReadEmpty = false;
        requested = false;
        stream.onRestart(0); // may request() at once
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
