package io.connectreactive.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The record shape every scenario uses: lines of {@value #LINE_CHARS} ASCII characters (a sequence
 * number, then letters and digits, nothing that JSON would escape) and, in Kafka, the JSON envelope
 * that JsonConverter with {@code schemas.enable=true} writes for a FileStreamSource line.
 *
 * <p>Static helpers, safe on any thread.
 */
final class Records {

    /** Characters per line, without the newline. */
    static final int LINE_CHARS = 100;

    private static final byte[] ENVELOPE_HEAD = "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\""
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ENVELOPE_TAIL = "\"}".getBytes(StandardCharsets.US_ASCII);
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();

    private Records() {
    }

    /** The value bytes JsonConverter (schemas enabled) writes for a string {@code line}. */
    static byte[] envelope(byte[] line, int length) {
        byte[] out = new byte[ENVELOPE_HEAD.length + length + ENVELOPE_TAIL.length];
        System.arraycopy(ENVELOPE_HEAD, 0, out, 0, ENVELOPE_HEAD.length);
        System.arraycopy(line, 0, out, ENVELOPE_HEAD.length, length);
        System.arraycopy(ENVELOPE_TAIL, 0, out, ENVELOPE_HEAD.length + length, ENVELOPE_TAIL.length);
        return out;
    }

    static byte[] envelope(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
        return envelope(bytes, bytes.length);
    }

    /**
     * The payload of an envelope as written by {@link #envelope}: the bytes between the head and
     * the closing quote (the lines hold nothing JSON escapes).
     */
    static String payload(byte[] envelope) {
        int start = ENVELOPE_HEAD.length;
        int end = envelope.length - ENVELOPE_TAIL.length;
        return new String(envelope, start, Math.max(0, end - start), StandardCharsets.US_ASCII);
    }

    /** Writes an envelope's payload bytes (see {@link #payload}) to {@code out}. */
    static void writePayload(byte[] envelope, java.io.OutputStream out) throws IOException {
        int start = ENVELOPE_HEAD.length;
        out.write(envelope, start, Math.max(0, envelope.length - ENVELOPE_TAIL.length - start));
    }

    /** Line {@code index} of a data set: {@code %09d } then pseudo-random letters and digits. */
    static String line(long index, SplittableRandom random) {
        StringBuilder sb = new StringBuilder(LINE_CHARS);
        sb.append(String.format("%09d ", index));
        while (sb.length() < LINE_CHARS) {
            sb.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }

    /**
     * Writes {@code count} lines to {@code file} unless it already holds exactly them (same size);
     * returns the file's size in bytes.
     */
    static long writeLines(Path file, long count) throws IOException {
        long expected = count * (LINE_CHARS + 1);
        if (Files.exists(file) && Files.size(file) == expected) {
            return expected;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        SplittableRandom random = new SplittableRandom(42);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            for (long i = 0; i < count; i++) {
                w.write(line(i, random));
                w.write('\n');
            }
        }
        return Files.size(file);
    }
}
