package io.connectreactive.bench.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The two cluster scenarios, each on a fresh three-worker cluster of one contender: failover
 * ({@code kill -9} of a follower, then of the leader, under a 6-task source) and rebalance of N
 * one-task connectors (create all, a fourth worker joins, one worker stops with SIGTERM). Both use
 * Kafka's own {@code VerifiableSourceConnector}, so both contenders run the same plugin. Runs on the
 * harness's main thread; every figure goes into the {@link Result} it returns.
 */
final class Scenarios {

    static final String CONNECTOR = "org.apache.kafka.connect.tools.VerifiableSourceConnector";
    static final Duration START = Duration.ofMinutes(3);

    private final Cluster.Paths paths;
    private final String bootstrap;
    private final Path work;

    Scenarios(Cluster.Paths paths, String bootstrap, Path work) {
        this.paths = paths;
        this.bootstrap = bootstrap;
        this.work = work;
    }

    /** The figures of one contender's run: name → milliseconds or count; notes say what went wrong. */
    record Result(Flavor flavor, int run, Map<String, Long> figures, List<String> notes) {
        Result(Flavor flavor, int run) {
            this(flavor, run, new LinkedHashMap<>(), new java.util.ArrayList<>());
        }

        void put(String name, Long value) {
            figures.put(name, value);
        }

        void note(String s) {
            notes.add(s);
            System.out.println("   note: " + s);
        }
    }

    private static Map<String, String> source(String topic, int tasks, int throughput) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("connector.class", CONNECTOR);
        c.put("tasks.max", String.valueOf(tasks));
        c.put("topic", topic);
        c.put("throughput", String.valueOf(throughput));
        return c;
    }

    /**
     * Failover: a 6-task source spread over three workers; kill -9 a follower and time until a
     * surviving worker's REST shows all 6 tasks RUNNING on survivors; then (if {@code leaderToo})
     * restart it, wait for the spread again, and do the same to the leader.
     */
    void failover(Result r, String group, boolean leaderToo, Duration timeout) throws Exception {
        try (Cluster c = new Cluster(r.flavor(), paths, bootstrap, work.resolve(group), group)) {
            startThree(c);
            Cluster.Member m0 = c.members().get(0);
            c.create(m0, "failover", source(group + "-failover", 6, 50));
            Status spread = spread(c, 6, "failover", Duration.ofMinutes(3), r);
            r.put("failover.spread", (long) spread.tasksPerWorker().size());

            Cluster.Member leader = c.leader();
            Cluster.Member follower = c.running().stream().filter(m -> m != leader
                    && spread.tasksPerWorker().containsKey(m.id())).findFirst().orElseThrow();
            System.out.println("   leader " + leader + ", killing follower " + follower + " (runs "
                    + spread.tasksPerWorker().get(follower.id()) + " tasks)");
            r.put("failover.follower.ms", killAndTime(c, follower, timeout, r));

            if (leaderToo) {
                c.restart(follower, START);
                spread(c, 6, "failover", Duration.ofMinutes(2), r);
                Cluster.Member l = c.leader();
                if (l == null) {
                    r.note("could not tell the leader; leader kill skipped");
                    return;
                }
                System.out.println("   killing leader " + l);
                r.put("failover.leader.ms", killAndTime(c, l, timeout, r));
            }
        }
    }

    private Long killAndTime(Cluster c, Cluster.Member victim, Duration timeout, Result r) throws Exception {
        long t0 = c.kill9(victim);
        Set<String> survivors = c.runningIds();
        Cluster.Member observer = c.running().get(0);
        Awaited<Status> a = await(() -> c.status(observer, "failover"),
                s -> s != null && s.allTasksRunningOn(6, survivors), t0, timeout, 50);
        if (a.at < 0) {
            r.note("kill -9 " + victim + ": tasks not all RUNNING on survivors within " + timeout.toSeconds()
                    + " s; last status per worker " + (a.last == null ? "none" : a.last.tasksPerWorker()));
            return null;
        }
        long ms = (a.at - t0) / 1_000_000;
        System.out.println("   kill -9 " + victim + " -> all 6 tasks RUNNING on survivors after " + ms + " ms "
                + a.last.tasksPerWorker());
        return ms;
    }

    /** Waits until {@code tasks} tasks of {@code connector} run, spread over every running worker. */
    private Status spread(Cluster c, int tasks, String connector, Duration timeout, Result r) throws Exception {
        Set<String> ids = c.runningIds();
        Cluster.Member m0 = c.running().get(0);
        long t0 = System.nanoTime();
        Awaited<Status> a = await(() -> c.status(m0, connector),
                s -> s != null && s.allTasksRunningOn(tasks, ids) && s.tasksPerWorker().size() == ids.size(), t0, timeout, 200);
        if (a.at >= 0) {
            return a.last;
        }
        a = await(() -> c.status(m0, connector), s -> s != null && s.allTasksRunningOn(tasks, ids), t0, Duration.ofSeconds(30), 200);
        if (a.at < 0) {
            throw new IllegalStateException(c + ": " + connector + " never had " + tasks + " tasks RUNNING; last "
                    + (a.last == null ? "none" : a.last.tasks()));
        }
        r.note(connector + "'s " + tasks + " tasks did not spread over all " + ids.size() + " workers: " + a.last.tasksPerWorker());
        return a.last;
    }

    /**
     * Rebalance: {@code n} one-task connectors on three workers (time to create them all and see all
     * RUNNING), a fourth worker joins (time until balanced, tasks moved), worker 1 stops with SIGTERM
     * (time until its tasks run elsewhere).
     */
    void rebalance(Result r, String group, int n, Duration timeout) throws Exception {
        try (Cluster c = new Cluster(r.flavor(), paths, bootstrap, work.resolve(group), group)) {
            startThree(c);
            List<Cluster.Member> three = c.running();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                c.create(three.get(i % 3), "load-" + i, source(group + "-load", 1, 10));
            }
            long posted = System.nanoTime();
            Set<String> ids3 = c.runningIds();
            Awaited<Status> all = await(() -> c.statuses(three.get(0)),
                    s -> s != null && s.allConnectorsRunningOn(n, ids3) && s.allTasksRunningOn(n, ids3), t0, timeout, 200);
            r.put("create.posts.ms", (posted - t0) / 1_000_000);
            if (all.at < 0) {
                r.note("create: not all " + n + " RUNNING within " + timeout.toSeconds() + " s");
                r.put("create.ms", null);
                return;
            }
            r.put("create.ms", (all.at - t0) / 1_000_000);
            System.out.println("   " + n + " connectors created and RUNNING after " + r.figures().get("create.ms") + " ms "
                    + all.last.tasksPerWorker());
            Awaited<Status> steady = await(() -> c.statuses(three.get(0)),
                    s -> s != null && s.allTasksRunningOn(n, ids3) && s.balancedOver(ids3), System.nanoTime(), Duration.ofSeconds(60), 500);
            Status before = steady.at >= 0 ? steady.last : c.statuses(three.get(0));
            if (steady.at < 0) {
                r.note("before the join the tasks were not balanced: " + before.tasksPerWorker());
            }

            // (b) a fourth worker joins
            Cluster.Member fourth = c.add(1, START).get(0);
            long launched = fourth.launchedAt;
            long restUp = System.nanoTime();
            Set<String> ids4 = c.runningIds();
            Set<String> disturbed = new HashSet<>();
            Awaited<Status> joined = await(() -> c.statuses(three.get(0)), s -> {
                if (s == null) {
                    return false;
                }
                s.tasks().forEach((task, p) -> {
                    if (!"RUNNING".equals(p.state())) {
                        disturbed.add(task);
                    }
                });
                return s.allConnectorsRunningOn(n, ids4) && s.allTasksRunningOn(n, ids4) && s.balancedOver(ids4);
            }, launched, timeout, 100);
            if (joined.at < 0) {
                r.note("join: not balanced over 4 workers within " + timeout.toSeconds() + " s; last "
                        + (joined.last == null ? "none" : joined.last.tasksPerWorker()));
                r.put("join.ms", null);
            } else {
                Status after = joined.last;
                int onNew = after.tasksPerWorker().getOrDefault(fourth.id(), 0);
                int moved = after.tasksMovedSince(before);
                r.put("join.ms", (joined.at - launched) / 1_000_000);
                r.put("join.afterRest.ms", (joined.at - restUp) / 1_000_000);
                r.put("join.tasksOnNew", (long) onNew);
                r.put("join.tasksMoved", (long) moved);
                r.put("join.tasksMovedNeedlessly", (long) (moved - onNew));
                r.put("join.connectorsMoved", (long) after.connectorsMovedSince(before));
                disturbed.removeIf(t -> fourth.id().equals(after.tasks().get(t).worker()));
                r.put("join.othersSeenNotRunning", (long) disturbed.size());
                System.out.println("   4th worker balanced after " + r.figures().get("join.ms") + " ms from launch ("
                        + r.figures().get("join.afterRest.ms") + " ms after its REST answered); " + after.tasksPerWorker()
                        + "; tasks moved " + moved + " (" + onNew + " to the new worker)");
            }

            // (c) a clean stop of worker 1
            Cluster.Member leaving = c.members().get(1);
            long t1 = c.terminate(leaving);
            Set<String> rest = new HashSet<>(ids4);
            rest.remove(leaving.id());
            Awaited<Status> left = await(() -> c.statuses(three.get(0)),
                    s -> s != null && s.allTasksRunningOn(n, rest) && s.allConnectorsRunningOn(n, rest), t1, timeout, 100);
            if (left.at < 0) {
                r.note("leave: worker 1's tasks not RUNNING elsewhere within " + timeout.toSeconds() + " s; last "
                        + (left.last == null ? "none" : left.last.tasksPerWorker()));
                r.put("leave.ms", null);
            } else {
                r.put("leave.ms", (left.at - t1) / 1_000_000);
                System.out.println("   SIGTERM " + leaving + " -> its tasks RUNNING elsewhere after " + r.figures().get("leave.ms")
                        + " ms " + left.last.tasksPerWorker());
            }
            leaving.process.waitFor();
        }
    }

    /** Starts worker 0 (the oldest, connect-reactive's leader), then workers 1 and 2 side by side. */
    private void startThree(Cluster c) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        c.add(1, START);
        c.add(2, START);
        System.out.println("   three workers answer REST after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /** When a condition became true ({@code at}, a nanoTime, or -1 on timeout) and the last value read. */
    record Awaited<T>(long at, T last) {
    }

    /**
     * Reads {@code read} every {@code pollMs} until {@code done} holds or {@code timeout} after
     * {@code from}; the time taken is when the answer that satisfied it arrived.
     */
    static <T> Awaited<T> await(Supplier<T> read, Predicate<T> done, long from, Duration timeout, long pollMs)
            throws InterruptedException {
        T last = null;
        while (System.nanoTime() - from < timeout.toNanos()) {
            T v = read.get();
            long at = System.nanoTime();
            if (v != null) {
                last = v;
            }
            if (v != null && done.test(v)) {
                return new Awaited<>(at, v);
            }
            Thread.sleep(pollMs);
        }
        return new Awaited<>(-1, last);
    }

    /** The 1-, 5- and 15-minute load averages, as /proc/loadavg has them. */
    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
