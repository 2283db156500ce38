package io.connectreactive.metrics;

import java.util.HashMap;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Per-connector throughput and sink lag, read from the meters the tasks already keep, for the
 * dashboard's live view ({@code rest/DashboardFeed}). A source's rate is records written to Kafka per
 * second ({@code source-record-write}), a sink's records handed to its task per second
 * ({@code sink-record-send}): the growth of each task's counter between two samples, summed over the
 * connector's tasks (a task that appeared or went away between them counts from its next sample, so
 * a restart never shows a negative rate). A sink's lag is the sum of its consumers' per-partition
 * {@code records-lag}, or, before Micrometer's Kafka binder registered those, the sum of the tasks'
 * {@code records-lag-max}; null for a connector without either.
 *
 * <p>Not thread-safe: one owner calls {@link #sample(long)}, always on the same context.
 */
public final class ConnectorRates {

    static final String SOURCE_WRITE = MetricNames.SOURCE + "source.record.write";
    static final String SINK_SEND = MetricNames.SINK + "sink.record.send";
    static final String RECORDS_LAG = "kafka.consumer.fetch.manager.records.lag";
    static final String RECORDS_LAG_MAX = "kafka.consumer.fetch.manager.records.lag.max";

    /** One connector's rate in records per second and its lag in records (null when unknown). */
    public record Rate(double perSecond, Double lag) {
    }

    private static final char SEPARATOR = '\0';

    private final MeterRegistry registry;
    private Map<String, Double> previous = Map.of();
    private long previousNanos;

    public ConnectorRates(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * The rates since the previous call (0 on the first call) of every connector that has tasks with
     * meters on this worker, by connector name.
     *
     * @param nowNanos {@link System#nanoTime()}
     */
    public Map<String, Rate> sample(long nowNanos) {
        return sample(nowNanos, Map.of(), Map.of());
    }

    /**
     * As {@link #sample(long)}, with the task counters and lags other workers of a cluster reported
     * ({@link #taskCounts()} and {@link #lags()} of theirs) added to this worker's.
     */
    public Map<String, Rate> sample(long nowNanos, Map<String, Double> otherCounts, Map<String, Double> otherLags) {
        Map<String, Double> counts = new HashMap<>(otherCounts);
        counts.putAll(taskCounts());
        double seconds = (nowNanos - previousNanos) / 1e9;
        Map<String, Double> perSecond = new HashMap<>();
        counts.forEach((task, count) -> {
            Double before = previous.get(task);
            double growth = before == null || seconds <= 0 ? 0 : Math.max(0, count - before) / seconds;
            perSecond.merge(task.substring(0, task.indexOf(SEPARATOR)), growth, Double::sum);
        });
        previous = counts;
        previousNanos = nowNanos;

        Map<String, Double> lags = lags();
        otherLags.forEach((connector, lag) -> lags.merge(connector, lag, Double::sum));
        Map<String, Rate> out = new HashMap<>();
        perSecond.forEach((connector, rate) -> out.put(connector, new Rate(rate, lags.get(connector))));
        return out;
    }

    /** This worker's records counters of every task (source writes, sink sends), keyed {@code <connector>\0<task>}. */
    public Map<String, Double> taskCounts() {
        Map<String, Double> counts = new HashMap<>();
        readCounters(SOURCE_WRITE, counts);
        readCounters(SINK_SEND, counts);
        return counts;
    }

    /** This worker's sink lag per connector (see the class comment). */
    public Map<String, Double> lags() {
        Map<String, Double> lags = sumGauges(RECORDS_LAG);
        sumGauges(RECORDS_LAG_MAX).forEach(lags::putIfAbsent);
        return lags;
    }

    private void readCounters(String name, Map<String, Double> into) {
        for (Counter c : registry.find(name).counters()) {
            String connector = c.getId().getTag(MetricNames.TAG_CONNECTOR);
            if (connector != null) {
                into.put(connector + SEPARATOR + c.getId().getTag(MetricNames.TAG_TASK), c.count());
            }
        }
    }

    private Map<String, Double> sumGauges(String name) {
        Map<String, Double> sums = new HashMap<>();
        for (Gauge g : registry.find(name).gauges()) {
            String connector = g.getId().getTag(MetricNames.TAG_CONNECTOR);
            double v = g.value();
            if (connector != null && Double.isFinite(v)) {
                sums.merge(connector, Math.max(0, v), Double::sum);
            }
        }
        return sums;
    }
}
