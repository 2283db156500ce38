package io.connectreactive.connectors.http;

import java.util.ArrayDeque;
import java.util.List;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The stream an {@link HttpSourceTask} hands the runtime: records offered by the webhook server or
 * the poller wait here until the runtime asks for them ({@code fetch(n)}, {@code pause()},
 * {@code resume()}). It has no bound of its own: its producers bound it (the webhook by
 * {@code http.max.pending}, the poller by polling only once it is empty). Emits at most
 * {@link #TURN} records per turn of the event loop. Used on the task's context only.
 */
final class RecordQueue implements ReadStream<SourceRecord> {

    static final int TURN = 256;

    private final Context context;
    private final ArrayDeque<SourceRecord> queue = new ArrayDeque<>();
    private Handler<SourceRecord> handler;
    private Handler<Void> drained;
    private long demand = Long.MAX_VALUE;
    private boolean scheduled;
    private boolean stopped;

    RecordQueue(Context context) {
        this.context = context;
    }

    /** Queues a record for the runtime. */
    void offer(SourceRecord record) {
        if (stopped) {
            return;
        }
        queue.add(record);
        schedule();
    }

    /** Records not yet read by the runtime. */
    int size() {
        return queue.size();
    }

    /** Called (once) each time the runtime has read every queued record. */
    void drainHandler(Handler<Void> drained) {
        this.drained = drained;
    }

    /** Stops emitting and returns what the runtime never read. */
    List<SourceRecord> stop() {
        stopped = true;
        List<SourceRecord> unread = List.copyOf(queue);
        queue.clear();
        return unread;
    }

    @Override
    public RecordQueue handler(Handler<SourceRecord> handler) {
        this.handler = handler;
        schedule();
        return this;
    }

    @Override
    public RecordQueue exceptionHandler(Handler<Throwable> handler) {
        return this; // the queue itself never fails
    }

    @Override
    public RecordQueue endHandler(Handler<Void> endHandler) {
        return this; // never ends: a webhook or a poll always may bring more
    }

    @Override
    public RecordQueue pause() {
        demand = 0;
        return this;
    }

    @Override
    public RecordQueue resume() {
        return fetch(Long.MAX_VALUE);
    }

    @Override
    public RecordQueue fetch(long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("fetch amount must be >= 0, was " + amount);
        }
        demand += amount;
        if (demand < 0) {
            demand = Long.MAX_VALUE;
        }
        schedule();
        return this;
    }

    private void schedule() {
        if (!scheduled && !stopped && handler != null && demand > 0 && !queue.isEmpty()) {
            scheduled = true;
            context.runOnContext(v -> emit());
        }
    }

    private void emit() {
        scheduled = false;
        int n = 0;
        while (!stopped && handler != null && demand > 0 && !queue.isEmpty() && n < TURN) {
            if (demand != Long.MAX_VALUE) {
                demand--;
            }
            n++;
            handler.handle(queue.poll());
        }
        if (queue.isEmpty() && n > 0 && drained != null) {
            drained.handle(null);
        }
        schedule();
    }
}
