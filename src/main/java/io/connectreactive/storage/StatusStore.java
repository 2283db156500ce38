package io.connectreactive.storage;

import java.util.List;
import java.util.Set;

import io.connectreactive.model.State;
import io.connectreactive.model.TaskId;
import io.vertx.core.Future;

/**
 * The last reported state of every connector and task. Standalone keeps it in memory (as Kafka
 * Connect's standalone worker does); a clustered backend will use the status topic. Thread-safe.
 */
public interface StatusStore {

    /** Loads the stored statuses (a shared backend reads its topic to the end). */
    default Future<Void> start() {
        return Future.succeededFuture();
    }

    /** Completes once written statuses are durable. */
    default Future<Void> stop() {
        return Future.succeededFuture();
    }

    void putConnector(String connector, Status status);

    void putTask(TaskId task, Status status);

    Status connector(String connector);

    Status task(TaskId task);

    /** The statuses of the tasks of {@code connector}, ordered by task number. */
    List<TaskStatus> tasks(String connector);

    /** Forgets the connector, its tasks and its active topics. */
    void remove(String connector);

    /**
     * The topics the connector's tasks used since it was created or its topics were last reset
     * (KIP-558): a live, thread-safe set that tasks add to, created on first use. A reset empties
     * this same set, so tasks holding it keep recording into it.
     */
    Set<String> activeTopics(String connector);

    /** Empties the connector's set of active topics. */
    void resetActiveTopics(String connector);

    /** Forgets task statuses of {@code connector} numbered {@code fromTask} and above. */
    void removeTasksFrom(String connector, int fromTask);

    /**
     * A reported state.
     *
     * @param trace the failure's stack trace when FAILED, else null
     * @param workerId the reporting worker's advertised host:port
     */
    record Status(State state, String trace, String workerId) {
    }

    /** A task and its status. */
    record TaskStatus(TaskId id, Status status) {
    }
}
