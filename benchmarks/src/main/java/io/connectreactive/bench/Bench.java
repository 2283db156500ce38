package io.connectreactive.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.kafka.embedded.EmbeddedKafka;

/**
 * The end-to-end benchmark harness that {@code benchmarks/run} starts: one embedded broker on
 * 127.0.0.1 shared by every contender, then the scenarios (issue 9's runtime comparisons with the
 * same plugins, issue 3's built-in connector scenarios), each contender's runs interleaved with the
 * order rotated, then the table on stdout and, for a full run, the results files and charts in
 * {@code benchmarks/results/}.
 *
 * <pre>
 * Bench --repo DIR --bench DIR [--quick] [--scenarios file-source,...] [--runs N] [--lines N]
 *       [--tasks 100,1000] [--samples N] [--busy-tasks N] [--busy-seconds N] [--contenders cr,kc,raw,limit] [--results DIR]
 *       [--note TEXT]
 * </pre>
 */
public final class Bench {

    /** Every scenario, in the order a full run measures them. */
    static final List<String> ALL_SCENARIOS = List.of(
            RuntimeScenarios.FILE_SOURCE, RuntimeScenarios.FILE_SINK, RuntimeScenarios.STRUCT_SOURCE, RuntimeScenarios.STRUCT_SINK,
            RuntimeScenarios.PARALLEL_SOURCE, RuntimeScenarios.PARALLEL_SINK, RuntimeScenarios.MIRROR, BusyTasks.BUSY, BusySinks.BUSY,
            RuntimeScenarios.DEFAULTS, RuntimeScenarios.STARTUP, RuntimeScenarios.EOS_POLL, RuntimeScenarios.EOS_INTERVAL,
            RuntimeScenarios.EOS_MIRROR,
            Scenarios.SOURCE, Scenarios.SINK, Scenarios.LATENCY, Scenarios.FOOTPRINT);

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--quick")) {
                opts.put("quick", "true");
            } else if (a.startsWith("--") && i + 1 < args.length) {
                opts.put(a.substring(2), args[++i]);
            } else {
                System.err.println("unknown argument " + a);
                System.exit(2);
            }
        }
        boolean quick = opts.containsKey("quick");
        Path repo = Path.of(opts.getOrDefault("repo", "..")).toAbsolutePath().normalize();
        Path benchDir = Path.of(opts.getOrDefault("bench", ".")).toAbsolutePath().normalize();
        Path work = benchDir.resolve("work");
        long lines = Long.parseLong(opts.getOrDefault("lines", quick ? "50000" : "1000000"));
        // e.g. --note "the machine was shared with other builds": printed on the charts and in the results files
        String note = opts.getOrDefault("note", "");
        StringBuilder command = new StringBuilder("benchmarks/run");
        opts.forEach((k, v) -> {
            if (k.equals("quick")) {
                command.append(" --quick");
            } else if (!k.equals("repo") && !k.equals("bench") && !k.equals("note")) {
                command.append(" --").append(k).append(' ').append(v);
            }
        });
        int runs = Integer.parseInt(opts.getOrDefault("runs", quick ? "1" : "5"));
        int samples = Integer.parseInt(opts.getOrDefault("samples", quick ? "60" : "200"));
        List<Integer> tasks = new ArrayList<>();
        for (String t : opts.getOrDefault("tasks", quick ? "100" : "100,1000").split(",")) {
            tasks.add(Integer.parseInt(t.trim()));
        }
        List<Contender> contenders = new ArrayList<>();
        for (String c : opts.getOrDefault("contenders", "cr,kc,raw,limit").split(",")) {
            contenders.add(java.util.Arrays.stream(Contender.values()).filter(x -> x.id().equals(c.trim())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown contender " + c + " (cr, kc, raw, limit)")));
        }
        int busyTasks = Integer.parseInt(opts.getOrDefault("busy-tasks", quick ? "100" : "1000"));
        int busySeconds = Integer.parseInt(opts.getOrDefault("busy-seconds", quick ? "10" : "30"));
        List<String> scenarios = List.of(opts.getOrDefault("scenarios", String.join(",", ALL_SCENARIOS)).split(","));
        Path resultsDir = opts.containsKey("results") ? Path.of(opts.get("results")).toAbsolutePath()
                : quick ? work.resolve("results") : benchDir.resolve("results");

        Scenarios.deleteTree(work.resolve("broker"));
        Scenarios.deleteTree(work.resolve("runs"));
        Files.createDirectories(work);
        long started = System.nanoTime();
        System.out.printf("connect-reactive benchmarks (%s): %,d lines, %d run(s) per contender, scenarios %s%n",
                quick ? "quick" : "full", lines, runs, scenarios);
        Path sourceFile = work.resolve("data").resolve("lines-" + lines + ".txt");
        long sourceBytes = Records.writeLines(sourceFile, lines);

        Map<String, List<Metric>> results = new LinkedHashMap<>();
        try (EmbeddedKafka broker = new EmbeddedKafka(work.resolve("broker"), 0).start();
             Kafka kafka = new Kafka(broker.bootstrapServers())) {
            Setup setup = new Setup(quick, lines, runs, samples, tasks, repo, benchDir, work, broker.bootstrapServers(), contenders,
                    busyTasks, 100, busySeconds);
            Plugins.prepare(setup);
            Scenarios.deleteTree(work.resolve("cds"));
            WorkerProcess.prepareClassArchives(setup);
            Scenarios s = new Scenarios(setup, kafka, sourceFile, sourceBytes);
            RuntimeScenarios r = new RuntimeScenarios(setup, kafka, sourceFile, sourceBytes);
            for (String scenario : scenarios) {
                System.out.println();
                System.out.println("== " + scenario);
                List<Metric> metrics = switch (scenario.trim()) {
                    case RuntimeScenarios.FILE_SOURCE -> r.fileSource();
                    case RuntimeScenarios.FILE_SINK -> r.fileSink();
                    case RuntimeScenarios.STRUCT_SOURCE -> r.structSource();
                    case RuntimeScenarios.STRUCT_SINK -> r.structSink();
                    case RuntimeScenarios.PARALLEL_SOURCE -> r.parallelSource();
                    case RuntimeScenarios.PARALLEL_SINK -> r.parallelSink();
                    case RuntimeScenarios.MIRROR -> r.mirror();
                    case BusyTasks.BUSY -> new BusyTasks(setup, kafka).run();
                    case BusySinks.BUSY -> new BusySinks(setup, kafka).run();
                    case RuntimeScenarios.DEFAULTS -> r.defaults();
                    case RuntimeScenarios.STARTUP -> r.startup();
                    case RuntimeScenarios.EOS_POLL, RuntimeScenarios.EOS_INTERVAL -> r.exactlyOnceFileSource(scenario.trim());
                    case RuntimeScenarios.EOS_MIRROR -> r.mirror(RuntimeScenarios.EOS_MIRROR);
                    case Scenarios.SOURCE -> s.source();
                    case Scenarios.SINK -> s.sink();
                    case Scenarios.LATENCY -> s.latency();
                    case Scenarios.FOOTPRINT -> s.footprint();
                    case PostgresScenarios.SCENARIO -> new PostgresScenarios(setup, kafka, r).run();
                    default -> throw new IllegalArgumentException("unknown scenario " + scenario);
                };
                results.put(scenario.trim(), metrics);
                System.out.println();
                System.out.print(Report.table(metrics));
                // after every scenario, so that a run cut short still leaves what it measured
                write(setup, sourceBytes, results, resultsDir, note, command.toString(), started, false);
            }
            write(setup, sourceBytes, results, resultsDir, note, command.toString(), started, true);
        }
        System.exit(0);
    }

    /** The name this run's result files start with: today's date, or date-2, date-3, ... when an earlier run of today wrote its own. */
    private static String runName;

    private static String freeRunName(Path resultsDir, String date) {
        String name = date;
        for (int n = 2; Files.exists(resultsDir.resolve(name + "-summary.md")); n++) {
            name = date + "-" + n;
        }
        return name;
    }

    private static void write(Setup setup, long sourceBytes, Map<String, List<Metric>> results, Path resultsDir, String note,
                              String command, long started, boolean last) throws java.io.IOException {
        List<Metric> all = new ArrayList<>();
        results.values().forEach(all::addAll);
        if (runName == null) {
            runName = freeRunName(resultsDir, LocalDate.now().toString());
        }
        String date = runName;
        String chart = date + "-ratios.png";
        String subtitle = String.format("benchmarks/run%s, %s: medians of %d interleaved runs, %,d records%s",
                setup.quick() ? " --quick" : "", date, setup.runs(), setup.lines(), note.isEmpty() ? "" : "; " + note);
        Report.chart(all, resultsDir.resolve(chart), subtitle);
        for (Map.Entry<String, List<Metric>> e : results.entrySet()) {
            Report.chart(e.getValue(), resultsDir.resolve(date + "-" + e.getKey() + ".png"), e.getKey() + " — " + subtitle);
        }
        Path summary = Report.write(resultsDir, date, setup, sourceBytes, results, chart, note, command);
        if (!last) {
            return;
        }
        System.out.println();
        System.out.println("== results (medians; CR = connect-reactive, KC = Apache Kafka Connect 4.3.1, raw = plain Kafka clients, "
                + "limit = the same plugin in the simplest loop, no runtime)");
        System.out.println();
        System.out.print(Report.table(all));
        System.out.println();
        System.out.print(Report.targets(all));
        System.out.print(Report.notes(all));
        System.out.println();
        System.out.print(Report.context(setup, sourceBytes));
        System.out.printf("%nResults: %s (chart %s); took %.1f min%n", summary, resultsDir.resolve(chart),
                (System.nanoTime() - started) / 60e9);
    }
}
