package io.connectreactive.cluster;

import java.util.List;
import java.util.Set;

/**
 * The rule a worker fences itself by: it may run connectors and tasks only while it reaches a majority
 * of its last stable view (the members of the last assignment it applied, less those that left
 * cleanly). For an exact half, the half holding the view's oldest member wins, so two halves of an even
 * cluster never both run. Pure; called on the herder's context.
 */
final class Quorum {

    private Quorum() {
    }

    /**
     * @param view the members of the last stable view, oldest first; empty before the first assignment
     * @param reachable the members this worker reaches now, itself included
     * @return whether this worker may run what is assigned to it
     */
    static boolean holds(List<String> view, Set<String> reachable) {
        if (view.isEmpty()) {
            return true;
        }
        long live = view.stream().filter(reachable::contains).count();
        return 2 * live > view.size() || 2 * live == view.size() && reachable.contains(view.get(0));
    }
}
