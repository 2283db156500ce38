package io.connectreactive.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One measured quantity of a scenario (e.g. source records/s): every run's value per contender,
 * their medians, the ratios connect-reactive / Kafka Connect, connect-reactive / raw and each
 * runtime / the limit loop, and the target for it if it has one. Filled on the harness's
 * main thread.
 */
final class Metric {

    /** A target of issue 3: its wording and a check on the medians (null: cannot tell). */
    record Target(String text, Function<Metric, Boolean> check) {
    }

    final String scenario;
    final String name;
    final String unit;
    final boolean higherIsBetter;
    final Target target;
    private final Map<Contender, List<Double>> values = new EnumMap<>(Contender.class);
    private final List<String> notes = new ArrayList<>();

    Metric(String scenario, String name, String unit, boolean higherIsBetter, Target target) {
        this.scenario = scenario;
        this.name = name;
        this.unit = unit;
        this.higherIsBetter = higherIsBetter;
        this.target = target;
    }

    void add(Contender c, double value) {
        values.computeIfAbsent(c, k -> new ArrayList<>()).add(value);
    }

    void note(String note) {
        if (!notes.contains(note)) {
            notes.add(note);
        }
    }

    List<String> notes() {
        return notes;
    }

    boolean has(Contender c) {
        return values.containsKey(c);
    }

    List<Double> values(Contender c) {
        return values.getOrDefault(c, List.of());
    }

    /** The median of the runs that produced a value (NaN marks a failed run); NaN if none did. */
    double median(Contender c) {
        List<Double> ok = new ArrayList<>();
        for (double v : values(c)) {
            if (!Double.isNaN(v)) {
                ok.add(v);
            }
        }
        if (ok.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(ok);
        int n = ok.size();
        return n % 2 == 1 ? ok.get(n / 2) : (ok.get(n / 2 - 1) + ok.get(n / 2)) / 2;
    }

    /** The smallest (or, with {@code max}, largest) value of the runs that produced one; NaN if none did. */
    double extreme(Contender c, boolean max) {
        return values(c).stream().filter(v -> !Double.isNaN(v)).mapToDouble(Double::doubleValue)
                .reduce(max ? Math::max : Math::min).orElse(Double.NaN);
    }

    /** connect-reactive's median over {@code other}'s; NaN when either is missing. */
    double ratio(Contender other) {
        return ratio(Contender.CONNECT_REACTIVE, other);
    }

    /** {@code c}'s median over {@code other}'s (e.g. Kafka Connect / limit); NaN when either is missing. */
    double ratio(Contender c, Contender other) {
        return median(c) / median(other);
    }

    /** Whether connect-reactive meets the target: null without a target or without the numbers. */
    Boolean met() {
        if (target == null) {
            return null;
        }
        return target.check().apply(this);
    }

    String direction() {
        return higherIsBetter ? "higher is better" : "lower is better";
    }

    // --- targets used by the scenarios

    static Target atMost(String text, double limit) {
        return new Target(text, m -> {
            double v = m.median(Contender.CONNECT_REACTIVE);
            return Double.isNaN(v) ? null : v <= limit;
        });
    }

    /** connect-reactive's median at most {@code vsKafkaConnect} times Kafka Connect's (e.g. CPU per record). */
    static Target ratioAtMost(String text, double vsKafkaConnect) {
        return new Target(text, m -> {
            double kc = m.ratio(Contender.KAFKA_CONNECT);
            return Double.isNaN(kc) ? null : kc <= vsKafkaConnect;
        });
    }

    /** connect-reactive's median at least {@code limit} (e.g. a delivered share). */
    static Target atLeast(String text, double limit) {
        return new Target(text, m -> {
            double v = m.median(Contender.CONNECT_REACTIVE);
            return Double.isNaN(v) ? null : v >= limit;
        });
    }

    static Target ratiosAtLeast(String text, double vsKafkaConnect, double vsRaw) {
        return new Target(text, m -> {
            double kc = m.ratio(Contender.KAFKA_CONNECT);
            double raw = m.ratio(Contender.RAW);
            boolean known = false;
            boolean ok = true;
            if (vsKafkaConnect > 0 && !Double.isNaN(kc)) {
                known = true;
                ok &= kc >= vsKafkaConnect;
            }
            if (vsRaw > 0 && !Double.isNaN(raw)) {
                known = true;
                ok &= raw >= vsRaw;
            }
            return known ? ok : null;
        });
    }
}
