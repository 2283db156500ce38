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

    private record TaskKey(String connector, String task) {
    }

    private final MeterRegistry registry;
    private Map<TaskKey, Double> previous = Map.of();
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
        Map<TaskKey, Double> counts = new HashMap<>();
        readCounters(SOURCE_WRITE, counts);
        readCounters(SINK_SEND, counts);
        double seconds = (nowNanos - previousNanos) / 1e9;
        Map<String, Double> perSecond = new HashMap<>();
        counts.forEach((task, count) -> {
            Double before = previous.get(task);
            double growth = before == null || seconds <= 0 ? 0 : Math.max(0, count - before) / seconds;
            perSecond.merge(task.connector(), growth, Double::sum);
        });
        previous = counts;
        previousNanos = nowNanos;

        Map<String, Double> lags = sumGauges(RECORDS_LAG);
        sumGauges(RECORDS_LAG_MAX).forEach(lags::putIfAbsent);
        Map<String, Rate> out = new HashMap<>();
        perSecond.forEach((connector, rate) -> out.put(connector, new Rate(rate, lags.get(connector))));
        return out;
    }

    private void readCounters(String name, Map<TaskKey, Double> into) {
        for (Counter c : registry.find(name).counters()) {
            String connector = c.getId().getTag(MetricNames.TAG_CONNECTOR);
            if (connector != null) {
                into.put(new TaskKey(connector, c.getId().getTag(MetricNames.TAG_TASK)), c.count());
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
