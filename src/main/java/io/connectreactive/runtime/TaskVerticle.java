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
}
