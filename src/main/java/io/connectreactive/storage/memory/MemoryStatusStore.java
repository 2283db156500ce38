package io.connectreactive.storage.memory;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.connectreactive.model.TaskId;
import io.connectreactive.storage.StatusStore;

/** Statuses in memory, as a standalone worker keeps them. Thread-safe. */
public final class MemoryStatusStore implements StatusStore {

    private final ConcurrentHashMap<String, Status> connectors = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<TaskId, Status> tasks = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<String>> topics = new ConcurrentHashMap<>();

    @Override
    public void putConnector(String connector, Status status) {
        connectors.put(connector, status);
    }

    @Override
    public void putTask(TaskId task, Status status) {
        tasks.put(task, status);
    }

    @Override
    public Status connector(String connector) {
        return connectors.get(connector);
    }

    @Override
    public Status task(TaskId task) {
        return tasks.get(task);
    }

    @Override
    public List<TaskStatus> tasks(String connector) {
        return tasks.entrySet().stream()
                .filter(e -> e.getKey().connector().equals(connector))
                .map(e -> new TaskStatus(e.getKey(), e.getValue()))
                .sorted(Comparator.comparingInt(t -> t.id().task()))
                .toList();
    }

    @Override
    public void remove(String connector) {
        connectors.remove(connector);
        tasks.keySet().removeIf(id -> id.connector().equals(connector));
        topics.remove(connector);
    }

    @Override
    public Set<String> activeTopics(String connector) {
        return topics.computeIfAbsent(connector, c -> ConcurrentHashMap.newKeySet());
    }

    @Override
    public void resetActiveTopics(String connector) {
        Set<String> set = topics.get(connector);
        if (set != null) {
            set.clear();
        }
    }

    @Override
    public void removeTasksFrom(String connector, int fromTask) {
        tasks.keySet().removeIf(id -> id.connector().equals(connector) && id.task() >= fromTask);
    }
}
