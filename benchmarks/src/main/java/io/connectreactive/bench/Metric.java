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

    /** A target: its wording and a check on the medians (null: cannot tell). */
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

    /** connect-reactive's median at least {@code limit} (e.g. a delivered share). */
    static Target atLeast(String text, double limit) {
        return new Target(text, m -> {
            double v = m.median(Contender.CONNECT_REACTIVE);
            return Double.isNaN(v) ? null : v >= limit;
        });
    }

    /**
     * Issue 18's rate target: connect-reactive's median at least 0.9× the limit loop's and never below Kafka
     * Connect's (at least 1.3× Kafka Connect's where Kafka Connect's own overhead over the limit is larger than
     * that, i.e. its rate is below the limit's / 1.3). Null while the limit loop was not measured.
     */
    static Target rateVsLimit() {
        return new Target("≥ 0.9× the limit loop, ≥ 1.0× Kafka Connect (≥ 1.3× where Kafka Connect < limit / 1.3)", m -> {
            double limit = m.ratio(Contender.LIMIT);
            if (Double.isNaN(limit)) {
                return null;
            }
            double kc = m.ratio(Contender.KAFKA_CONNECT);
            double kcOverLimit = m.ratio(Contender.KAFKA_CONNECT, Contender.LIMIT);
            boolean ok = limit >= 0.9;
            if (!Double.isNaN(kc)) {
                ok &= kc >= (kcOverLimit < 1 / 1.3 ? 1.3 : 1.0);
            }
            return ok;
        });
    }

    /** Issue 18's CPU target: connect-reactive's CPU per record at most 1.15× the limit loop's. */
    static Target cpuVsLimit() {
        return new Target("≤ 1.15× the limit loop", m -> {
            double limit = m.ratio(Contender.LIMIT);
            return Double.isNaN(limit) ? null : limit <= 1.15;
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
