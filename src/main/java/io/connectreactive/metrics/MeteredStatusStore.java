package io.connectreactive.metrics;

import java.util.List;
import java.util.Set;

import io.connectreactive.model.TaskId;
import io.connectreactive.storage.StatusStore;
import io.vertx.core.Future;

/**
 * A {@link StatusStore} that tells {@link ConnectMetrics} every state reported (connector and task
 * status, running and pause ratios, startup outcomes, KIP-846 task counts per connector) and every
 * connector or task forgotten, so those meters appear and go with the statuses. Wired by
 * {@code ConnectWorker} around the real store; as thread-safe as the store it wraps.
 */
public final class MeteredStatusStore implements StatusStore {

    private final StatusStore delegate;
    private final ConnectMetrics metrics;

    public MeteredStatusStore(StatusStore delegate, ConnectMetrics metrics) {
        this.delegate = delegate;
        this.metrics = metrics;
    }

    @Override
    public Future<Void> start() {
        return delegate.start();
    }

    @Override
    public Future<Void> stop() {
        return delegate.stop();
    }

    @Override
    public void putConnector(String connector, Status status) {
        delegate.putConnector(connector, status);
        metrics.connectorState(connector, status.state());
    }

    @Override
    public void putTask(TaskId task, Status status) {
        delegate.putTask(task, status);
        metrics.taskState(task, status.state());
    }

    @Override
    public Status connector(String connector) {
        return delegate.connector(connector);
    }

    @Override
    public Status task(TaskId task) {
        return delegate.task(task);
    }

    @Override
    public List<TaskStatus> tasks(String connector) {
        return delegate.tasks(connector);
    }

    @Override
    public void remove(String connector) {
        delegate.remove(connector);
        metrics.forgetConnector(connector);
    }

    @Override
    public Set<String> activeTopics(String connector) {
        return delegate.activeTopics(connector);
    }

    @Override
    public void resetActiveTopics(String connector) {
        delegate.resetActiveTopics(connector);
    }

    @Override
    public void removeTasksFrom(String connector, int fromTask) {
        delegate.removeTasksFrom(connector, fromTask);
        metrics.forgetTasksFrom(connector, fromTask);
    }
}
