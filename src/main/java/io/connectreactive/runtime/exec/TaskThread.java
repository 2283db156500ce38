package io.connectreactive.runtime.exec;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * The dedicated, named thread ({@code cr-task-<connector>-<n>}) on which a classic task's blocking
 * calls run, one at a time: a platform or a virtual thread ({@link ThreadKind}). Results hop back to the task's context, so pipeline state is only
 * touched there.
 */
public final class TaskThread {

    private final ExecutorService executor;

    public TaskThread(String name) {
        this(name, null, null, ThreadKind.PLATFORM);
    }

    /**
     * A thread of {@code kind} whose context class loader is {@code loader} (the task's plugin's), or
     * the creator's when null, and whose log lines carry {@code logContext} ({@link LogContext}, MDC)
     * when not null.
     */
    public TaskThread(String name, ClassLoader loader, String logContext, ThreadKind kind) {
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = kind.newThread(name, LogContext.withMdc(logContext, r));
            if (loader != null) {
                t.setContextClassLoader(loader);
            }
            return t;
        });
    }

    /**
     * Runs {@code call} on this thread; the future completes on {@code context}, through the
     * context's queue: whatever the call itself scheduled there (a {@code SinkTaskContext.offset()}
     * during {@code put()}, say) runs before the caller hears the result. Never throws.
     */
    public <T> Future<T> call(Context context, Callable<T> call) {
        Promise<T> promise = Promise.promise();
        try {
            executor.execute(() -> {
                T result;
                try {
                    result = call.call();
                } catch (Throwable t) {
                    hop(context, () -> promise.fail(t));
                    return;
                }
                hop(context, () -> promise.complete(result));
            });
        } catch (RejectedExecutionException e) {
            return Future.failedFuture(new IllegalStateException("task thread already shut down"));
        }
        return promise.future();
    }

    /**
     * Runs {@code r} on this thread, after the calls already queued; nothing reports back. For a
     * loop that submits its own next step, so that calls queued meanwhile run between two steps.
     * False when the thread was shut down.
     */
    public boolean execute(Runnable r) {
        try {
            executor.execute(r);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Completes on the context; a call that ends after Vert.x closed (an abandoned plugin) has nobody left to tell. */
    public static void hop(Context context, Runnable completion) {
        try {
            context.runOnContext(v -> completion.run());
        } catch (RejectedExecutionException closed) {
            // the worker stopped while the plugin still ran; its result is no longer wanted
        }
    }

    /** Lets queued calls finish and ends the thread; does not wait. */
    public void shutdown() {
        executor.shutdown();
    }

    /** Waits for the thread to end; blocking, for tests and shutdown paths off the event loop. */
    public boolean awaitTermination(long millis) throws InterruptedException {
        return executor.awaitTermination(millis, TimeUnit.MILLISECONDS);
    }
}
