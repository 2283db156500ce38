package io.connectreactive.cluster;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.connectreactive.cluster.ClusterHarness.Member;
import io.connectreactive.testing.KafkaBroker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static io.connectreactive.cluster.ClusterHarness.runningTaskWorkers;
import static io.connectreactive.cluster.ClusterHarness.send;
import static io.connectreactive.cluster.ClusterHarness.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clustered mode with real worker JVMs on 127.0.0.1 and the real broker: tasks are shared evenly,
 * any worker answers and forwards changes, a log level set with {@code scope=cluster} reaches every
 * worker, a worker cut off from the others (iptables) stops its tasks before the others run them and
 * takes its share again when the network heals, a killed worker's tasks (the leader's, here: source and
 * sink tasks) run elsewhere within seconds with nothing lost, a joining worker takes its fair share without stopping the
 * others' tasks, and a whole cluster stopped and started again resumes where it was.
 */
@ExtendWith(KafkaBroker.class)
class ClusteredModeTest {

    private static final String SEQUENCE = io.connectreactive.runtime.source.SequenceSource.class.getName();

    @Test
    void anyWorkerAnswersAndForwardsChangesTasksAreSharedEvenlyAndACutOffWorkerStopsItsTasksBeforeOthersRunThem(
            KafkaBroker kafka, @TempDir Path dir) throws Exception {
        // the third worker has a cluster address of its own, so that the test can cut it off from the others
        java.util.Random random = new java.util.Random();
        String cutOffHost = "127.0." + (1 + random.nextInt(250)) + "." + (2 + random.nextInt(250));
        try (ClusterHarness cluster = new ClusterHarness(kafka, dir, "cr-rest-" + System.nanoTime());
             NetworkSplit split = new NetworkSplit(cutOffHost)) {
            try {
                cluster.add(List.of("127.0.0.1", "127.0.0.1", cutOffHost));
                List<Member> w = cluster.members();
                String topic = KafkaBroker.uniqueTopic("cluster-rest");
                // created through the youngest worker, a follower: forwarded to the leader
                HttpResponse<String> created = send(w.get(2), "POST", "/connectors", connector("seq", topic, 6, 50));
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                assertThat(send(w.get(1), "POST", "/connectors", connector("seq", topic, 6, 50)).statusCode()).isEqualTo(409);

                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    for (Member m : w) {
                        List<String> owners = runningTaskWorkers(status(m, "seq"), 6);
                        assertThat(owners).as("tasks as worker %d sees them", m.index).isNotNull();
                        Map<String, Long> perWorker = owners.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
                        assertThat(perWorker).as("tasks per worker").containsOnlyKeys(w.stream().map(Member::workerId).toList());
                        assertThat(perWorker.values()).containsOnly(2L);
                        assertThat(status(m, "seq").getJsonObject("connector").getString("state")).isEqualTo("RUNNING");
                        assertThat(new JsonArray(send(m, "GET", "/connectors", null).body())).containsExactly("seq");
                    }
                });

                // log levels: without a scope (or with scope=worker) only the worker asked changes; with
                // scope=cluster every worker does
                String mine = "io.connectreactive.scoped" + System.nanoTime();
                String ours = "io.connectreactive.clustered" + System.nanoTime();
                HttpResponse<String> unscoped = send(w.get(2), "PUT", "/admin/loggers/" + mine, "{\"level\": \"DEBUG\"}");
                assertThat(unscoped.statusCode()).as(unscoped.body()).isEqualTo(200);
                assertThat(new JsonArray(unscoped.body())).contains(mine);
                assertThat(send(w.get(0), "PUT", "/admin/loggers/" + mine + "?scope=worker", "{\"level\": \"ERROR\"}").statusCode())
                        .isEqualTo(200);
                assertThat(send(w.get(1), "PUT", "/admin/loggers/" + ours + "?scope=cluster", "{\"level\": \"TRACE\"}").statusCode())
                        .isEqualTo(204);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    for (Member m : w) {
                        HttpResponse<String> level = send(m, "GET", "/admin/loggers/" + ours, null);
                        assertThat(level.statusCode()).as("worker %d: %s", m.index, level.body()).isEqualTo(200);
                        assertThat(new JsonObject(level.body()).getString("level")).isEqualTo("TRACE");
                    }
                });
                assertThat(new JsonObject(send(w.get(2), "GET", "/admin/loggers/" + mine, null).body()).getString("level")).isEqualTo("DEBUG");
                assertThat(new JsonObject(send(w.get(0), "GET", "/admin/loggers/" + mine, null).body()).getString("level")).isEqualTo("ERROR");
                assertThat(send(w.get(1), "GET", "/admin/loggers/" + mine, null).statusCode()).as("a worker not asked").isEqualTo(404);

                // Kafka Connect's connect-worker-rebalance-metrics, on every worker
                for (Member m : w) {
                    String metrics = send(m, "GET", "/metrics", null).body();
                    assertThat(metric(metrics, "kafka_connect_worker_rebalance_epoch")).isGreaterThanOrEqualTo(1);
                    assertThat(metric(metrics, "kafka_connect_worker_rebalance_rebalance_completed_total")).isGreaterThanOrEqualTo(1);
                    assertThat(metric(metrics, "kafka_connect_worker_task_count")).isEqualTo(2);
                }

                // the dashboard of a worker that does not run a connector's only task shows its throughput
                assertThat(send(w.get(0), "POST", "/connectors", connector("solo", topic, 1, 100)).statusCode()).isEqualTo(201);
                await().atMost(Duration.ofSeconds(60)).until(() -> runningTaskWorkers(status(w.get(0), "solo"), 1) != null);
                String soloWorker = runningTaskWorkers(status(w.get(0), "solo"), 1).get(0);
                Member elsewhere = w.stream().filter(m -> !m.workerId().equals(soloWorker)).findFirst().orElseThrow();
                assertThat(dashboardRate(elsewhere, "solo", Duration.ofSeconds(60))).isGreaterThan(0);
                assertThat(send(w.get(0), "DELETE", "/connectors/solo", null).statusCode()).isEqualTo(204);

                assertThat(send(w.get(1), "PUT", "/connectors/seq/pause", null).statusCode()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonObject s = status(w.get(0), "seq");
                    assertThat(s.getJsonObject("connector").getString("state")).isEqualTo("PAUSED");
                    assertThat(s.getJsonArray("tasks").stream().map(t -> ((JsonObject) t).getString("state"))).containsOnly("PAUSED");
                });
                assertThat(send(w.get(2), "PUT", "/connectors/seq/resume", null).statusCode()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(30)).until(() -> runningTaskWorkers(status(w.get(1), "seq"), 6) != null);

                // a task restarted through a worker that does not run it: the worker running it restarts it
                String ownerOfTask0 = runningTaskWorkers(status(w.get(0), "seq"), 6).get(0);
                Member other = w.stream().filter(m -> !m.workerId().equals(ownerOfTask0)).findFirst().orElseThrow();
                assertThat(send(other, "POST", "/connectors/seq/tasks/0/restart", null).statusCode()).isEqualTo(204);
                await().atMost(Duration.ofSeconds(30)).until(() -> runningTaskWorkers(status(w.get(2), "seq"), 6) != null);

                // a new config reaches every task
                assertThat(send(w.get(1), "PUT", "/connectors/seq/config", new JsonObject(config(topic, 4, 50)).encode()).statusCode())
                        .isEqualTo(200);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    for (Member m : w) {
                        assertThat(runningTaskWorkers(status(m, "seq"), 4)).isNotNull();
                    }
                });

                assertThat(send(w.get(2), "DELETE", "/connectors/seq", null).statusCode()).isEqualTo(204);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    for (Member m : w) {
                        assertThat(send(m, "GET", "/connectors/seq", null).statusCode()).isEqualTo(404);
                        assertThat(new JsonArray(send(m, "GET", "/connectors", null).body())).isEmpty();
                    }
                });

                cutOffWorkerStopsItsTasksBeforeOthersRunThemAndTakesItsShareWhenTheNetworkHeals(kafka, cluster, split);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + cluster.logs(), e);
            }
        }
    }

    @Test
    void killedLeaderTasksMoveWithinSecondsJoinersTakeAFairShareAndARestartedClusterResumes(KafkaBroker kafka,
                                                                                              @TempDir Path dir) throws Exception {
        String group = "cr-fail-" + System.nanoTime();
        String topic = KafkaBroker.uniqueTopic("cluster-seq");
        try (ClusterHarness cluster = new ClusterHarness(kafka, dir, group)) {
            try {
                cluster.add(3);
                List<Member> w = cluster.members();
                assertThat(send(w.get(1), "POST", "/connectors", connector("seq", topic, 6, 200)).statusCode()).isEqualTo(201);
                await().atMost(Duration.ofSeconds(60)).until(() -> runningTaskWorkers(status(w.get(1), "seq"), 6) != null
                        && new HashSet<>(runningTaskWorkers(status(w.get(1), "seq"), 6)).size() == 3);
                await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffset(topic) >= 1_000);

                // a sink of 4 tasks on 4 partitions, fed continuously: every worker, the leader included, runs one or two
                String sinkTopic = KafkaBroker.uniqueTopic("cluster-sink");
                Path sinkDir = dir.resolve("sink");
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                    admin.createTopics(List.of(new NewTopic(sinkTopic, 4, (short) 1))).all().get();
                }
                assertThat(send(w.get(2), "POST", "/connectors", sink("sink", sinkTopic, sinkDir)).statusCode()).isEqualTo(201);
                await().atMost(Duration.ofSeconds(60)).until(() -> runningTaskWorkers(status(w.get(1), "sink"), 4) != null
                        && new HashSet<>(runningTaskWorkers(status(w.get(1), "sink"), 4)).size() == 3);
                Member leader = w.get(0);
                assertThat(runningTaskWorkers(status(w.get(1), "sink"), 4)).contains(leader.workerId());
                try (NumberedProducer producer = new NumberedProducer(kafka, sinkTopic, 4)) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> FileRecordingSink.lines(sinkDir).size() >= 500);
                    // committed before the kill: a lower bound of what the killed worker committed last
                    Map<Integer, Long> committed = committedOffsets(kafka, "connect-sink", sinkTopic);
                    Map<org.apache.kafka.common.TopicPartition, Long> ends = kafka.endOffsets(sinkTopic);
                    committed.forEach((p, offset) -> assertThat(offset).as("committed offset of partition %d, at most its end", p)
                            .isLessThanOrEqualTo(ends.get(new org.apache.kafka.common.TopicPartition(sinkTopic, p))));

                    // kill -9 the oldest worker, the leader
                    long killed = System.nanoTime();
                    cluster.kill9(leader);
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                        List<String> owners = runningTaskWorkers(status(w.get(2), "seq"), 6);
                        List<String> sinkOwners = runningTaskWorkers(status(w.get(2), "sink"), 4);
                        return owners != null && !owners.contains(leader.workerId())
                                && sinkOwners != null && !sinkOwners.contains(leader.workerId());
                    });
                    long failoverMs = (System.nanoTime() - killed) / 1_000_000;
                    System.out.println("Failover after kill -9 of the leader: every task RUNNING elsewhere after " + failoverMs + " ms");
                    assertThat(failoverMs).as("kill -9 to every task running elsewhere (target 5 s; slack for a loaded CI machine)")
                            .isLessThan(15_000);

                    // the sink receives every record, those produced after the kill included, long before
                    // session.timeout.ms (45 s): the moved tasks' static members replace the dead ones at once
                    long producedAtFailover = producer.sent();
                    await().atMost(Duration.ofSeconds(20)).until(() -> producer.sent() >= producedAtFailover + 500);
                    long produced = producer.stop();
                    await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                            assertThat(FileRecordingSink.lines(sinkDir).stream().map(l -> Long.parseLong(l.split(":")[2])).distinct().count())
                                    .isEqualTo(produced));
                    long sinkCaughtUpMs = (System.nanoTime() - killed) / 1_000_000;
                    System.out.println("Sink failover after kill -9: all " + produced + " records at the sink after " + sinkCaughtUpMs + " ms");
                    assertThat(sinkCaughtUpMs).as("kill -9 to every record at the sink (session.timeout.ms is 45 s)").isLessThan(20_000);
                    Map<String, Long> copies = FileRecordingSink.lines(sinkDir).stream()
                            .collect(Collectors.groupingBy(l -> l.substring(0, l.lastIndexOf(':')), Collectors.counting()));
                    List<String> redeliveredBeforeCommit = copies.entrySet().stream().filter(c -> c.getValue() > 1)
                            .map(Map.Entry::getKey)
                            .filter(po -> Long.parseLong(po.split(":")[1]) < committed.getOrDefault(Integer.parseInt(po.split(":")[0]), 0L))
                            .toList();
                    assertThat(redeliveredBeforeCommit).as("records delivered twice though committed before the kill").isEmpty();
                }
                List<String> afterKill = runningTaskWorkers(status(w.get(2), "seq"), 6);
                assertThat(afterKill.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting())).values())
                        .containsOnly(3L);

                // (tasks are balanced over all connectors: the sink goes, so that the source's six are what is shared below)
                assertThat(send(w.get(1), "DELETE", "/connectors/sink", null).statusCode()).isEqualTo(204);
                await().atMost(Duration.ofSeconds(30)).until(() -> status(w.get(2), "sink") == null);

                // two workers left: kill -9 the older, now the leader. Its cluster address refuses connections (its
                // process is gone, its host answers), so the younger, half of its view without the oldest, does not
                // take itself for cut off and fence: it runs all six tasks
                Member second = w.get(1);
                Member survivor = w.get(2);
                long killedSecond = System.nanoTime();
                cluster.kill9(second);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    List<String> owners = runningTaskWorkers(status(survivor, "seq"), 6);
                    return owners != null && owners.stream().allMatch(survivor.workerId()::equals);
                });
                System.out.println("Two-worker cluster, kill -9 of the leader: every task RUNNING on the survivor after "
                        + (System.nanoTime() - killedSecond) / 1_000_000 + " ms");
                assertThat(send(survivor, "GET", "/health", null).statusCode()).as("the survivor is not fenced").isEqualTo(200);
                afterKill = runningTaskWorkers(status(survivor, "seq"), 6);

                // a fourth worker joins the one left: it takes a fair share (3 of 6); tasks that stay are not restarted
                Map<org.apache.kafka.common.TopicPartition, Long> statusEnd = kafka.endOffsets(group + "-status");
                cluster.add(1);
                Member joiner = w.get(3);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    List<String> owners = runningTaskWorkers(status(survivor, "seq"), 6);
                    assertThat(owners).isNotNull();
                    Map<String, Long> perWorker = owners.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
                    assertThat(perWorker.get(joiner.workerId())).isEqualTo(3L);
                    assertThat(perWorker.values()).containsExactly(3L, 3L);
                });
                List<String> afterJoin = runningTaskWorkers(status(survivor, "seq"), 6);
                Set<String> moved = new TreeSet<>();
                for (int i = 0; i < 6; i++) {
                    if (!afterKill.get(i).equals(afterJoin.get(i))) {
                        moved.add("status-task-seq-" + i);
                    }
                }
                assertThat(moved).hasSize(3);
                Set<String> restarted = kafka.consumeFrom(statusEnd).stream()
                        .map(r -> new String(r.key(), StandardCharsets.UTF_8))
                        .filter(k -> k.startsWith("status-task-seq-"))
                        .collect(Collectors.toCollection(TreeSet::new));
                assertThat(restarted).as("tasks whose status changed after the join").isEqualTo(moved);

                // the whole cluster stops cleanly, one worker after the other, then starts again on the same topics.
                // A worker stopped with SIGTERM says it leaves (and its cluster address then refuses connections):
                // the last one, alone with the younger half of its last view, is not fenced
                long before = kafka.endOffset(topic);
                List<Member> stopping = cluster.running();
                for (Member m : stopping.subList(0, stopping.size() - 1)) {
                    assertThat(cluster.stop(m)).isZero();
                }
                Member last = stopping.get(stopping.size() - 1);
                await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                        .until(() -> send(last, "GET", "/health", null).statusCode() == 200);
                assertThat(cluster.stop(last)).isZero();
                for (Member m : w) {
                    cluster.restart(m);
                }
                cluster.awaitHealthy();
                await().atMost(Duration.ofSeconds(60)).until(() -> runningTaskWorkers(status(w.get(0), "seq"), 6) != null
                        && kafka.endOffset(topic) > before + 600);
                for (Member m : cluster.running()) {
                    assertThat(cluster.stop(m)).isZero();
                }

                // every task's numbers arrived without a gap
                Map<Integer, TreeSet<Long>> seen = new TreeMap<>();
                for (ConsumerRecord<byte[], byte[]> r : kafka.consume(topic, (int) kafka.endOffset(topic), Duration.ofSeconds(60))) {
                    String[] v = new String(r.value(), StandardCharsets.UTF_8).split(":");
                    seen.computeIfAbsent(Integer.parseInt(v[0]), k -> new TreeSet<>()).add(Long.parseLong(v[1]));
                }
                assertThat(seen).containsOnlyKeys(0, 1, 2, 3, 4, 5);
                Map<Integer, String> gaps = new HashMap<>();
                seen.forEach((task, numbers) -> {
                    if (numbers.first() != 0 || numbers.size() != numbers.last() + 1) {
                        gaps.put(task, numbers.size() + " numbers from " + numbers.first() + " to " + numbers.last());
                    }
                });
                assertThat(gaps).as("tasks with lost records").isEmpty();
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + cluster.logs(), e);
            }
        }
    }

    /**
     * The cluster's third worker loses the other two (they all still reach Kafka): it fences itself
     * (/health 503) before the other two, which remove it after runtime.cluster.failure.timeout.seconds,
     * run its tasks; no task ever runs on both sides (each task's numbers are in the topic once each, in
     * order, from one worker process at a time). When the network heals it takes its share again.
     */
    private static void cutOffWorkerStopsItsTasksBeforeOthersRunThemAndTakesItsShareWhenTheNetworkHeals(
            KafkaBroker kafka, ClusterHarness cluster, NetworkSplit split) throws Exception {
        List<Member> w = cluster.members();
        Member cutOff = w.get(2);
        String topic = KafkaBroker.uniqueTopic("cluster-split");
        Map<String, Object> config = new HashMap<>(config(topic, 6, 100));
        config.put("header.pid", "true");
        assertThat(send(w.get(0), "POST", "/connectors", new JsonObject().put("name", "split")
                .put("config", new JsonObject(config)).encode()).statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(60)).until(() -> runningTaskWorkers(status(w.get(0), "split"), 6) != null
                && new HashSet<>(runningTaskWorkers(status(w.get(0), "split"), 6)).size() == 3);
        await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffset(topic) >= 300);

        long cut = System.nanoTime();
        split.cut();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            HttpResponse<String> health = send(cutOff, "GET", "/health", null);
            return health.statusCode() == 503 && health.body().contains("fenced");
        });
        long fencedMs = (System.nanoTime() - cut) / 1_000_000;
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            List<String> owners = runningTaskWorkers(status(w.get(0), "split"), 6);
            return owners != null && !owners.contains(cutOff.workerId());
        });
        long movedMs = (System.nanoTime() - cut) / 1_000_000;
        System.out.println("Network split: the cut-off worker fenced itself after " + fencedMs
                + " ms; its tasks RUNNING on the others after " + movedMs + " ms");
        assertThat(fencedMs).as("cut to fenced (runtime.cluster.fence.timeout.ms 2.5 s; the others wait 5 s)").isLessThan(5_000);
        long atMove = kafka.endOffset(topic);
        await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffset(topic) >= atMove + 300);

        split.heal();
        long healed = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            List<String> owners = runningTaskWorkers(status(w.get(0), "split"), 6);
            return send(cutOff, "GET", "/health", null).statusCode() == 200 && owners != null
                    && owners.stream().filter(cutOff.workerId()::equals).count() == 2;
        });
        System.out.println("Network healed: the cut-off worker runs its share again after " + (System.nanoTime() - healed) / 1_000_000 + " ms");
        long atRejoin = kafka.endOffset(topic);
        await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffset(topic) >= atRejoin + 300);
        assertThat(send(w.get(1), "DELETE", "/connectors/split", null).statusCode()).isEqualTo(204);

        // Per task, in the topic's order: runs of records from one worker process. Two processes running a
        // task at once would alternate; the cut-off worker's tasks went on exactly after its last number
        // (it had stopped them and stored their offsets before another worker read them); nothing lost.
        long pid = cutOff.process.process().pid();
        Map<Integer, List<long[]>> runs = new TreeMap<>(); // task → [pid, first number, last number]
        Map<Integer, Set<Long>> numbers = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.consume(topic, (int) kafka.endOffset(topic), Duration.ofSeconds(60))) {
            String[] v = new String(r.value(), StandardCharsets.UTF_8).split(":");
            int task = Integer.parseInt(v[0]);
            long n = Long.parseLong(v[1]);
            long producer = Long.parseLong(new String(r.headers().lastHeader("pid").value(), StandardCharsets.UTF_8));
            numbers.computeIfAbsent(task, k -> new TreeSet<>()).add(n);
            List<long[]> taskRuns = runs.computeIfAbsent(task, k -> new java.util.ArrayList<>());
            if (taskRuns.isEmpty() || taskRuns.get(taskRuns.size() - 1)[0] != producer) {
                taskRuns.add(new long[] {producer, n, n});
            } else {
                taskRuns.get(taskRuns.size() - 1)[2] = n;
            }
        }
        Map<Integer, String> described = new TreeMap<>();
        runs.forEach((task, taskRuns) -> described.put(task, taskRuns.stream()
                .map(x -> (x[0] == pid ? "cut-off " : "pid " + x[0] + " ") + x[1] + ".." + x[2]).toList().toString()));
        assertThat(numbers).containsOnlyKeys(0, 1, 2, 3, 4, 5);
        numbers.forEach((task, ns) -> assertThat(ns.size()).as("task %d lost records: %s", task, described).isEqualTo(((TreeSet<Long>) ns).last() + 1));
        runs.forEach((task, taskRuns) -> assertThat(taskRuns.size()).as("processes running task %d in turn: %s", task, described)
                .isLessThanOrEqualTo(3));
        List<Integer> moved = runs.entrySet().stream().filter(e -> e.getValue().get(0)[0] == pid).map(Map.Entry::getKey).toList();
        assertThat(moved).as("tasks of the cut-off worker: %s", described).hasSize(2);
        for (int task : moved) {
            List<long[]> taskRuns = runs.get(task);
            assertThat(taskRuns.size()).as("task %d moved: %s", task, described).isGreaterThanOrEqualTo(2);
            assertThat(taskRuns.get(1)[1]).as("task %d went on after the cut-off worker's last number: %s", task, described)
                    .isEqualTo(taskRuns.get(0)[2] + 1);
        }
    }

    /**
     * A network split on this machine: drops every packet between one loopback address (a worker's
     * cluster address) and any other, with iptables; REST and Kafka, on 127.0.0.1, still reach the
     * worker. Closing it heals the split.
     */
    static final class NetworkSplit implements AutoCloseable {
        private final String host;
        private boolean cut;

        NetworkSplit(String host) {
            this.host = host;
        }

        void cut() throws IOException, InterruptedException {
            iptables("-I", "INPUT", "-s", host, "!", "-d", host, "-j", "DROP");
            cut = true;
            iptables("-I", "INPUT", "-d", host, "!", "-s", host, "-j", "DROP");
        }

        void heal() throws IOException, InterruptedException {
            if (cut) {
                cut = false;
                try {
                    iptables("-D", "INPUT", "-s", host, "!", "-d", host, "-j", "DROP");
                } finally {
                    iptables("-D", "INPUT", "-d", host, "!", "-s", host, "-j", "DROP");
                }
            }
        }

        private static void iptables(String... args) throws IOException, InterruptedException {
            List<String> cmd = new java.util.ArrayList<>(List.of("iptables", "-w"));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (this test needs root and iptables): " + out);
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            heal();
        }
    }

    /** Reads {@code /ui/events} of {@code m} until {@code connector} shows a rate above zero; that rate, or 0 at the deadline. */
    private static double dashboardRate(Member m, String connector, Duration timeout) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        HttpResponse<java.util.stream.Stream<String>> events = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(m.url() + "/ui/events")).build(), HttpResponse.BodyHandlers.ofLines());
        long deadline = System.nanoTime() + timeout.toNanos();
        try (java.util.stream.Stream<String> lines = events.body()) {
            java.util.Iterator<String> it = lines.iterator();
            while (System.nanoTime() < deadline && it.hasNext()) {
                String line = it.next();
                if (!line.startsWith("data: ")) {
                    continue;
                }
                for (Object o : new JsonObject(line.substring(6)).getJsonArray("connectors")) {
                    JsonObject c = (JsonObject) o;
                    if (connector.equals(c.getString("name")) && c.getValue("rate") instanceof Number rate && rate.doubleValue() > 0) {
                        return rate.doubleValue();
                    }
                }
            }
        }
        return 0;
    }

    /** The value of an untagged meter in Prometheus' text format. */
    private static double metric(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in /metrics"));
    }

    private static String sink(String name, String topic, Path dir) {
        return new JsonObject().put("name", name).put("config", new JsonObject()
                .put("connector.class", FileRecordingSink.class.getName()).put("tasks.max", "4")
                .put("topics", topic).put("dir", dir.toString())).encode();
    }

    /**
     * The committed offset of each partition of {@code topic} in {@code group}, by partition number. Of that
     * topic only: the test JVM's broker is shared, and the group of a connector of the same name in another
     * test class holds that connector's offsets too (FileRoundTripTest's "sink": 100000 for partition 0 of its
     * one-partition topic, which, keyed by partition number alone, once stood for this topic's partition 0).
     */
    private static Map<Integer, Long> committedOffsets(KafkaBroker kafka, String group, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<Integer, Long> out = new HashMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((tp, om) -> {
                if (tp.topic().equals(topic) && om != null) {
                    out.put(tp.partition(), om.offset());
                }
            });
            return out;
        }
    }

    /** Sends "0", "1", … round-robin to the partitions of a topic, 10 records every 20 ms, until stopped. */
    private static final class NumberedProducer implements AutoCloseable {
        private final KafkaProducer<String, String> producer;
        private final java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        private final java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();

        NumberedProducer(KafkaBroker kafka, String topic, int partitions) {
            producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
            timer.scheduleAtFixedRate(() -> {
                for (int i = 0; i < 10; i++) {
                    long n = next.getAndIncrement();
                    producer.send(new ProducerRecord<>(topic, (int) (n % partitions), null, String.valueOf(n)), (md, err) -> {
                        if (err != null) {
                            failed.incrementAndGet();
                        }
                    });
                }
            }, 0, 20, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        long sent() {
            return next.get();
        }

        /** Stops sending; how many records were sent, every one acknowledged. */
        long stop() throws InterruptedException {
            timer.shutdown();
            assertThat(timer.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            producer.flush();
            assertThat(failed.get()).as("sends that failed").isZero();
            return next.get();
        }

        @Override
        public void close() throws InterruptedException {
            timer.shutdownNow();
            producer.close(Duration.ofSeconds(5));
        }
    }

    private static String connector(String name, String topic, int tasks, int rate) {
        return new JsonObject().put("name", name).put("config", new JsonObject(config(topic, tasks, rate))).encode();
    }

    /** Task {@code i} emits "i:0", "i:1", … at about {@code rate} records per second, resuming after its stored offset. */
    private static Map<String, Object> config(String topic, int tasks, int rate) {
        return Map.of("connector.class", SEQUENCE, "tasks.max", String.valueOf(tasks), "topic", topic,
                "count", String.valueOf(Integer.MAX_VALUE), "poll.delay.ms", "50", "batch", String.valueOf(Math.max(1, rate / 20)));
    }
}
