package io.connectreactive.cluster;

import java.io.IOException;
import java.io.Serializable;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.connectreactive.config.WorkerConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * The cluster as Hazelcast sees it: its members (oldest first; the oldest leads), each member's worker
 * id and REST URL, and the one shared value the cluster keeps in Hazelcast, the current
 * {@link Assignment}. Everything durable lives in Kafka's topics, not here.
 *
 * <p>Threads. Reading the members ({@link #workers}, {@link #self}, {@link #leader}) reads Hazelcast's local
 * member list and may be done anywhere, an event loop too. Every call that sends something to the other
 * members ({@link #ping}, {@link #publish}, {@link #announceLeaving}) runs on one worker thread of its own
 * ({@value #CALLS}), in order, never on the caller's event loop: Hazelcast serializes the call, may create
 * the distributed object's proxy, and writes to the member's connection on the calling thread (its
 * write-through); an event loop was seen held 524 ms in {@code submitToMember}. Their futures complete on the
 * caller's context. {@link #assignment} blocks: call it off the event loops. Listeners are called on
 * Hazelcast's threads: callers hop to their own context.
 */
public final class Membership {

    static final String WORKER_ID = "connect-reactive.worker.id";
    static final String REST_URL = "connect-reactive.rest.url";
    private static final String ASSIGNMENT = "assignment";
    private static final String PINGS = "connect-reactive-pings";
    private static final int MERGE_DELAY_S = 5;
    /** The worker thread the calls to the other members run on. */
    static final String CALLS = "cr-cluster-hazelcast";

    private final Vertx vertx;
    private final HazelcastInstance hazelcast;
    /** One thread: the calls to the other members, in order, off the event loops. */
    private final WorkerExecutor calls;
    private final IMap<String, String> shared;
    /** Members that announced an orderly leave: member id → worker id, each kept for a minute. */
    private final IMap<String, String> leaving;

    /** A member of the cluster. */
    public record Worker(String id, String workerId, String restUrl) {
    }

    public Membership(Vertx vertx, HazelcastClusterManager manager, String groupId) {
        this(vertx, manager.getHazelcastInstance(), groupId);
    }

    Membership(Vertx vertx, HazelcastInstance hazelcast, String groupId) {
        this.vertx = vertx;
        this.hazelcast = hazelcast;
        this.calls = vertx.createSharedWorkerExecutor(CALLS, 1);
        this.shared = hazelcast.getMap("connect-reactive-" + groupId);
        this.leaving = hazelcast.getMap("connect-reactive-" + groupId + "-leaving");
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
        // after a network split, the halves look for each other every few seconds (Hazelcast's default: 5 min, then 2 min)
        hz.setProperty("hazelcast.merge.first.run.delay.seconds", String.valueOf(MERGE_DELAY_S));
        hz.setProperty("hazelcast.merge.next.run.delay.seconds", String.valueOf(MERGE_DELAY_S));
        // connections to other members leave from runtime.cluster.host too, so one address is the whole of a member
        hz.setProperty("hazelcast.socket.client.bind.any", "false");
        hz.getExecutorConfig(PINGS).setPoolSize(2).setQueueCapacity(1_000);
        NetworkConfig net = hz.getNetworkConfig();
        String host = config.getString(WorkerConfig.CLUSTER_HOST);
        net.setPort(config.getInt(WorkerConfig.CLUSTER_PORT)).setPortAutoIncrement(true);
        net.setPublicAddress(host);
        // binds exactly this address (any local one, a loopback alias too), not the first interface matching it
        hz.setProperty("hazelcast.local.localAddress", host);
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
            } else if (e.getState() == LifecycleEvent.LifecycleState.MERGED) {
                changed.run(); // merged: this member may have a new id
            }
        });
    }

    /**
     * Asks member {@code id} to answer over Hazelcast's connection to it (the one its heartbeats use),
     * and calls {@code answered} on a Hazelcast thread when it does. Nothing happens when it is no
     * longer a member, or does not answer. The request is sent on the {@value #CALLS} thread; the
     * future completes, on the caller's context, once it was sent (not answered).
     */
    public Future<Void> ping(String id, Runnable answered) {
        return calls.executeBlocking(() -> {
            Member member = member(id);
            if (member != null) {
                hazelcast.getExecutorService(PINGS).submitToMember(new Ping(), member, new ExecutionCallback<Boolean>() {
                    @Override
                    public void onResponse(Boolean response) {
                        answered.run();
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        // not answered: the caller counts the time since the last answer
                    }
                });
            }
            return null;
        }, true);
    }

    /** What a ping runs on the member asked. */
    static final class Ping implements Callable<Boolean>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean call() {
            return Boolean.TRUE;
        }
    }

    /** Tells the other members that this one is leaving in an orderly way (it is not lost: they need not fence). */
    public Future<Void> announceLeaving() {
        Context context = vertx.getOrCreateContext();
        return calls.executeBlocking(() -> leaving.setAsync(self(), String.valueOf(hazelcast.getCluster().getLocalMember()
                        .getAttribute(WORKER_ID)), 60, TimeUnit.SECONDS), true)
                .compose(sent -> Future.fromCompletionStage(sent, context));
    }

    /**
     * Calls {@code listener} with the member id and worker id of every removed member whose cluster address
     * now refuses connections: its host answers, its process is gone (killed, crashed), so it was not cut
     * off and runs nothing. A member that cannot be reached at all (no answer within a second: a network
     * split, a dead host) is not reported. Probes run on a short-lived thread of their own; the listener is
     * called there.
     */
    public void onDead(BiConsumer<String, String> listener) {
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                Member gone = e.getMember();
                if (gone.localMember()) {
                    return;
                }
                Thread probe = new Thread(() -> {
                    if (refusesConnections(gone.getAddress().getHost(), gone.getAddress().getPort())) {
                        listener.accept(gone.getUuid().toString(), gone.getAttribute(WORKER_ID));
                    }
                }, "cr-cluster-probe");
                probe.setDaemon(true);
                probe.start();
            }
        });
    }

    /** Whether a TCP connection to host:port is refused (the host answers, nothing listens); blocks up to a second. */
    static boolean refusesConnections(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1_000);
            return false;
        } catch (ConnectException e) {
            return e.getMessage() != null && e.getMessage().contains("refused");
        } catch (IOException e) {
            return false;
        }
    }

    /** Calls {@code listener} with the member id and worker id of every member that announces an orderly leave. */
    public void onLeaving(BiConsumer<String, String> listener) {
        leaving.addEntryListener((EntryAddedListener<String, String>) e -> listener.accept(e.getKey(), e.getValue()), true);
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

    /** Publishes a new assignment to every member; in order with the other calls, so the last published is the one kept. */
    public Future<Void> publish(Assignment assignment) {
        Context context = vertx.getOrCreateContext();
        String json = assignment.toJson();
        return calls.executeBlocking(() -> shared.setAsync(ASSIGNMENT, json), true)
                .compose(sent -> Future.fromCompletionStage(sent, context));
    }

    /** The worker with member id {@code id}, or null when it is not (or no longer) a member. */
    public Worker worker(String id) {
        Member m = member(id);
        return m == null ? null : new Worker(id, m.getAttribute(WORKER_ID), m.getAttribute(REST_URL));
    }

    private Member member(String id) {
        for (Member m : hazelcast.getCluster().getMembers()) {
            if (m.getUuid().equals(UUID.fromString(id))) {
                return m;
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
