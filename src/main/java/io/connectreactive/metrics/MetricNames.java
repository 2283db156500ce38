package io.connectreactive.metrics;

/**
 * Micrometer meter names of Kafka Connect's metric groups. The rule, applied one to one so that
 * dashboards translate: a group {@code X-metrics} becomes the prefix {@code kafka.connect.X.} (dashes to
 * dots; {@code connect-worker-metrics} becomes {@code kafka.connect.worker.}); a metric name has its dashes
 * turned to dots; a {@code *-total} metric is a Counter without the {@code total} (Prometheus adds
 * {@code _total}; its {@code *-rate} is {@code rate(..._total[1m])}); a {@code *-max/avg-time-ms} pair is
 * one Timer named {@code *.time} (Prometheus {@code _seconds_max}, {@code _seconds_sum/_count}); a
 * {@code *-max/avg} pair of sizes is one DistributionSummary ({@code _max}, {@code _sum/_count}).
 * String-valued metrics (status, class, version) are gauges of value 1 with the string as a tag.
 * Constants only; used by the classes of this package.
 */
public final class MetricNames {

    public static final String CONNECTOR = "kafka.connect.connector.";
    public static final String TASK = "kafka.connect.connector.task.";
    public static final String SOURCE = "kafka.connect.source.task.";
    public static final String SINK = "kafka.connect.sink.task.";
    public static final String ERROR = "kafka.connect.task.error.";
    public static final String WORKER = "kafka.connect.worker.";
    /** connect-worker-rebalance-metrics (clustered mode). */
    public static final String REBALANCE = "kafka.connect.worker.rebalance.";
    /** connect-reactive's own meters (no Kafka Connect counterpart). */
    public static final String OWN = "connect.reactive.";

    /** Tag keys, as Kafka Connect's. */
    public static final String TAG_CONNECTOR = "connector";
    public static final String TAG_TASK = "task";

    private MetricNames() {
    }
}
