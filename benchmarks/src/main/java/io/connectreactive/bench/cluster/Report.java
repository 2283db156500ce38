package io.connectreactive.bench.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster benchmark's table (one row per figure, one column per contender; min/median/max over
 * runs when there are several) and its markdown report. Pure formatting, called once at the end.
 */
final class Report {

    static final Map<String, String> LABELS = new LinkedHashMap<>();

    static {
        LABELS.put("failover.follower.ms", "kill -9 follower → 6/6 tasks RUNNING on survivors (ms)");
        LABELS.put("failover.leader.ms", "kill -9 leader → 6/6 tasks RUNNING on survivors (ms)");
        LABELS.put("create.posts.ms", "N connectors: all POSTs answered (ms)");
        LABELS.put("create.ms", "N connectors: first POST → all connectors and tasks RUNNING (ms)");
        LABELS.put("join.ms", "4th worker: JVM launch → balanced, all RUNNING (ms)");
        LABELS.put("join.afterRest.ms", "4th worker: its REST answers → balanced (ms)");
        LABELS.put("join.tasksOnNew", "4th worker: tasks it runs");
        LABELS.put("join.tasksMoved", "join: tasks whose worker changed");
        LABELS.put("join.tasksMovedNeedlessly", "join: tasks moved between old workers (needless)");
        LABELS.put("join.othersSeenNotRunning", "join: tasks staying on old workers seen not RUNNING");
        LABELS.put("join.connectorsMoved", "join: connectors whose worker changed");
        LABELS.put("leave.ms", "SIGTERM a worker → its tasks RUNNING elsewhere (ms)");
        LABELS.put("load1x100", "1-min load average at the end ×100");
    }

    private Report() {
    }

    static String table(List<Scenarios.Result> all) {
        List<Flavor> flavors = all.stream().map(Scenarios.Result::flavor).distinct().toList();
        StringBuilder b = new StringBuilder("| figure |");
        flavors.forEach(f -> b.append(' ').append(f.label()).append(" |"));
        b.append("\n|---|");
        flavors.forEach(f -> b.append("---:|"));
        b.append('\n');
        for (Map.Entry<String, String> row : LABELS.entrySet()) {
            b.append("| ").append(row.getValue()).append(" |");
            for (Flavor f : flavors) {
                List<Scenarios.Result> rs = all.stream().filter(r -> r.flavor() == f).toList();
                b.append(' ').append(cell(rs, row.getKey())).append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String cell(List<Scenarios.Result> rs, String key) {
        boolean any = rs.stream().anyMatch(r -> r.figures().containsKey(key));
        if (!any) {
            return "–";
        }
        List<Long> vs = new ArrayList<>();
        int missing = 0;
        for (Scenarios.Result r : rs) {
            if (!r.figures().containsKey(key)) {
                continue;
            }
            Long v = r.figures().get(key);
            if (v == null) {
                missing++;
            } else {
                vs.add(v);
            }
        }
        vs.sort(null);
        String s;
        if (vs.isEmpty()) {
            s = "timed out";
        } else if (vs.size() == 1) {
            s = String.format("%,d", vs.get(0));
        } else {
            s = String.format("%,d / %,d / %,d", vs.get(0), vs.get(vs.size() / 2), vs.get(vs.size() - 1));
        }
        return missing > 0 && !vs.isEmpty() ? s + " (+" + missing + " timed out)" : s;
    }

    /** Met/missed of "a killed worker's tasks running elsewhere within 5 s", per contender. */
    static String target(List<Scenarios.Result> all) {
        StringBuilder b = new StringBuilder();
        for (Flavor f : all.stream().map(Scenarios.Result::flavor).distinct().toList()) {
            List<Long> vs = new ArrayList<>();
            boolean timedOut = false;
            for (Scenarios.Result r : all) {
                if (r.flavor() != f) {
                    continue;
                }
                for (String k : List.of("failover.follower.ms", "failover.leader.ms")) {
                    if (r.figures().containsKey(k)) {
                        Long v = r.figures().get(k);
                        if (v == null) {
                            timedOut = true;
                        } else {
                            vs.add(v);
                        }
                    }
                }
            }
            long worst = vs.stream().mapToLong(Long::longValue).max().orElse(-1);
            String verdict = vs.isEmpty() && !timedOut ? "not measured"
                    : !timedOut && worst <= 5000 ? "**met** (worst " + String.format("%,d", worst) + " ms)"
                    : "**missed** (" + (timedOut ? "timed out" : "worst " + String.format("%,d", worst) + " ms") + ")";
            b.append("- ").append(f.label()).append(": ").append(verdict).append('\n');
        }
        return b.toString();
    }

    static String markdown(List<Scenarios.Result> all, String table, int n, int runs, boolean quick,
                           String loadBefore, String loadAfter, long minutes) {
        StringBuilder notes = new StringBuilder();
        for (Scenarios.Result r : all) {
            for (String note : r.notes()) {
                notes.append("- ").append(r.flavor().label()).append(", run ").append(r.run()).append(": ").append(note).append('\n');
            }
        }
        return """
                # Cluster failover and rebalance — connect-reactive vs Apache Kafka Connect 4.3.1 distributed

                Written by `benchmarks/failover%s` (%d run%s of each contender, interleaved; the Kafka Connect
                default-settings run once, failover of a follower only). N = %d connectors.

                **Machine:** %d cores, shared with other work and loaded while this ran: load average (1/5/15 min)
                %s at the start, %s at the end; the run took %d min. Figures on an idle machine will be lower; the
                ratios between contenders are what this measures.

                ## Target: a killed worker's tasks running elsewhere within 5 s

                %s
                ## Figures (one run: the value; several: min / median / max)

                %s
                %s
                ## What ran

                - One broker (connect-reactive's `EmbeddedKafka`, KRaft, in the harness JVM) on 127.0.0.1; every
                  scenario starts a fresh cluster of worker JVMs (`-Xms64m -Xmx1g -XX:+UseG1GC`) with its own
                  `group.id` and internal topics (replication factor 1, default partitions), JSON converters,
                  every other setting at its default; REST on `127.0.0.1:<free port>`, worker id `127.0.0.1:<port>`.
                - connect-reactive: `io.connectreactive.cli.Main start --cluster worker.properties` on
                  `target/connect-reactive.jar:target/lib/*` (Hazelcast membership: `runtime.cluster.members` = the
                  workers' ports on 127.0.0.1; failure timeout at its default). Its leader is the oldest member:
                  worker 0, started before the other two.
                - Kafka Connect 4.3.1: `org.apache.kafka.connect.cli.ConnectDistributed worker.properties` on
                  `benchmarks/target/kc-lib/*` (connect-runtime's dependencies) plus `connect-test-plugins` and
                  `kafka-server-common` 4.3.1 (in Kafka's distribution `libs/`, not connect-runtime's dependencies;
                  `VerifiableSourceConnector` lives there). Default group settings (`session.timeout.ms` 10 s,
                  `heartbeat.interval.ms` 3 s); "delay 0" adds `scheduled.rebalance.max.delay.ms=0`. Its leader is
                  read from the herder's `leaderUrl=` log line.
                - Plugin on both sides: `org.apache.kafka.connect.tools.VerifiableSourceConnector`.
                - **Failover:** one connector, `tasks.max=6`, `throughput=50`; wait for 6 RUNNING tasks spread over
                  the 3 workers; `kill -9` (SIGKILL) a follower running tasks; time from the signal until
                  `GET /connectors/failover/status` on a survivor (polled every 50 ms) shows 6 tasks RUNNING with
                  survivors' `worker_id`s. Then the killed worker is restarted, the tasks spread again, and the
                  leader is killed the same way (not for Kafka Connect's defaults: that would take 5 more minutes).
                - **Rebalance:** N connectors with `tasks.max=1`, `throughput=10`, created by `POST /connectors`
                  round-robin over the 3 workers (retried on 409); time until `GET /connectors?expand=status` shows
                  all connectors and tasks RUNNING. Then a 4th worker JVM is launched: time until all are RUNNING
                  and the tasks per worker differ by at most one (with 4 workers the new one's fair share is N/4);
                  "tasks moved" compares each task's `worker_id` with before the join: the minimum is the number
                  the new worker runs, anything above moved between old workers. Then worker 1 gets SIGTERM: time
                  until all tasks are RUNNING on the 3 others. Polled every 100 ms.
                - Times are from the signal (or the 4th JVM's launch) to the poll answer that shows the state; on
                  a loaded 2-core machine a poll of 100 statuses takes tens of milliseconds.

                Not measured: Kafka Connect with its defaults in the rebalance scenario (its clean leave waits for the
                same `scheduled.rebalance.max.delay.ms`).
                """.formatted(quick ? " --quick" : "", runs, runs == 1 ? "" : "s", n,
                Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter, minutes,
                target(all), table, notes.isEmpty() ? "" : "Notes:\n\n" + notes + "\n");
    }
}
