package io.connectreactive.connectors.http;

import java.util.List;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * One request of a {@link Lane}: its records, body and attempts; kept for its retries. Used on the
 * task's context only.
 */
final class Request {
    final List<Lane.Entry> entries;
    final String url;
    final Buffer body;
    final String contentType;
    int attempts;
    /** Completes when the attempt under way answered (or failed). */
    Future<Void> settled;

    Request(List<Lane.Entry> entries, Buffer body, String contentType) {
        this.entries = entries;
        this.url = entries.get(0).url();
        this.body = body;
        this.contentType = contentType;
    }

    List<SinkRecord> records() {
        return entries.stream().map(Lane.Entry::record).toList();
    }

    String describe(TopicPartition tp) {
        long first = entries.get(0).offset();
        long last = entries.get(entries.size() - 1).offset();
        return entries.size() == 1 ? "the record of " + tp + " at offset " + first
                : entries.size() + " records of " + tp + " (offsets " + first + " to " + last + ")";
    }
}
