package io.connectreactive.runtime.exec;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Context;
import io.vertx.core.Future;

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
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            if (loader != null) {
                t.setContextClassLoader(loader);
            }
            return t;
        });
    }

    /** Runs {@code call} on this thread; the future completes on {@code context}. Never throws. */
    public <T> Future<T> call(Context context, Callable<T> call) {
        CompletableFuture<T> cf = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    cf.complete(call.call());
                } catch (Throwable t) {
                    cf.completeExceptionally(t);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            cf.completeExceptionally(new IllegalStateException("task thread already shut down"));
        }
        return Future.fromCompletionStage(cf, context);
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
