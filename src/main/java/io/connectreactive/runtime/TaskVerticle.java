package io.connectreactive.runtime;

/**
 * A deployed task (source or sink). The worker pauses and resumes it through these methods, which
 * hop onto the task's own context.
 */
public interface TaskVerticle {

    TaskId id();

    /** The task plugin's {@code version()}, once the task was instantiated; else null. */
    default String version() {
        return null;
    }

    /** Stops reading records until {@link #resumeTask()}; the task reports PAUSED. */
    void pauseTask();

    /** Reads records again; the task reports RUNNING. */
    void resumeTask();

    /**
     * Called by the worker, from any thread, when the task did not stop in time and is abandoned
     * (Kafka Connect's {@code WorkerTask.cancel()}): from then on its records are no longer sent or
     * handed to the task, and its offsets are no longer committed.
     */
    default void cancel() {
    }
}
