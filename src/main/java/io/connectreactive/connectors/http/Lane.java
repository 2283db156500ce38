package io.connectreactive.connectors.http;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * A partition consumed by an {@link HttpSinkTask}: its records in offset order, at most one
 * {@link Request} under way (in flight or waiting for a retry), its linger and retry timers. The
 * task decides when a lane sends; the lane cuts its queue into requests. Used on the task's context
 * only.
 */
final class Lane {

    /** One record waiting to be sent. */
    record Entry(SinkRecord record, long offset, String url, Body body, long acceptedAtMs) {
    }

    final TopicPartition tp;
    private final HttpSinkConfig config;
    private final Vertx vertx;
    /** The Content-Type of a single (not batched) body. */
    private final Function<Body, String> contentType;
    final ArrayDeque<Entry> queue = new ArrayDeque<>();
    /** Bytes of the queued bodies. */
    long bytes;
    /** In flight or waiting for a retry; null when none. */
    Request request;
    long lingerTimer = -1;
    long retryTimer = -1;
    /** In the task's queue of ready lanes. */
    boolean ready;
    boolean failing;
    boolean closed;

    Lane(TopicPartition tp, HttpSinkConfig config, Vertx vertx, Function<Body, String> contentType) {
        this.tp = tp;
        this.config = config;
        this.vertx = vertx;
        this.contentType = contentType;
    }

    /** A batch can be sent without lingering: enough records, enough bytes, or a record for another URL behind the first. */
    boolean full() {
        return queue.size() >= config.batchMaxRecords || bytes >= config.batchMaxBytes
                || (config.url.usesKey() && !queue.peekFirst().url().equals(queue.peekLast().url()));
    }

    /** The offset of the first record neither acknowledged nor failed for good, or null. */
    Long firstUnsettled() {
        if (request != null) {
            return request.entries.get(0).offset();
        }
        return queue.isEmpty() ? null : queue.peek().offset();
    }

    /**
     * Takes the next request off the queue: one record, or a JSON array of the records of one URL
     * within the batch bounds. The caller counts its records out of the task's queued records.
     */
    Request take() {
        List<Entry> entries = new ArrayList<>();
        Request req;
        if (!config.batching()) {
            Entry e = queue.poll();
            entries.add(e);
            req = new Request(entries, e.body().bytes(), contentType.apply(e.body()));
        } else {
            String url = queue.peek().url();
            int size = 2;
            List<Buffer> elements = new ArrayList<>();
            while (!queue.isEmpty() && entries.size() < config.batchMaxRecords) {
                Entry e = queue.peek();
                int add = e.body().bytes().length() + (entries.isEmpty() ? 0 : 1);
                if (!e.url().equals(url) || (!entries.isEmpty() && size + add > config.batchMaxBytes)) {
                    break;
                }
                entries.add(queue.poll());
                elements.add(e.body().bytes());
                size += add;
            }
            req = new Request(entries, Body.array(elements, size), "application/json");
        }
        for (Entry e : entries) {
            bytes -= e.body().bytes().length();
        }
        return req;
    }

    void cancelLinger() {
        if (lingerTimer >= 0) {
            vertx.cancelTimer(lingerTimer);
            lingerTimer = -1;
        }
    }

    void cancelTimers() {
        cancelLinger();
        if (retryTimer >= 0) {
            vertx.cancelTimer(retryTimer);
            retryTimer = -1;
        }
    }
}
