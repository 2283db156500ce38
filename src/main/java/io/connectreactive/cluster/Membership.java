package io.connectreactive.cluster;

import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.connectreactive.config.WorkerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * The cluster as Hazelcast sees it: its members (oldest first; the oldest leads), each member's worker
 * id and REST URL, and the one shared value the cluster keeps in Hazelcast, the current
 * {@link Assignment}. Everything durable lives in Kafka's topics, not here.
 *
 * <p>Listeners are called on Hazelcast's threads: callers hop to their own context.
 */
public final class Membership {

    static final String WORKER_ID = "connect-reactive.worker.id";
    static final String REST_URL = "connect-reactive.rest.url";
    private static final String ASSIGNMENT = "assignment";

    private final HazelcastInstance hazelcast;
    private final IMap<String, String> shared;

    /** A member of the cluster. */
    public record Worker(String id, String workerId, String restUrl) {
    }

    public Membership(HazelcastClusterManager manager, String groupId) {
        this.hazelcast = manager.getHazelcastInstance();
        this.shared = hazelcast.getMap("connect-reactive-" + groupId);
    }

    /**
     * Hazelcast's configuration for a worker: cluster name = {@code group.id}, TCP-IP join with the
     * configured members only (no multicast, no auto-detection, no phone-home), failure detection in
     * seconds, and this worker's id and REST URL as member attributes.
     */
    public static HazelcastClusterManager clusterManager(WorkerConfig config, String groupId, String workerId, String restUrl) {
        Config hz = ConfigUtil.loadConfig();
        hz.setClusterName(groupId);
        hz.setProperty("hazelcast.logging.type", "slf4j");
        hz.setProperty("hazelcast.phone.home.enabled", "false");
        hz.setProperty("hazelcast.wait.seconds.before.join", "0");
        hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        hz.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(config.getInt(WorkerConfig.CLUSTER_FAILURE_TIMEOUT_S)));
        hz.setProperty("hazelcast.shutdownhook.enabled", "false");
        NetworkConfig net = hz.getNetworkConfig();
        String host = config.getString(WorkerConfig.CLUSTER_HOST);
        net.setPort(config.getInt(WorkerConfig.CLUSTER_PORT)).setPortAutoIncrement(true);
        net.setPublicAddress(host);
        net.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(config.getList(WorkerConfig.CLUSTER_MEMBERS));
        hz.getMemberAttributeConfig().setAttribute(WORKER_ID, workerId);
        hz.getMemberAttributeConfig().setAttribute(REST_URL, restUrl);
        return new HazelcastClusterManager(hz);
    }

    public String self() {
        return hazelcast.getCluster().getLocalMember().getUuid().toString();
    }

    /** The members, oldest first. */
    public List<Worker> workers() {
        return hazelcast.getCluster().getMembers().stream()
                .map(m -> new Worker(m.getUuid().toString(), m.getAttribute(WORKER_ID), m.getAttribute(REST_URL)))
                .toList();
    }

    /** The oldest member, which computes assignments. */
    public Worker leader() {
        List<Worker> all = workers();
        return all.isEmpty() ? null : all.get(0);
    }

    public boolean isLeader() {
        Worker leader = leader();
        return leader != null && leader.id().equals(self());
    }

    /** Whether this worker is still a running member of its cluster. */
    public boolean active() {
        return hazelcast.getLifecycleService().isRunning();
    }

    /**
     * Calls {@code changed} on every join or leave, and {@code lost} when this worker is about to
     * leave its cluster against its will (Hazelcast merging it into another after a split).
     */
    public void onChange(Runnable changed, Runnable lost) {
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                changed.run();
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                changed.run();
            }
        });
        hazelcast.getLifecycleService().addLifecycleListener(e -> {
            if (e.getState() == LifecycleEvent.LifecycleState.MERGING) {
                lost.run();
            }
        });
    }

    /** Calls {@code listener} with every assignment the leader publishes. */
    public void onAssignment(Consumer<Assignment> listener) {
        shared.addEntryListener(new AssignmentListener(listener), true);
    }

    /** The assignment in force, or {@link Assignment#EMPTY}. Blocks: call it off the event loops. */
    public Assignment assignment() {
        String json = shared.get(ASSIGNMENT);
        return json == null ? Assignment.EMPTY : Assignment.fromJson(json);
    }

    /** Publishes a new assignment to every member. */
    public Future<Void> publish(Vertx vertx, Assignment assignment) {
        return Future.fromCompletionStage(shared.setAsync(ASSIGNMENT, assignment.toJson()), vertx.getOrCreateContext());
    }

    /** The worker with member id {@code id}, or null when it is not (or no longer) a member. */
    public Worker worker(String id) {
        for (Member m : hazelcast.getCluster().getMembers()) {
            if (m.getUuid().equals(UUID.fromString(id))) {
                return new Worker(id, m.getAttribute(WORKER_ID), m.getAttribute(REST_URL));
            }
        }
        return null;
    }

    private record AssignmentListener(Consumer<Assignment> listener)
            implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String> {
        @Override
        public void entryAdded(EntryEvent<String, String> e) {
            listener.accept(Assignment.fromJson(e.getValue()));
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> e) {
            listener.accept(Assignment.fromJson(e.getValue()));
        }
    }
}
