package io.connectreactive.bench.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.connectreactive.kafka.embedded.EmbeddedKafka;

/**
 * The cluster benchmark that {@code benchmarks/failover} starts: one embedded broker in this JVM, then
 * for each contender (connect-reactive; Kafka Connect 4.3.1 distributed with
 * {@code scheduled.rebalance.max.delay.ms=0}; in a full run also once with its defaults) fresh
 * three-worker clusters for the failover and the rebalance scenarios ({@link Scenarios}). Contenders
 * are interleaved run by run. Prints a table and writes {@code <results>/<date>-cluster.md} (or
 * {@code <date>-<n>-cluster.md} when an earlier run of the day wrote that).
 *
 * <p>Options: {@code --repo DIR --bench DIR} (set by the script), {@code --quick} (20 connectors, one
 * run, no 5-minute Kafka Connect default run), {@code --runs N}, {@code --connectors N},
 * {@code --contenders cr,kc0,kc}, {@code --results DIR}.
 */
public final class ClusterBench {

    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        Path repo = null;
        Path bench = null;
        Path results = null;
        boolean quick = false;
        int runs = 1;
        Integer connectors = null;
        List<String> contenders = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repo" -> repo = Path.of(args[++i]).toAbsolutePath();
                case "--bench" -> bench = Path.of(args[++i]).toAbsolutePath();
                case "--results" -> results = Path.of(args[++i]).toAbsolutePath();
                case "--quick" -> quick = true;
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--connectors" -> connectors = Integer.parseInt(args[++i]);
                case "--contenders" -> contenders = Arrays.asList(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (repo == null || bench == null) {
            throw new IllegalArgumentException("--repo and --bench are required (benchmarks/failover sets them)");
        }
        int n = connectors != null ? connectors : quick ? 20 : 100;
        if (contenders == null) {
            contenders = quick ? List.of("cr", "kc0") : List.of("cr", "kc0", "kc");
        }
        if (results == null) {
            results = quick ? bench.resolve("target/cluster-work/results") : bench.resolve("results");
        }
        Path work = bench.resolve("target/cluster-work");
        deleteTree(work.resolve("run"));
        Files.createDirectories(work.resolve("run"));

        String loadBefore = Scenarios.load();
        long began = System.nanoTime();
        List<Scenarios.Result> all = new ArrayList<>();
        Duration timeout = Duration.ofMinutes(2);
        try (EmbeddedKafka broker = new EmbeddedKafka(work.resolve("run/broker"), 0).start()) {
            Scenarios s = new Scenarios(new Cluster.Paths(repo, bench, Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                    broker.bootstrapServers(), work.resolve("run"));
            for (int run = 1; run <= runs; run++) {
                for (Flavor f : List.of(Flavor.CONNECT_REACTIVE, Flavor.KAFKA_CONNECT_NO_DELAY)) {
                    if (!contenders.contains(f.id())) {
                        continue;
                    }
                    int k = run;
                    int count = n;
                    Scenarios.Result r = new Scenarios.Result(f, run);
                    all.add(r);
                    System.out.println("== run " + run + ": " + f.label() + " (load " + Scenarios.load() + ")");
                    guarded(r, () -> s.failover(r, f.id() + "-fo-" + k, true, timeout));
                    // generous: on the loaded 2-core machine a worker JVM took up to 3 minutes to answer REST
                    guarded(r, () -> s.rebalance(r, f.id() + "-rb-" + k, count, Duration.ofMinutes(6)));
                    r.put("load1x100", (long) (Double.parseDouble(Scenarios.load().split(" ")[0]) * 100));
                }
            }
            if (contenders.contains("kc")) {
                Flavor f = Flavor.KAFKA_CONNECT_DEFAULT;
                Scenarios.Result r = new Scenarios.Result(f, 1);
                all.add(r);
                System.out.println("== " + f.label() + ": failover of a follower only, up to 7 minutes (load " + Scenarios.load() + ")");
                guarded(r, () -> s.failover(r, "kc-fo-1", false, Duration.ofMinutes(7)));
                r.put("load1x100", (long) (Double.parseDouble(Scenarios.load().split(" ")[0]) * 100));
            }
        }
        long minutes = (System.nanoTime() - began) / 60_000_000_000L;
        String table = Report.table(all);
        System.out.println();
        System.out.println(table);
        Files.createDirectories(results);
        String date = LocalDate.now(ZoneOffset.UTC).toString();
        Path out = results.resolve(date + "-cluster.md");
        for (int k = 2; Files.exists(out); k++) { // a second run of the day keeps the first's results
            out = results.resolve(date + "-" + k + "-cluster.md");
        }
        Files.writeString(out, Report.markdown(all, table, n, runs, quick, loadBefore, Scenarios.load(), minutes));
        System.out.println("written " + out);
    }

    interface Body {
        void run() throws Exception;
    }

    /** Runs a scenario; a failure becomes a note of the result and the next scenario runs. */
    private static void guarded(Scenarios.Result r, Body body) {
        try {
            body.run();
        } catch (Exception | AssertionError e) {
            r.note("scenario failed: " + e);
            e.printStackTrace();
        }
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }
}
