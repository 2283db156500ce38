package io.connectreactive.runtime.exec;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * The dedicated, named thread ({@code cr-task-<connector>-<n>}) on which a classic task's blocking
 * calls run, one at a time. Results hop back to the task's context, so pipeline state is only
 * touched there.
 */
public final class TaskThread {

    private final ExecutorService executor;

    public TaskThread(String name) {
        this(name, null);
    }

    /** A thread whose context class loader is {@code loader} (the task's plugin's), or the creator's when null. */
    public TaskThread(String name, ClassLoader loader) {
        this(name, loader, null);
    }

    /** ... and whose log lines carry {@code logContext} ({@link LogContext}, MDC), when not null. */
    public TaskThread(String name, ClassLoader loader, String logContext) {
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(LogContext.withMdc(logContext, r), name);
            t.setDaemon(true);
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
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return Future.failedFuture(new IllegalStateException("task thread already shut down"));
        }
        return promise.future();
    }

    /** Completes on the context; a call that ends after Vert.x closed (an abandoned plugin) has nobody left to tell. */
    private static void hop(Context context, Runnable completion) {
        try {
            context.runOnContext(v -> completion.run());
        } catch (java.util.concurrent.RejectedExecutionException closed) {
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
