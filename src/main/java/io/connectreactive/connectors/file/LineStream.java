package io.connectreactive.connectors.file;

import java.util.Map;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of a {@link FileStreamSourceTask}: one {@link SourceRecord} per line of the input,
 * emitted only while there is demand.
 *
 * <p>Like Vert.x's own streams it starts in flowing mode; {@link #pause()}, {@link #resume()} and
 * {@link #fetch(long)} set the demand, and nothing is emitted while it is zero or no handler is set.
 * Bytes are asked from the {@link ByteSource} only while there is demand and fewer than
 * {@link #READ_AHEAD_BYTES} are buffered (or no complete line is buffered), so memory stays bounded
 * by about two read chunks plus {@code max.line.length} (longer lines are skipped, see
 * {@link LineBuffer}). At most {@code batch.size} records are emitted in
 * one event-loop turn; then the stream yields and continues in the next turn, so one busy file does
 * not starve the other tasks on the same event loop.
 *
 * <p>A file's stream never ends: it tails the file until the task is closed. A standard-input stream
 * ends when the input does, after emitting its last line.
 *
 * <p>All methods are called on the task's context, as are the {@link ByteSource} callbacks
 * ({@link #onData}, {@link #onEnd}, {@link #onError}).
 */
final class LineStream implements ReadStream<SourceRecord> {

    private static final Logger log = LoggerFactory.getLogger(LineStream.class);

    /** Ask for more bytes while fewer than this many are buffered. */
    static final int READ_AHEAD_BYTES = FileTail.CHUNK_BYTES;

    private final Context context;
    private final String topic;
    /** {@code {"filename": file}}, shared by all records; {@code null} for standard input. */
    private final Map<String, String> sourcePartition;
    private final int batchSize;
    private final LineBuffer lines;
    private final String inputName;
    private ByteSource source;

    private Handler<SourceRecord> handler;
    private Handler<Throwable> exceptionHandler;
    private Handler<Void> endHandler;
    private long demand = Long.MAX_VALUE;
    private boolean emitting;
    private boolean pumpScheduled;
    private boolean inputEnded;
    private boolean endEmitted;
    private boolean stopped;
    /** {@code >= 0}: the input restarts at this position once the buffered lines are emitted. */
    private long restartAt = -1;

    LineStream(Context context, String topic, Map<String, String> sourcePartition, int batchSize, LineBuffer lines,
               String inputName) {
        this.context = context;
        this.topic = topic;
        this.sourcePartition = sourcePartition;
        this.batchSize = Math.max(1, batchSize);
        this.lines = lines;
        this.inputName = inputName;
    }

    /** Connects the source the bytes come from; called once, before the stream is handed out. */
    void attach(ByteSource source) {
        this.source = source;
    }

    @Override
    public LineStream handler(Handler<SourceRecord> handler) {
        this.handler = handler;
        if (handler != null) {
            schedulePump();
        }
        return this;
    }

    @Override
    public LineStream exceptionHandler(Handler<Throwable> handler) {
        this.exceptionHandler = handler;
        return this;
    }

    @Override
    public LineStream endHandler(Handler<Void> endHandler) {
        this.endHandler = endHandler;
        if (endHandler != null && inputEnded) {
            schedulePump();
        }
        return this;
    }

    @Override
    public LineStream pause() {
        demand = 0;
        return this;
    }

    @Override
    public LineStream resume() {
        return fetch(Long.MAX_VALUE);
    }

    @Override
    public LineStream fetch(long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("fetch amount must be >= 0, was " + amount);
        }
        demand += amount;
        if (demand < 0) {
            demand = Long.MAX_VALUE;
        }
        if (amount > 0) {
            schedulePump();
        }
        return this;
    }

    /** Bytes from the source, in input order. */
    void onData(Buffer chunk) {
        if (stopped) {
            return;
        }
        lines.append(chunk);
        pump();
    }

    /** The input ended (standard input only): emit what is left, then end. */
    void onEnd() {
        if (stopped) {
            return;
        }
        inputEnded = true;
        lines.finish();
        pump();
    }

    /** The source failed: report once and emit nothing more. */
    void onError(Throwable failure) {
        if (stopped) {
            return;
        }
        stopped = true;
        Handler<Throwable> h = exceptionHandler;
        if (h != null) {
            h.handle(failure);
        } else {
            log.error("Reading {} failed and no exception handler is set", inputName, failure);
        }
    }

    /**
     * The input ended and starts again at {@code position} (a rotated or truncated file): the lines
     * still buffered, including an unterminated last one, are emitted first; then the buffer
     * restarts at {@code position} and bytes are asked for again.
     */
    void onRestart(long position) {
        if (stopped) {
            return;
        }
        lines.finish();
        restartAt = position;
        pump();
    }

    /** Current size of the line buffer (tests: memory stays bounded). */
    int bufferCapacity() {
        return lines.capacity();
    }

    /** Stops emission for good (the task is closing). */
    void stop() {
        stopped = true;
    }

    private void schedulePump() {
        if (!pumpScheduled && !stopped) {
            pumpScheduled = true;
            context.runOnContext(v -> {
                pumpScheduled = false;
                pump();
            });
        }
    }

    /** Emits buffered lines while there is demand, then asks for more bytes if needed. */
    private void pump() {
        if (emitting || stopped) {
            return;
        }
        boolean starved = false;
        emitting = true;
        try {
            int emitted = 0;
            while (demand > 0 && handler != null && !stopped) {
                if (emitted == batchSize) {
                    schedulePump(); // yield the event loop, continue in the next turn
                    break;
                }
                String line = lines.nextLine();
                if (line == null) {
                    starved = true;
                    break;
                }
                if (demand != Long.MAX_VALUE) {
                    demand--;
                }
                emitted++;
                handler.handle(record(line));
            }
        } catch (RuntimeException e) {
            emitting = false;
            onError(e);
            return;
        } finally {
            emitting = false;
        }
        if (stopped) {
            return;
        }
        if (inputEnded) {
            if (lines.pending() == 0 && !endEmitted && endHandler != null) {
                endEmitted = true;
                endHandler.handle(null);
            }
            return;
        }
        if (restartAt >= 0) {
            if (lines.pending() > 0) {
                return; // the previous input's last lines first
            }
            lines.restart(restartAt);
            restartAt = -1;
            starved = true;
        }
        if (demand > 0 && handler != null && (starved || lines.pending() < READ_AHEAD_BYTES)) {
            source.request();
        }
    }

    private SourceRecord record(String line) {
        Map<String, Long> offset = sourcePartition == null
                ? null
                : Map.of(FileStreamSourceTask.POSITION_FIELD, lines.position());
        return new SourceRecord(sourcePartition, offset, topic, null, null, null,
                Schema.STRING_SCHEMA, line, System.currentTimeMillis());
    }
}
