package io.connectreactive.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.connectreactive.model.TaskId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Who runs what in a cluster, as the leader decided it: each connector and each task to one member
 * (a Hazelcast member UUID). The generation grows by one with every new assignment; statuses are
 * written with it, so a report from an older assignment never overwrites a newer one.
 *
 * @param generation the assignment's number, from 1
 * @param leader the member that computed it
 * @param connectors connector name → member
 * @param tasks task → member
 * @param members the worker ids of the members the leader assigned to, oldest first: the view every
 *                worker fences itself by ({@link Quorum}); empty when not known
 */
public record Assignment(long generation, String leader, Map<String, String> connectors, Map<TaskId, String> tasks,
                         List<String> members) {

    /** No assignment yet. */
    public static final Assignment EMPTY = new Assignment(0, null, Map.of(), Map.of());

    public Assignment {
        connectors = Map.copyOf(connectors);
        tasks = Map.copyOf(tasks);
        members = List.copyOf(members);
    }

    public Assignment(long generation, String leader, Map<String, String> connectors, Map<TaskId, String> tasks) {
        this(generation, leader, connectors, tasks, List.of());
    }

    public String connectorOwner(String connector) {
        return connectors.get(connector);
    }

    public String taskOwner(TaskId task) {
        return tasks.get(task);
    }

    /** Same connectors and tasks on the same members, among the same members (generation and leader aside). */
    public boolean sameAs(Assignment other) {
        return connectors.equals(other.connectors) && tasks.equals(other.tasks) && members.equals(other.members);
    }

    /** As stored in the cluster's map: tasks keyed {@code <connector>-<task>}, as Kafka Connect prints them. */
    public String toJson() {
        JsonObject t = new JsonObject();
        new TreeMap<>(tasks.entrySet().stream().collect(Collectors.toMap(
                e -> e.getKey().toString(), Map.Entry::getValue))).forEach(t::put);
        return new JsonObject().put("generation", generation).put("leader", leader)
                .put("connectors", new JsonObject(new TreeMap<>(connectors))).put("tasks", t).put("members", new JsonArray(members)).encode();
    }

    public static Assignment fromJson(String json) {
        JsonObject o = new JsonObject(json);
        Map<String, String> connectors = new TreeMap<>();
        o.getJsonObject("connectors").forEach(e -> connectors.put(e.getKey(), (String) e.getValue()));
        Map<TaskId, String> tasks = new HashMap<>();
        o.getJsonObject("tasks").forEach(e -> {
            int sep = e.getKey().lastIndexOf('-');
            tasks.put(new TaskId(e.getKey().substring(0, sep), Integer.parseInt(e.getKey().substring(sep + 1))), (String) e.getValue());
        });
        List<String> members = new ArrayList<>();
        o.getJsonArray("members", new JsonArray()).forEach(m -> members.add((String) m));
        return new Assignment(o.getLong("generation"), o.getString("leader"), connectors, tasks, members);
    }
}
