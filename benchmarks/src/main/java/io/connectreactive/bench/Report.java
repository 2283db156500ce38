package io.connectreactive.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Turns metrics into the console table, the results Markdown files and the PNG chart of the
 * ratios. Called on the harness's main thread once measuring is over.
 */
final class Report {

    private Report() {
    }

    // ------------------------------------------------------------------ tables

    /** The headline table: medians, ratios (to Kafka Connect, to raw, each runtime to the limit loop), targets. */
    static String table(List<Metric> metrics) {
        StringBuilder sb = new StringBuilder();
        sb.append("| scenario | metric | connect-reactive | Kafka Connect | raw client | limit loop | CR / KC | CR / raw "
                + "| CR / limit | KC / limit | target | met |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
        for (Metric m : metrics) {
            sb.append("| ").append(m.scenario)
                    .append(" | ").append(m.name).append(" (").append(m.unit).append(", ").append(m.higherIsBetter ? "↑" : "↓").append(")")
                    .append(" | ").append(value(m, Contender.CONNECT_REACTIVE))
                    .append(" | ").append(value(m, Contender.KAFKA_CONNECT))
                    .append(" | ").append(value(m, Contender.RAW))
                    .append(" | ").append(value(m, Contender.LIMIT))
                    .append(" | ").append(ratio(m, Contender.CONNECT_REACTIVE, Contender.KAFKA_CONNECT))
                    .append(" | ").append(ratio(m, Contender.CONNECT_REACTIVE, Contender.RAW))
                    .append(" | ").append(ratio(m, Contender.CONNECT_REACTIVE, Contender.LIMIT))
                    .append(" | ").append(ratio(m, Contender.KAFKA_CONNECT, Contender.LIMIT))
                    .append(" | ").append(m.target == null ? "" : m.target.text())
                    .append(" | ").append(met(m.met()))
                    .append(" |\n");
        }
        return sb.toString();
    }

    /**
     * Every run's value, in run order, then min / median / max, so the medians and the spread can be
     * checked; then the per-round ratios CR / KC, CR / limit and KC / limit.
     */
    static String runsTable(List<Metric> metrics) {
        StringBuilder sb = new StringBuilder();
        sb.append("| metric");
        for (Contender c : Contender.values()) {
            sb.append(" | ").append(c.label).append(" runs (min / median / max)");
        }
        sb.append(" | CR / KC per round (median) | CR / limit per round (median) | KC / limit per round (median) |\n|---");
        sb.append("|---".repeat(Contender.values().length + 3)).append("|\n");
        for (Metric m : metrics) {
            sb.append("| ").append(m.name).append(" (").append(m.unit).append(")");
            for (Contender c : Contender.values()) {
                List<String> vs = new ArrayList<>();
                m.values(c).forEach(v -> vs.add(format(v)));
                sb.append(" | ").append(String.join(", ", vs));
                if (!vs.isEmpty()) {
                    sb.append(" (").append(format(m.extreme(c, false))).append(" / ").append(format(m.median(c)))
                            .append(" / ").append(format(m.extreme(c, true))).append(")");
                }
            }
            sb.append(" | ").append(perRound(m, Contender.CONNECT_REACTIVE, Contender.KAFKA_CONNECT))
                    .append(" | ").append(perRound(m, Contender.CONNECT_REACTIVE, Contender.LIMIT))
                    .append(" | ").append(perRound(m, Contender.KAFKA_CONNECT, Contender.LIMIT)).append(" |\n");
        }
        return sb.toString();
    }

    /**
     * {@code c}'s run over {@code other}'s run of the same round, per round, and their median: on a
     * machine whose load drifts, a ratio of two runs made minutes apart is steadier than the ratio of
     * two medians.
     */
    static String perRound(Metric m, Contender c, Contender other) {
        List<Double> cr = m.values(c);
        List<Double> kc = m.values(other);
        if (cr.isEmpty() || cr.size() != kc.size()) {
            return "";
        }
        List<Double> ratios = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < cr.size(); i++) {
            double r = cr.get(i) / kc.get(i);
            shown.add(Double.isNaN(r) || Double.isInfinite(r) ? "n/a" : String.format(Locale.ROOT, "%.2f", r));
            if (!Double.isNaN(r) && !Double.isInfinite(r)) {
                ratios.add(r);
            }
        }
        if (ratios.isEmpty()) {
            return String.join(", ", shown);
        }
        java.util.Collections.sort(ratios);
        int n = ratios.size();
        double median = n % 2 == 1 ? ratios.get(n / 2) : (ratios.get(n / 2 - 1) + ratios.get(n / 2)) / 2;
        return String.join(", ", shown) + String.format(Locale.ROOT, " (%.2f×)", median);
    }

    static String notes(List<Metric> metrics) {
        StringBuilder sb = new StringBuilder();
        for (Metric m : metrics) {
            for (String n : m.notes()) {
                sb.append("- ").append(m.scenario).append(", ").append(m.name).append(": ").append(n).append('\n');
            }
        }
        return sb.toString();
    }

    /** One line per target (issue 18's against the limit loop; issue 3's for the native connectors): met, or missed and by how much. */
    static String targets(List<Metric> metrics) {
        StringBuilder sb = new StringBuilder();
        for (Metric m : metrics) {
            Boolean met = m.met();
            if (m.target == null) {
                continue;
            }
            double cr = m.median(Contender.CONNECT_REACTIVE);
            sb.append("- ").append(m.scenario).append(": ").append(m.name).append(", target ").append(m.target.text()).append(": ");
            if (met == null) {
                sb.append("not measured\n");
            } else if (met) {
                sb.append("met (").append(format(cr)).append(' ').append(m.unit).append(")\n");
            } else {
                sb.append("**missed**: ").append(format(cr)).append(' ').append(m.unit);
                if (m.has(Contender.KAFKA_CONNECT)) {
                    sb.append(String.format(Locale.ROOT, ", %.2f× Kafka Connect", m.ratio(Contender.KAFKA_CONNECT)));
                }
                if (m.has(Contender.RAW)) {
                    sb.append(String.format(Locale.ROOT, ", %.2f× raw", m.ratio(Contender.RAW)));
                }
                if (m.has(Contender.LIMIT)) {
                    sb.append(String.format(Locale.ROOT, ", %.2f× the limit loop", m.ratio(Contender.LIMIT)));
                }
                sb.append('\n');
            }
        }
        return sb.isEmpty() ? "" : "## Targets\n\n" + sb + "\n";
    }

    private static String value(Metric m, Contender c) {
        return m.has(c) ? format(m.median(c)) : "–";
    }

    private static String ratio(Metric m, Contender c, Contender other) {
        if (!m.has(c) || !m.has(other)) {
            return "–";
        }
        double r = m.ratio(c, other);
        return Double.isNaN(r) || Double.isInfinite(r) ? "n/a" : String.format(Locale.ROOT, "%.2f×", r);
    }

    private static String met(Boolean met) {
        return met == null ? "" : met ? "yes" : "**no**";
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    // ------------------------------------------------------------------ context

    /** The machine and what every contender shared. */
    static String context(Setup setup, long sourceBytes) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        StringBuilder sb = new StringBuilder();
        sb.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(String.format(Locale.ROOT, "%.1f GiB", os.getTotalMemorySize() / (1024.0 * 1024 * 1024))).append(" memory, ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version")).append(", ")
                .append(cpuModel()).append('\n');
        sb.append("- Java: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version")).append('\n');
        sb.append("- contender JVMs: `").append(String.join(" ", Setup.JVM_FLAGS)).append("`, each a fresh JVM per run\n");
        sb.append("- broker: one embedded KRaft broker (Kafka 4.3.1) in the harness JVM on 127.0.0.1, shared by all contenders; 1-partition topics unless the scenario says 8\n");
        sb.append("- records: ").append(String.format(Locale.ROOT, "%,d", setup.lines())).append(" lines of ")
                .append(Records.LINE_CHARS).append(" characters + newline (")
                .append(String.format(Locale.ROOT, "%.1f MB", sourceBytes / 1e6))
                .append("), values as JsonConverter envelopes with schemas (`{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"...\"}`), no key\n");
        sb.append("- producer settings (workers' `producer.*` and the raw producer): `");
        List<String> kv = new ArrayList<>();
        Setup.producerSettings().forEach((k, v) -> kv.add(k + "=" + v));
        sb.append(String.join(", ", kv)).append("`\n");
        sb.append("- workers: key/value JsonConverter with `schemas.enable=true`, `offset.flush.interval.ms=")
                .append(Setup.OFFSET_FLUSH_INTERVAL_MS).append("` (offset commits inside every measured window), REST on a free 127.0.0.1 port; "
                        + "Kafka Connect 4.3.1 `ConnectStandalone`; built-in scenarios: `plugin.path` unset (connect-file on Kafka Connect's class path)\n");
        sb.append("- contender JVMs also get `-Xlog:gc:file=...` (GC pauses and heap after GC are read from it) and, for warm starts "
                + "(every scenario but the cold half of `startup`), `-XX:SharedArchiveFile=` with the runtime's own class-data archive, "
                + "written the same way for both; connect-reactive runs as the java command bin/connect-reactive runs\n");
        sb.append("- same-plugin scenarios: `plugin.path` = a directory holding Apache's connect-file-4.3.1.jar and the benchmarks' "
                + "fixed-rate test connector, on both runtimes (connect-file then not on Kafka Connect's class path); full class names\n");
        sb.append("- limit loop: the scenario's connector and tasks from the same plugin.path / class path, loaded with Kafka Connect's "
                + "`Plugins` (Kafka Connect's class path), the workers' converters and `producer.*` on top of Kafka Connect's base "
                + "producer/consumer settings, one producer or consumer per task, one thread per task, the workers' JVM flags and GC log, "
                + "no class-data archive; its clock starts at GO (plugins loaded, connectors not yet started)\n");
        sb.append("- throughput: end-to-end = clock start (connector creation, worker already answering REST) → last record; steady state "
                + "and CPU per record = the window from 10 % to 90 % of the records (CPU: utime+stime of the contender JVM from /proc/PID/stat); "
                + "GC pauses: stop-the-world pauses that began in that window\n");
        sb.append("- runs: median of ").append(setup.runs()).append(" interleaved runs per contender (order rotated: A B C, B C A, C A B, ...); "
                + "min and max in each scenario's runs table\n");
        return sb.toString();
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    // ------------------------------------------------------------------ chart

    /**
     * A horizontal bar chart of the ratios connect-reactive / Kafka Connect, connect-reactive / raw,
     * connect-reactive / limit loop and Kafka Connect / limit loop on a logarithmic axis, with a line at 1 (parity). Each category says whether higher or
     * lower is better for connect-reactive.
     */
    static void chart(List<Metric> metrics, Path png, String subtitle) throws IOException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Metric m : metrics) {
            String category = m.name + " [" + m.unit + "] " + (m.higherIsBetter ? "(↑ better)" : "(↓ better)");
            addRatio(data, m, Contender.CONNECT_REACTIVE, Contender.KAFKA_CONNECT, "connect-reactive / Kafka Connect", category);
            addRatio(data, m, Contender.CONNECT_REACTIVE, Contender.RAW, "connect-reactive / raw client", category);
            addRatio(data, m, Contender.CONNECT_REACTIVE, Contender.LIMIT, "connect-reactive / limit loop", category);
            addRatio(data, m, Contender.KAFKA_CONNECT, Contender.LIMIT, "Kafka Connect / limit loop", category);
        }
        LogAxis axis = new LogAxis("ratio (log scale; 1 = parity)");
        axis.setSmallestValue(0.001);
        axis.setBase(10);
        axis.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(0.5));
        axis.setNumberFormatOverride(new java.text.DecimalFormat("0.###'×'"));
        BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setBase(1.0);
        // one colour per ratio, whichever of them a chart has
        Map<String, Color> colours = Map.of("connect-reactive / Kafka Connect", new Color(0x1f77b4),
                "connect-reactive / raw client", new Color(0xff7f0e), "connect-reactive / limit loop", new Color(0x2ca02c),
                "Kafka Connect / limit loop", new Color(0x9467bd));
        for (int i = 0; i < data.getRowCount(); i++) {
            renderer.setSeriesPaint(i, colours.getOrDefault(String.valueOf(data.getRowKey(i)), Color.GRAY));
        }
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new java.text.DecimalFormat("0.00'×'")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        renderer.setItemMargin(0.05);
        CategoryAxis categories = new CategoryAxis();
        categories.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        categories.setMaximumCategoryLabelWidthRatio(0.45f);
        CategoryPlot plot = new CategoryPlot(data, categories, axis, renderer);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xcccccc));
        ValueMarker parity = new ValueMarker(1.0, Color.BLACK, new BasicStroke(1.5f));
        plot.addRangeMarker(parity);
        JFreeChart chart = new JFreeChart("connect-reactive vs Apache Kafka Connect, the raw Kafka clients and the limit loop",
                new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
        chart.addSubtitle(new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
        chart.setBackgroundPaint(Color.WHITE);
        int height = 120 + 38 * Math.max(1, data.getColumnCount());
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1200, height);
    }

    private static void addRatio(DefaultCategoryDataset data, Metric m, Contender c, Contender other, String series, String category) {
        if (!m.has(c) || !m.has(other)) {
            return;
        }
        double r = m.ratio(c, other);
        if (!Double.isNaN(r) && !Double.isInfinite(r) && r > 0) {
            data.addValue(r, series, category);
        }
    }

    /** What runs on each side in a scenario, and what still differs. */
    static String description(String scenario) {
        if (RuntimeScenarios.DESCRIPTIONS.containsKey(scenario)) {
            return RuntimeScenarios.DESCRIPTIONS.get(scenario);
        }
        if (Scenarios.DESCRIPTIONS.containsKey(scenario)) {
            return Scenarios.DESCRIPTIONS.get(scenario);
        }
        return BusyTasks.BUSY.equals(scenario) ? BusyTasks.DESCRIPTION : BusySinks.BUSY.equals(scenario) ? BusySinks.DESCRIPTION : "";
    }

    /** Writes {@code dir/<date>-<scenario>.md} per scenario and {@code <date>-summary.md}; returns the summary. */
    static Path write(Path dir, String date, Setup setup, long sourceBytes, Map<String, List<Metric>> byScenario,
                      String chartFile, String note, String command) throws IOException {
        String conditions = note.isEmpty() ? "" : "**Conditions:** " + note + "\n\n";
        Files.createDirectories(dir);
        List<Metric> all = new ArrayList<>();
        byScenario.values().forEach(all::addAll);
        String context = context(setup, sourceBytes);
        for (Map.Entry<String, List<Metric>> e : byScenario.entrySet()) {
            String scenarioChart = date + "-" + e.getKey() + ".png";
            String md = "# Benchmark " + date + ": " + e.getKey() + "\n\n"
                    + "Command: `" + command + "`\n\n"
                    + "**What runs on each side:** " + description(e.getKey()) + "\n\n"
                    + conditions
                    + table(e.getValue()) + "\n"
                    + "![" + e.getKey() + "](" + scenarioChart + ")\n\n"
                    + "CR = connect-reactive, KC = Apache Kafka Connect 4.3.1, raw = a plain KafkaProducer/KafkaConsumer "
                    + "(the physical limit), limit = the same plugin's tasks in the simplest correct loop, no runtime around them "
                    + "(what a runtime could reach with this plugin). Ratios are of medians (per round in the runs table); ↑/↓ says "
                    + "which direction is better.\n\n"
                    + targets(e.getValue())
                    + "## Runs\n\n" + runsTable(e.getValue()) + "\n"
                    + (notes(e.getValue()).isEmpty() ? "" : "## Notes\n\n" + notes(e.getValue()) + "\n")
                    + "## Setup\n\n" + context
                    + "\nChart of all ratios: [" + chartFile + "](" + chartFile + ")\n";
            Files.writeString(dir.resolve(date + "-" + e.getKey() + ".md"), md);
        }
        Path summary = dir.resolve(date + "-summary.md");
        Files.writeString(summary, "# Benchmark " + date + ": summary\n\n"
                + "Command: `" + command + "`\n\n" + conditions
                + table(all) + "\n![ratios](" + chartFile + ")\n\n"
                + targets(all)
                + "## Setup\n\n" + context
                + (notes(all).isEmpty() ? "" : "\n## Notes\n\n" + notes(all)));
        return summary;
    }
}
