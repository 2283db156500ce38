package io.connectreactive.connectors.file;

import java.nio.charset.StandardCharsets;
import java.util.function.LongConsumer;

import io.vertx.core.buffer.Buffer;

/**
 * Bytes read from the input but not yet returned as lines, and the splitting of them into lines.
 *
 * <p>Lines end at {@code \n}, {@code \r\n} or a lone {@code \r}, as in Kafka's
 * {@code FileStreamSourceTask}; the terminator is not part of the line. A {@code \r} that is the
 * last byte read so far is held until the next byte shows whether a {@code \n} follows, so a
 * partial line is never returned while more input may come. Splitting works on bytes (a UTF-8
 * multi-byte sequence never contains {@code \r} or {@code \n}) and each complete line is decoded as
 * UTF-8 once. A line longer than the configured bound is skipped without being accumulated (see
 * {@link #LineBuffer(int, long, int, LongConsumer)}). {@link #position()} counts bytes: after a line is returned it is the input position
 * just past that line's terminator, the source offset Kafka's file connector stores.
 *
 * <p>Not thread-safe: owned by one {@link LineStream} and used on its task's context.
 */
final class LineBuffer {

    private static final byte LF = '\n';
    private static final byte CR = '\r';

    private byte[] bytes;
    /** First byte not yet returned as part of a line. */
    private int start;
    /** One past the last byte read. */
    private int end;
    /** {@code [start, scanned)} is known to hold no terminator. */
    private int scanned;
    /** Input position of {@code bytes[start]}. */
    private long position;
    /** No more input will come: the rest is the last line, terminated or not. */
    private boolean finished;

    /** Lines longer than this many bytes (terminator excluded) are skipped, not returned. */
    private final int maxLineLength;
    /** Told the input position of each skipped line's first byte, when the skip starts. */
    private final LongConsumer onSkip;
    /** Dropping the bytes of a line found too long, until its terminator. */
    private boolean skipping;

    /** A buffer with no bound on line length (standard tests of splitting). */
    LineBuffer(int initialCapacity, long position) {
        this(initialCapacity, position, Integer.MAX_VALUE, skipped -> { });
    }

    /**
     * A buffer that skips lines longer than {@code maxLineLength} bytes: such a line is never
     * accumulated (its bytes are dropped as they arrive, so memory stays bounded by about
     * {@code maxLineLength} plus one read chunk), {@code onSkip} is told where it started, and
     * {@link #position()} moves past it once its terminator arrives.
     */
    LineBuffer(int initialCapacity, long position, int maxLineLength, LongConsumer onSkip) {
        this.bytes = new byte[Math.max(16, initialCapacity)];
        this.position = position;
        this.maxLineLength = Math.max(0, maxLineLength);
        this.onSkip = onSkip;
    }

    /** Appends bytes read from the input, compacting or growing the array when needed. */
    void append(Buffer chunk) {
        int length = chunk.length();
        makeRoom(length);
        chunk.getBytes(0, length, bytes, end);
        end += length;
    }

    /** Appends bytes read from the input (tests and callers holding plain arrays). */
    void append(byte[] chunk, int offset, int length) {
        makeRoom(length);
        System.arraycopy(chunk, offset, bytes, end, length);
        end += length;
    }

    /**
     * Marks the end of the input: a trailing {@code \r} then ends a line and any unterminated rest
     * is returned as the last line.
     */
    void finish() {
        finished = true;
    }

    /**
     * Starts a new input at {@code position} (a rotated or truncated file read again from its
     * start). Call only once every line of the previous input was returned ({@link #pending()} is 0).
     */
    void restart(long position) {
        this.position = position;
        start = 0;
        end = 0;
        scanned = 0;
        finished = false;
        skipping = false;
    }

    /** Returns the next complete line, or {@code null} if none is complete yet. */
    String nextLine() {
        byte[] b = bytes;
        int i = scanned;
        while (i < end) {
            byte c = b[i];
            int next = -1;
            if (c == LF) {
                next = i + 1;
            } else if (c == CR) {
                if (i + 1 < end) {
                    next = b[i + 1] == LF ? i + 2 : i + 1;
                } else if (finished) {
                    next = i + 1;
                } else {
                    scanned = i; // look at this \r again once the next byte is here
                    boundUnterminated(i);
                    return null;
                }
            }
            if (next < 0) {
                i++;
            } else if (skipping || i - start > maxLineLength) {
                startSkip();
                skipping = false;
                drop(next); // the end of a skipped line: move past it and look for the next
                i = start;
            } else {
                return take(i, next);
            }
        }
        scanned = end;
        if (finished && end > start) {
            if (!skipping && end - start <= maxLineLength) {
                return take(end, end);
            }
            startSkip();
            skipping = false;
            drop(end);
            return null;
        }
        boundUnterminated(end);
        return null;
    }

    /**
     * {@code [start, lineEnd)} holds no terminator: if that is already longer than a line may be,
     * start (or go on) skipping the line and drop those bytes, so that they do not accumulate.
     */
    private void boundUnterminated(int lineEnd) {
        if (skipping || lineEnd - start > maxLineLength) {
            startSkip();
            drop(lineEnd);
        }
    }

    private void startSkip() {
        if (!skipping) {
            skipping = true;
            onSkip.accept(position);
        }
    }

    /** Drops {@code [start, next)} without returning it as a line. */
    private void drop(int next) {
        position += next - start;
        if (next == end) {
            start = 0;
            end = 0;
            scanned = 0;
        } else {
            start = next;
            scanned = next;
        }
    }

    /** Input position just past the last line returned (the start position before any line). */
    long position() {
        return position;
    }

    /** Bytes read but not yet returned in a line. */
    int pending() {
        return end - start;
    }

    /** Current size of the backing array (tests). */
    int capacity() {
        return bytes.length;
    }

    private String take(int lineEnd, int next) {
        String line = new String(bytes, start, lineEnd - start, StandardCharsets.UTF_8);
        drop(next);
        return line;
    }

    private void makeRoom(int length) {
        if (bytes.length - end >= length) {
            return;
        }
        int pending = end - start;
        byte[] target = bytes;
        if (bytes.length - pending < length) {
            target = new byte[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(2L * bytes.length, (long) pending + length))];
        }
        System.arraycopy(bytes, start, target, 0, pending);
        bytes = target;
        scanned -= start;
        end = pending;
        start = 0;
    }
}
