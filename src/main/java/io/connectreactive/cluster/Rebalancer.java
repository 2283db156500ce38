package io.connectreactive.cluster;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.connectreactive.metrics.ConnectMetrics;
import io.connectreactive.model.TargetState;
import io.connectreactive.runtime.TaskServices;
import io.connectreactive.storage.ConfigStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who this worker is in its cluster and what the cluster assigns to it: the membership reactions and
 * the assignment. It keeps this worker's member id ({@link #self}, new after Hazelcast merged it into
 * another cluster) and the {@link Assignment} in force here. As leader (the oldest member) it computes a
 * new one ({@link Assignor}: balanced and sticky) on every join, leave and config change while the members
 * present are a majority of the view ({@link Fencing#majorityPresent}), numbers it above every generation
 * seen, and publishes it; every worker adopts the ones published ({@link #assigned}), hands each to
 * {@link Fencing} as the next view and asks the herder to reconcile everything ({@link Host#reconcileAll}).
 * It counts the rebalances (Kafka Connect's rebalance metrics) once what they asked of this worker is done.
 *
 * <p>Threads: everything runs on the herder's context; Hazelcast's listeners hop there ({@link #join}).
 */
final class Rebalancer {

    private static final Logger LOG = LoggerFactory.getLogger(Rebalancer.class);

    /** What the herder lends the rebalancer. Called on the herder's context. */
    interface Host {
        /** Whether the worker is stopping: no more assignments then. */
        boolean stopping();

        /** Brings what runs here of every connector in line with the configs and the assignment; completes when done. */
        Future<Void> reconcileAll();
    }

    private final Context context;
    private final Membership membership;
    private final ConfigStore configs;
    private final Fencing fencing;
    private final AtomicInteger generation;
    private final String workerId;
    private final Host host;
    private final ConnectMetrics.Rebalances rebalances;
    private String self;
    private Assignment assignment = Assignment.EMPTY;
    private volatile int rebalancing;
    private volatile long lastRebalanceMs = -1;

    /**
     * @param context the herder's context
     * @param generation where the current assignment's generation is published for the status store
     */
    Rebalancer(Context context, Membership membership, ConfigStore configs, Fencing fencing, AtomicInteger generation,
               TaskServices services, Host host) {
        this.context = context;
        this.membership = membership;
        this.configs = configs;
        this.fencing = fencing;
        this.generation = generation;
        this.workerId = services.workerId();
        this.host = host;
        this.rebalances = services.metrics().rebalances(generation::get, () -> rebalancing,
                () -> lastRebalanceMs < 0 ? -1 : System.currentTimeMillis() - lastRebalanceMs);
    }

    /** This worker's member id now; null before it joined. */
    String self() {
        return self;
    }

    /** The assignment in force here. */
    Assignment current() {
        return assignment;
    }

    /**
     * Learns this worker's member id and registers the membership reactions (on a worker thread: Hazelcast's
     * registrations block); completes with the assignment in force in the cluster.
     */
    Future<Assignment> join() {
        return context.executeBlocking(() -> {
            self = membership.self();
            membership.onAssignment(a -> context.runOnContext(x -> assigned(a)));
            membership.onChange(() -> context.runOnContext(x -> membersChanged()),
                    () -> context.runOnContext(x -> clusterLost()));
            membership.onLeaving((id, workerId) -> context.runOnContext(x -> fencing.memberLeaving(id, workerId)));
            membership.onDead((id, workerId) -> context.runOnContext(x -> {
                if (fencing.memberDead(id, workerId)) {
                    rebalance();
                }
            }));
            return membership.assignment();
        });
    }

    private void membersChanged() {
        String now = membership.self();
        if (self != null && !self.equals(now)) {
            LOG.info("Worker {} is member {} now (was {}): Hazelcast merged it into another cluster", workerId, now, self);
            self = now;
            fencing.adoptView(assignment, self);
            // the merged cluster's leader may have published its assignment before this member's listener was
            // registered there: read the one in force
            context.executeBlocking(membership::assignment).onSuccess(current -> context.runOnContext(x -> assigned(current)));
        }
        LOG.info("Cluster membership changed: {} members, leader {}", membership.workers().size(), membership.leader().workerId());
        rebalance();
    }

    /** This worker is being merged into another cluster after a split: whatever it runs may run elsewhere now. */
    private void clusterLost() {
        LOG.warn("Worker {} lost its cluster; stopping its connectors and tasks until it has rejoined", workerId);
        // generation 0: whatever the cluster it is merged into assigns next applies, even if numbered lower
        assigned(new Assignment(0, null, Map.of(), Map.of()), true);
    }

    /**
     * The leader computes a new assignment; followers do nothing. Either way the config store learns whether
     * this worker leads (it writes the config topic as the leader, {@link ConfigStore#leader}).
     */
    void rebalance() {
        if (host.stopping() || self == null || fencing.isFenced() || !membership.isLeader()) {
            configs.leader(false);
            return;
        }
        List<String> members = membership.workers().stream().map(Membership.Worker::id).toList();
        if (!fencing.majorityPresent()) {
            configs.leader(false);
            return; // no new view without a majority of the last one
        }
        configs.leader(true);
        Map<String, Integer> taskCounts = new HashMap<>();
        configs.connectors().forEach((name, e) ->
                taskCounts.put(name, e.targetState() == TargetState.STOPPED ? 0 : e.taskConfigs().size()));
        Assignment computed = Assignor.assign(assignment, members, taskCounts, self);
        // numbered above every generation this worker saw, so no member takes it for an old one
        long numbered = computed.generation() > generation.get() ? computed.generation() : generation.get() + 1L;
        Assignment next = new Assignment(numbered, self, computed.connectors(), computed.tasks(),
                membership.workers().stream().map(Membership.Worker::workerId).toList());
        if (next.sameAs(assignment) && self.equals(assignment.leader())) {
            return;
        }
        LOG.info("Leader assigns generation {}: {} connectors and {} tasks on {} workers", next.generation(),
                next.connectors().size(), next.tasks().size(), members.size());
        assignment = next;
        fencing.adoptView(next, self);
        generation.set((int) next.generation());
        membership.publish(next)
                .onFailure(err -> LOG.warn("Could not publish assignment {}: {}", next.generation(), err.toString()))
                .onSuccess(v -> applied(host.reconcileAll()));
    }

    /** An assignment published by the leader (this worker's too): adopted unless older than the one in force. */
    void assigned(Assignment next) {
        assigned(next, false);
    }

    private void assigned(Assignment next, boolean force) {
        if (!force && next.generation() <= assignment.generation() && !next.sameAs(assignment)) {
            return;
        }
        assignment = next;
        generation.set((int) Math.max(generation.get(), next.generation()));
        fencing.adoptView(next, self);
        applied(host.reconcileAll());
    }

    /** Counts a rebalance once what an assignment asked of this worker is done. */
    void applied(Future<Void> reconciled) {
        long start = System.nanoTime();
        rebalancing++;
        reconciled.onComplete(ar -> {
            rebalancing--;
            lastRebalanceMs = System.currentTimeMillis();
            rebalances.completed().increment();
            rebalances.time().record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        });
    }
}
