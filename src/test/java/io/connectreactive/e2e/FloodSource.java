package io.connectreactive.e2e;

import io.connectreactive.testing.TestConnectors;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.connectreactive.api.ReactiveSourceTask;
import io.connectreactive.api.ReactiveTaskContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTaskContext;

/**
 * A native reactive test source that emits {@code count} records as fast as it is allowed to, and
 * measures how many were emitted but not yet acknowledged (its records in flight) at most.
 */
public class FloodSource extends TestConnectors.Source {

    /** Per connector: [emitted, acked, max in flight, times paused]. */
    public static final Map<String, AtomicLong[]> STATS = new ConcurrentHashMap<>();

    @Override
    public Class<? extends Task> taskClass() {
        return FloodTask.class;
    }

    /** The reactive task and its stream. */
    public static class FloodTask extends ReactiveSourceTask implements ReadStream<SourceRecord> {
        private Context context;
        private String topic;
        private long count;
        private AtomicLong[] stats;
        private Handler<SourceRecord> handler;
        private long demand;
        private boolean scheduled;
        private boolean closed;
        private final String payload = "p".repeat(512);

        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public Future<ReadStream<SourceRecord>> open(ReactiveTaskContext<SourceTaskContext> ctx, Map<String, String> props) {
            context = ctx.context();
            topic = props.get("topic");
            count = Long.parseLong(props.get("count"));
            stats = STATS.computeIfAbsent(props.get("name"), n -> new AtomicLong[]{new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong()});
            return Future.succeededFuture(this);
        }

        @Override
        public Future<Void> close() {
            closed = true;
            return Future.succeededFuture();
        }

        @Override
        public void commitRecord(SourceRecord record, RecordMetadata metadata) {
            stats[1].incrementAndGet();
        }

        @Override
        public ReadStream<SourceRecord> exceptionHandler(Handler<Throwable> handler) {
            return this;
        }

        @Override
        public ReadStream<SourceRecord> handler(Handler<SourceRecord> handler) {
            this.handler = handler;
            return this;
        }

        @Override
        public ReadStream<SourceRecord> pause() {
            if (demand != 0) {
                stats[3].incrementAndGet();
            }
            demand = 0;
            return this;
        }

        @Override
        public ReadStream<SourceRecord> resume() {
            return fetch(Long.MAX_VALUE);
        }

        @Override
        public ReadStream<SourceRecord> fetch(long amount) {
            demand = amount == Long.MAX_VALUE ? Long.MAX_VALUE : demand + amount;
            schedule();
            return this;
        }

        @Override
        public ReadStream<SourceRecord> endHandler(Handler<Void> endHandler) {
            return this;
        }

        private void schedule() {
            if (!scheduled && !closed) {
                scheduled = true;
                context.runOnContext(v -> emit());
            }
        }

        /** Emits up to 1,000 records per turn while there is demand. */
        private void emit() {
            scheduled = false;
            for (int i = 0; i < 1000 && demand > 0 && !closed && stats[0].get() < count; i++) {
                if (demand != Long.MAX_VALUE) {
                    demand--;
                }
                long n = stats[0].incrementAndGet();
                stats[2].accumulateAndGet(n - stats[1].get(), Math::max);
                handler.handle(new SourceRecord(Map.of("flood", "p"), Map.of("n", n), topic, null, null, null,
                        Schema.STRING_SCHEMA, payload));
            }
            if (demand > 0 && stats[0].get() < count) {
                schedule();
            }
        }
    }
}
