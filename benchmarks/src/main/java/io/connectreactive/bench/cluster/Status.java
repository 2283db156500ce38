package io.connectreactive.bench.cluster;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A snapshot of the cluster's statuses as one worker's REST API reports them: for every connector
 * and task its state and {@code worker_id}. Parsed from {@code GET /connectors?expand=status} or
 * one {@code GET /connectors/<name>/status}. Immutable.
 *
 * @param connectors connector name → its state and worker
 * @param tasks      {@code <connector>-<n>} → its state and worker
 */
record Status(Map<String, Placed> connectors, Map<String, Placed> tasks) {

    /** A state and the worker that reported it. */
    record Placed(String state, String worker) {
    }

    static Status ofExpanded(JsonObject expanded) {
        Map<String, Placed> connectors = new HashMap<>();
        Map<String, Placed> tasks = new HashMap<>();
        for (String name : expanded.fieldNames()) {
            add(expanded.getJsonObject(name).getJsonObject("status"), connectors, tasks);
        }
        return new Status(connectors, tasks);
    }

    static Status ofOne(JsonObject status) {
        Map<String, Placed> connectors = new HashMap<>();
        Map<String, Placed> tasks = new HashMap<>();
        add(status, connectors, tasks);
        return new Status(connectors, tasks);
    }

    private static void add(JsonObject status, Map<String, Placed> connectors, Map<String, Placed> tasks) {
        if (status == null) {
            return;
        }
        String name = status.getString("name");
        JsonObject c = status.getJsonObject("connector");
        if (c != null) {
            connectors.put(name, new Placed(c.getString("state"), c.getString("worker_id")));
        }
        JsonArray ts = status.getJsonArray("tasks", new JsonArray());
        for (int i = 0; i < ts.size(); i++) {
            JsonObject t = ts.getJsonObject(i);
            tasks.put(name + "-" + t.getInteger("id"), new Placed(t.getString("state"), t.getString("worker_id")));
        }
    }

    /** Whether exactly {@code count} tasks exist and every one is RUNNING on one of {@code workers}. */
    boolean allTasksRunningOn(int count, Set<String> workers) {
        return tasks.size() == count && tasks.values().stream()
                .allMatch(p -> "RUNNING".equals(p.state()) && workers.contains(p.worker()));
    }

    /** Whether exactly {@code count} connectors exist and every one is RUNNING on one of {@code workers}. */
    boolean allConnectorsRunningOn(int count, Set<String> workers) {
        return connectors.size() == count && connectors.values().stream()
                .allMatch(p -> "RUNNING".equals(p.state()) && workers.contains(p.worker()));
    }

    /** Tasks per worker. */
    Map<String, Integer> tasksPerWorker() {
        Map<String, Integer> m = new HashMap<>();
        tasks.values().forEach(p -> m.merge(p.worker(), 1, Integer::sum));
        return m;
    }

    /** Whether each of {@code workers} runs tasks and the counts differ by at most one. */
    boolean balancedOver(Set<String> workers) {
        Map<String, Integer> per = tasksPerWorker();
        if (!per.keySet().equals(workers)) {
            return false;
        }
        int min = per.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        int max = per.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        return max - min <= 1;
    }

    /** How many tasks run on another worker than in {@code before}. */
    int tasksMovedSince(Status before) {
        return (int) tasks.entrySet().stream()
                .filter(e -> before.tasks.containsKey(e.getKey())
                        && !before.tasks.get(e.getKey()).worker().equals(e.getValue().worker()))
                .count();
    }

    /** How many connectors run on another worker than in {@code before}. */
    int connectorsMovedSince(Status before) {
        return (int) connectors.entrySet().stream()
                .filter(e -> before.connectors.containsKey(e.getKey())
                        && !before.connectors.get(e.getKey()).worker().equals(e.getValue().worker()))
                .count();
    }
}
