package io.connectreactive.herder;

import java.util.HashMap;
import java.util.Map;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.model.TaskId;

/**
 * The automatic-restart policy of failed tasks ({@code runtime.task.restart.*}, our extension; off
 * by default): the n-th restart in a row waits {@code initial.backoff.ms * 2^(n-1)}, at most
 * {@code max.backoff.ms}, and after {@code max.attempts} the task stays FAILED. A task that fails
 * more than {@code max.backoff.ms} after its last automatic restart counts afresh. Used only on
 * the herder's context.
 */
final class TaskRestarts {

    private final boolean enabled;
    private final long initialMs;
    private final long maxMs;
    private final int maxAttempts;
    private final Map<TaskId, long[]> history = new HashMap<>();

    TaskRestarts(WorkerConfig config) {
        this.enabled = config.getBoolean(WorkerConfig.TASK_RESTART_ENABLE);
        this.initialMs = config.getLong(WorkerConfig.TASK_RESTART_INITIAL_BACKOFF_MS);
        this.maxMs = config.getLong(WorkerConfig.TASK_RESTART_MAX_BACKOFF_MS);
        this.maxAttempts = config.getInt(WorkerConfig.TASK_RESTART_MAX_ATTEMPTS);
    }

    /** The wait before restarting {@code id}, which just failed, or -1 to leave it FAILED. */
    long nextDelay(TaskId id) {
        if (!enabled) {
            return -1;
        }
        long now = System.currentTimeMillis();
        long[] h = history.computeIfAbsent(id, k -> new long[]{0, 0}); // attempts, last restart time
        if (h[0] > 0 && now - h[1] > maxMs + initialMs) {
            h[0] = 0;
        }
        if (maxAttempts >= 0 && h[0] >= maxAttempts) {
            return -1;
        }
        long delay = Math.min(maxMs, initialMs << Math.min(h[0], 30));
        h[0]++;
        h[1] = now + delay;
        return delay;
    }

    /** Restarts of {@code id} so far in a row. */
    long attempts(TaskId id) {
        long[] h = history.get(id);
        return h == null ? 0 : h[0];
    }
}
