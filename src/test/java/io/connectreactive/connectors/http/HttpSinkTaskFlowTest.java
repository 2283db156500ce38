package io.connectreactive.connectors.http;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.connectreactive.api.ReactiveTaskContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The task alone on a Vert.x context against a real HTTP server: flow control and committable offsets. */
class HttpSinkTaskFlowTest {

    private final Vertx vertx = Vertx.vertx();
    private final Context context = vertx.getOrCreateContext();

    @AfterEach
    void close() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void writeHoldsTheRuntimeBackWhileMaxInFlightRequestsAreUnderWay() throws Exception {
        try (TestHttpServer server = TestHttpServer.start()) {
            CompletableFuture<Void> released = new CompletableFuture<>();
            server.respond = r -> released.isDone() ? TestHttpServer.Answer.ok() : TestHttpServer.Answer.ok(60_000);
            HttpSinkTask task = new HttpSinkTask();
            on(() -> task.open(new ReactiveTaskContext<>(vertx, context, noContext()),
                    Map.of("name", "flow", "http.url", server.url("/x"), "http.max.in.flight", "2")));
            TopicPartition p0 = new TopicPartition("t", 0);
            TopicPartition p1 = new TopicPartition("t", 1);
            // two partitions, one request each in flight: the slots are full, so write does not complete
            Future<Void> first = start(() -> task.write(List.of(record(0, 0), record(1, 0))));
            await().atMost(10, TimeUnit.SECONDS).until(() -> server.received.size() == 2);
            assertThat(first.isComplete()).as("write completes only when a slot is free").isFalse();
            Map<TopicPartition, OffsetAndMetadata> offered = Map.of(p0, new OffsetAndMetadata(1), p1, new OffsetAndMetadata(1));
            // nothing acknowledged yet: nothing committable past the first records
            Future<Map<TopicPartition, OffsetAndMetadata>> flushed = start(() -> task.flushOffsets(offered));
            assertThat(flushed.isComplete()).as("a flush waits for the requests in flight").isFalse();
            released.complete(null);
            server.stop();
            server.restart(); // the held answers' connections are cut: both requests are retried and now answered at once
            await().atMost(10, TimeUnit.SECONDS).until(first::isComplete);
            assertThat(first.succeeded()).isTrue();
            await().atMost(10, TimeUnit.SECONDS).until(flushed::isComplete);
            await().atMost(10, TimeUnit.SECONDS).until(() -> server.acked.size() == 2);
            Map<TopicPartition, OffsetAndMetadata> committable = on(() -> task.flushOffsets(offered));
            assertThat(committable).isEqualTo(offered);
            on(task::close);
        }
    }

    private static SinkRecord record(int partition, long offset) {
        return new SinkRecord("t", partition, null, null, null, partition + "-" + offset, offset);
    }

    private static SinkTaskContext noContext() {
        return (SinkTaskContext) Proxy.newProxyInstance(SinkTaskContext.class.getClassLoader(), new Class<?>[] {SinkTaskContext.class},
                (proxy, method, args) -> null);
    }

    /** Calls the task on its context and waits for the answer. */
    private <T> T on(java.util.function.Supplier<Future<T>> call) throws Exception {
        return start(call).await(10, TimeUnit.SECONDS);
    }

    /** Calls the task on its context; the answer's future. */
    private <T> Future<T> start(java.util.function.Supplier<Future<T>> call) {
        Promise<T> p = Promise.promise();
        context.runOnContext(v -> call.get().onComplete(p));
        return p.future();
    }
}
