package io.connectreactive.runtime.exec;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

/**
 * The named threads ({@code cr-plugin-<n>}) where plugin code runs that belongs to no task or
 * connector thread: validation, config definitions, config providers, task class loading,
 * {@code alterOffsets}, a classic source task's {@code stop()} (called while its own thread may be
 * in {@code poll()}). Kept apart from Vert.x's shared worker pool, so a plugin that blocks there
 * cannot starve the worker's own blocking work (file stores, client set-up). Results complete on the
 * caller's context. Thread-safe.
 */
public final class PluginExecutor {

    /** Threads for plugin calls; a hung plugin holds one until it returns. */
    public static final int THREADS = 4;

    private final WorkerExecutor executor;

    public PluginExecutor(Vertx vertx) {
        // no blocked-thread warnings: plugin calls may legitimately take long (a connector validating against its system)
        this.executor = vertx.createSharedWorkerExecutor("cr-plugin", THREADS, Long.MAX_VALUE / 2, TimeUnit.NANOSECONDS);
    }

    /** Runs {@code call} on a plugin thread; not ordered with other calls. Never throws. */
    public <T> Future<T> call(Callable<T> call) {
        return executor.executeBlocking(call, false);
    }

    public Future<Void> close() {
        return executor.close();
    }
}
