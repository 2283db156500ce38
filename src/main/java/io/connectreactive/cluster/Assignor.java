package io.connectreactive.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.model.TaskId;

/**
 * The leader's assignment: balanced (the numbers of connectors, and of tasks, on any two members
 * differ by at most one) and sticky (a connector or task whose member is still in the cluster stays
 * there unless its member has more than its fair share). Connectors and tasks are balanced separately,
 * as in Kafka Connect's incremental cooperative assignor; moving only the surplus keeps healthy tasks
 * running through joins and leaves. Deterministic for the same inputs. Pure: no I/O.
 */
public final class Assignor {

    private Assignor() {
    }

    /**
     * @param previous the assignment in force
     * @param members the cluster's members, oldest first
     * @param taskCounts every connector that must run (not STOPPED) → its number of tasks
     * @param leader the member computing this assignment
     */
    public static Assignment assign(Assignment previous, List<String> members, Map<String, Integer> taskCounts, String leader) {
        if (members.isEmpty()) {
            return new Assignment(previous.generation() + 1, leader, Map.of(), Map.of());
        }
        List<String> connectors = taskCounts.keySet().stream().sorted().toList();
        List<TaskId> tasks = new ArrayList<>();
        for (String c : connectors) {
            for (int i = 0; i < taskCounts.get(c); i++) {
                tasks.add(new TaskId(c, i));
            }
        }
        tasks.sort(Comparator.comparing(TaskId::connector).thenComparingInt(TaskId::task));
        Map<String, String> c = balance(connectors, previous.connectors(), members);
        Map<TaskId, String> t = balance(tasks, previous.tasks(), members);
        return new Assignment(previous.generation() + 1, leader, c, t);
    }

    /** Keeps what may stay, takes the surplus from members above their share, gives the rest to the least loaded. */
    static <U> Map<U, String> balance(List<U> units, Map<U, String> previous, List<String> members) {
        Map<String, List<U>> kept = new LinkedHashMap<>();
        members.forEach(m -> kept.put(m, new ArrayList<>()));
        List<U> free = new ArrayList<>();
        for (U u : units) {
            String owner = previous.get(u);
            if (owner != null && kept.containsKey(owner)) {
                kept.get(owner).add(u);
            } else {
                free.add(u);
            }
        }
        int floor = units.size() / members.size();
        int extra = units.size() % members.size();
        // the members already holding the most keep one more than the floor, as long as there are extras
        List<String> byLoad = new ArrayList<>(members);
        byLoad.sort(Comparator.comparingInt((String m) -> kept.get(m).size()).reversed());
        Map<String, Integer> share = new HashMap<>();
        for (int i = 0; i < byLoad.size(); i++) {
            share.put(byLoad.get(i), floor + (i < extra ? 1 : 0));
        }
        for (String m : members) {
            List<U> mine = kept.get(m);
            while (mine.size() > share.get(m)) {
                free.add(mine.remove(mine.size() - 1));
            }
        }
        Map<U, String> out = new HashMap<>();
        kept.forEach((m, us) -> us.forEach(u -> out.put(u, m)));
        for (U u : free) {
            String target = null;
            for (String m : members) {
                if (kept.get(m).size() < share.get(m) && (target == null || kept.get(m).size() < kept.get(target).size())) {
                    target = m;
                }
            }
            kept.get(target).add(u);
            out.put(u, target);
        }
        return out;
    }
}
