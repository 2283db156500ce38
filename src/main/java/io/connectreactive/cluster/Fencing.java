package io.connectreactive.cluster;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a clustered worker may run what is assigned to it, and when it must stop: its fencing. It
 * keeps the worker ids of the members of the last assignment the herder applied (its view, less the
 * members that announced an orderly leave or whose cluster address refuses connections) and asks each
 * of them over Hazelcast every {@value #CHECK_MS} ms to answer. When those that answered within
 * {@code runtime.cluster.fence.timeout.ms} are no majority of the view ({@link Quorum}), it tells the
 * herder {@link Listener#fenced}: the herder stops everything it runs, each task within
 * {@link io.connectreactive.config.WorkerConfig#fenceStopMs()}, which is before the others remove this
 * worker (after {@code runtime.cluster.failure.timeout.seconds}) and run its tasks. It tells the herder
 * {@link Listener#unfenced} when the worker reaches a majority of its view again; a leader's assignment
 * that includes it (after Hazelcast merged it back) gives it a new view that it reaches. A leader assigns,
 * and so makes a new view, only while the members it sees are a majority of its view
 * ({@link #majorityPresent}).
 *
 * <p>Threads: the herder calls it on its context, where the periodic check runs too ({@link #start} sets
 * it there) and whence both listener calls come. The pings are sent by {@link Membership#ping} on its
 * own worker thread, never on the check's event loop; while the last check's pings are still being sent
 * (Hazelcast slow to take them), a check sends none, so at most one round waits there. A ping's answer
 * arrives on a Hazelcast thread and only records when it came (the one map written there is concurrent).
 * {@link #fenced()} may be read from any thread (by {@code /health}).
 */
final class Fencing {

    private static final Logger LOG = LoggerFactory.getLogger(Fencing.class);
    /** How often a worker asks the members of its view to answer, and checks its quorum. */
    static final long CHECK_MS = 250;

    /** What the herder does when its worker is fenced or unfenced. Called on the herder's context. */
    interface Listener {
        /**
         * The worker no longer reaches a majority of its view: stop everything at once and start nothing
         * until {@link #unfenced}. {@code reason} is what {@link Fencing#fenced()} says from now on.
         */
        void fenced(String reason);

        /** The worker reaches a majority of its view again: what is assigned to it may run again. */
        void unfenced();
    }

    private final Vertx vertx;
    private final Membership membership;
    private final String workerId;
    private final long fenceTimeoutMs;
    private final Listener listener;
    /**
     * The worker ids of the members of the last assignment applied here, oldest first: what this worker
     * needs a majority of. Worker ids, not member ids: a worker restarted with the same REST address counts.
     */
    private List<String> view = List.of();
    /** Worker id → member id of the members of the view that announced an orderly leave. */
    private final Map<String, String> leaving = new HashMap<>();
    /** Worker id → when it last answered (System.nanoTime, taken as the answer arrives), or when it entered the view. */
    private final Map<String, Long> answeredAt = new ConcurrentHashMap<>();
    /** When the last quorum check ran (System.nanoTime), to tell a pause of this worker from silence of the others. */
    private long lastCheck;
    /** Why this worker is fenced; null while it is not. Written on the herder's context, read by /health. */
    private volatile String fenced;
    private long checks = -1;
    private boolean stopped;
    /** The pings of the last check not yet handed to Hazelcast. */
    private int sending;

    /**
     * @param workerId this worker's id (its REST address), as the view holds it
     * @param fenceTimeoutMs {@code runtime.cluster.fence.timeout.ms}: how long a member of the view may not
     *        answer and still count as reached
     */
    Fencing(Vertx vertx, Membership membership, String workerId, long fenceTimeoutMs, Listener listener) {
        this.vertx = vertx;
        this.membership = membership;
        this.workerId = workerId;
        this.fenceTimeoutMs = fenceTimeoutMs;
        this.listener = listener;
    }

    /** Starts the periodic check, on the caller's context (the herder's), once the worker is a member. */
    void start() {
        checks = vertx.setPeriodic(CHECK_MS, t -> check());
    }

    /** Stops the periodic check: the worker is stopping. */
    void stop() {
        stopped = true;
        if (checks >= 0) {
            vertx.cancelTimer(checks);
        }
    }

    /** Why this worker is fenced, or null while it is not. Any thread. */
    String fenced() {
        return fenced;
    }

    boolean isFenced() {
        return fenced != null;
    }

    /**
     * Asks every other member of the view to answer, then fences or unfences this worker by
     * {@link Quorum}: a member counts when it is still in Hazelcast's member list and answered within
     * the fence timeout.
     */
    private void check() {
        if (stopped) {
            return;
        }
        Map<String, String> present = present();
        long now = System.nanoTime();
        // this check ran late: this worker itself was paused (a long GC, a starved machine), and answers that
        // arrived meanwhile may not be counted yet; decide at the next check
        boolean paused = lastCheck != 0 && now - lastCheck > (CHECK_MS + 750) * 1_000_000;
        lastCheck = now;
        Set<String> reachable = new HashSet<>();
        reachable.add(workerId);
        List<String> counted = counted(present);
        boolean ping = sending == 0;
        for (String w : counted) {
            String id = present.get(w);
            if (w.equals(workerId) || id == null) {
                continue;
            }
            if (ping) {
                sending++;
                membership.ping(id, () -> answeredAt.put(w, System.nanoTime())).onComplete(ar -> sending--);
            }
            if (now - answeredAt.getOrDefault(w, 0L) <= fenceTimeoutMs * 1_000_000) {
                reachable.add(w);
            }
        }
        boolean holds = Quorum.holds(counted, reachable);
        if (!holds && fenced == null && !paused) {
            fenced = "it reaches " + counted.stream().filter(reachable::contains).count() + " of the " + counted.size()
                    + " workers of its cluster's last assignment";
            listener.fenced(fenced);
        } else if (holds && fenced != null) {
            LOG.info("Worker {} reaches a majority of its cluster again; no longer fenced", workerId);
            fenced = null;
            listener.unfenced();
        }
    }

    /**
     * Whether the members present now are a majority of the view (less those that left): a leader makes
     * a new view only then. Without one (a killed worker, too, may have been cut off instead) the next
     * check fences this worker.
     */
    boolean majorityPresent() {
        Map<String, String> present = present();
        return Quorum.holds(counted(present), present.keySet());
    }

    /** The members now, worker id → member id. */
    private Map<String, String> present() {
        Map<String, String> present = new HashMap<>();
        membership.workers().forEach(m -> present.put(m.workerId(), m.id()));
        return present;
    }

    /** The view less the workers that announced an orderly leave (unless present again as a new member: restarted). */
    private List<String> counted(Map<String, String> present) {
        return view.stream().filter(w -> {
            String left = leaving.get(w);
            return left == null || present.containsKey(w) && !present.get(w).equals(left);
        }).toList();
    }

    /** A member announced an orderly leave: it is not lost, the view shrinks without it. */
    void memberLeaving(String id, String leavingWorkerId) {
        if (!id.equals(leaving.put(leavingWorkerId, id)) && view.contains(leavingWorkerId)) {
            LOG.info("Worker {} leaves the cluster in an orderly way", leavingWorkerId);
        }
    }

    /**
     * A removed member's address refuses connections: its process is gone, not cut off, so like an orderly
     * leave it no longer counts in the view, and the leader is to reassign its work (in a two-worker cluster,
     * the survivor of a killed leader takes over instead of fencing).
     *
     * @return whether the view shrank, so that the leader reassigns
     */
    boolean memberDead(String id, String deadWorkerId) {
        if (deadWorkerId == null || !view.contains(deadWorkerId) || id.equals(leaving.get(deadWorkerId))) {
            return false;
        }
        leaving.put(deadWorkerId, id);
        LOG.info("Worker {} is gone (its cluster address refuses connections): not counted as cut off", deadWorkerId);
        return true;
    }

    /**
     * The members of an applied assignment become the view. A fenced worker takes only a view that
     * includes it from another leader: a cluster that holds it again after a merge.
     *
     * @param self this worker's member id now, null before it joined
     */
    void adoptView(Assignment a, String self) {
        if (a.members().isEmpty() || self == null
                || fenced != null && (!a.members().contains(workerId) || self.equals(a.leader()))) {
            return;
        }
        view = a.members();
        long now = System.nanoTime();
        answeredAt.keySet().retainAll(view);
        view.forEach(w -> answeredAt.putIfAbsent(w, now));
        leaving.keySet().retainAll(view);
    }
}
