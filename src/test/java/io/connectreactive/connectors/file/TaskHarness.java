package io.connectreactive.connectors.file;

import io.connectreactive.testing.BlockedEventLoops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.connectreactive.api.ReactiveTaskContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * A real Vert.x instance and one event-loop context standing in for a task's, for driving reactive
 * tasks from a test thread: every call goes to the context and the test waits for its future.
 * Vert.x runs with a low {@code maxEventLoopExecuteTime} (500 ms: low enough to catch blocking I/O,
 * high enough for a build machine where the event loop waits for a CPU); {@link #close()} fails the
 * test if the blocked-thread checker complained.
 */
final class TaskHarness implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(5);

    final Vertx vertx;
    final Context context;
    private final BlockedEventLoops blocked;

    TaskHarness() {
        vertx = Vertx.vertx(BlockedEventLoops.options());
        context = vertx.getOrCreateContext();
        blocked = BlockedEventLoops.watch(vertx);
    }

    /** Awaitility with a short poll interval: the tests wait for millisecond-scale events. */
    static ConditionFactory eventually() {
        return Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(1));
    }

    <C> ReactiveTaskContext<C> taskContext(C connect) {
        return new ReactiveTaskContext<>(vertx, context, connect);
    }

    /** Runs {@code action} on the context and returns its future's result, or throws its failure. */
    <T> T call(Supplier<Future<T>> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                action.get().onComplete(result::complete, result::completeExceptionally);
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Runs {@code action} on the context and waits until it ran. */
    void run(Runnable action) throws Exception {
        call(() -> {
            action.run();
            return Future.succeededFuture();
        });
    }

    /** Runs {@code action} on the context without waiting. */
    void runLater(Runnable action) {
        context.runOnContext(v -> action.run());
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(blocked.events()).as("blocked event loops").isEmpty();
    }
}
