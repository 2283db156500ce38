package io.connectreactive.runtime.source;

import java.util.ArrayDeque;
import java.util.List;

import io.connectreactive.runtime.exec.TaskThread;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * Adapts a classic {@link SourceTask} into a {@link ReadStream}: its blocking {@code poll()} runs
 * on the task's own {@link TaskThread} only while the stream has demand, and the polled records are
 * emitted on the task's context. While paused, {@code poll()} is not called (the backpressure of a
 * classic task); records of a poll that arrive during a pause wait in a buffer bounded by one poll.
 *
 * <p>Called on the task's context, except that the task's {@code stop()} is called from elsewhere,
 * concurrently with {@code poll()}, as Kafka Connect does to wake a waiting poll.
 */
final class ClassicSourceStream implements ReadStream<SourceRecord> {

    private final SourceTask task;
    private final TaskThread thread;
    private final Context context;
    private final ArrayDeque<SourceRecord> buffer = new ArrayDeque<>();
    private Handler<SourceRecord> handler;
    private Handler<Throwable> exceptionHandler;
    private long demand = Long.MAX_VALUE;
    private boolean polling;
    private boolean closed;
    private boolean emitting;

    ClassicSourceStream(SourceTask task, TaskThread thread, Context context) {
        this.task = task;
        this.thread = thread;
        this.context = context;
    }

    @Override
    public ReadStream<SourceRecord> exceptionHandler(Handler<Throwable> handler) {
        this.exceptionHandler = handler;
        return this;
    }

    @Override
    public ReadStream<SourceRecord> handler(Handler<SourceRecord> handler) {
        this.handler = handler;
        if (handler != null) {
            drain();
        }
        return this;
    }

    @Override
    public ReadStream<SourceRecord> pause() {
        demand = 0;
        return this;
    }

    @Override
    public ReadStream<SourceRecord> resume() {
        return fetch(Long.MAX_VALUE);
    }

    @Override
    public ReadStream<SourceRecord> fetch(long amount) {
        demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
        drain();
        return this;
    }

    @Override
    public ReadStream<SourceRecord> endHandler(Handler<Void> endHandler) {
        return this;
    }

    /** Stops polling; a poll under way still completes (its records are dropped, not acknowledged). */
    void close() {
        closed = true;
        buffer.clear();
    }

    private void drain() {
        if (emitting) {
            return;
        }
        emitting = true;
        try {
            while (demand > 0 && !buffer.isEmpty() && !closed && handler != null) {
                if (demand != Long.MAX_VALUE) {
                    demand--;
                }
                handler.handle(buffer.pollFirst());
            }
        } finally {
            emitting = false;
        }
        if (demand > 0 && buffer.isEmpty() && !polling && !closed && handler != null) {
            poll();
        }
    }

    private void poll() {
        polling = true;
        thread.call(context, task::poll).onComplete(ar -> {
            polling = false;
            if (closed) {
                return;
            }
            if (ar.failed()) {
                closed = true;
                if (exceptionHandler != null) {
                    exceptionHandler.handle(ar.cause());
                }
                return;
            }
            List<SourceRecord> records = ar.result();
            if (records != null) {
                buffer.addAll(records);
            }
            drain();
        });
    }
}
