package io.connectreactive.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import io.connectreactive.model.TaskId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.clients.producer.Producer;

/**
 * One task's meters: Kafka Connect's {@code connector-task-metrics} (batch size, offset commits),
 * {@code source-task-metrics} or {@code sink-task-metrics}, and {@code task-error-metrics}
 * ({@link #errors()}), tagged {@code connector} and {@code task}. Created by the task's lifecycle
 * ({@code TaskLifecycleVerticle}) when the task is deployed and {@link #close() closed} when it stops,
 * which removes its meters. The pipelines call it once per batch, not per record; every method is
 * thread-safe. A method of the other kind (a sink method on a source task) does nothing.
 */
public final class TaskMetrics implements AutoCloseable {

    private final ConnectMetrics owner;
    private final boolean source;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();
    private final TaskErrorMetrics errors;

    private final DistributionSummary batchSize;
    private final Timer offsetCommit;
    private final Counter commitSuccess;
    private final Counter commitFailure;

    private Counter polled;
    private Counter written;
    private Timer pollBatch;
    private DistributionSummary activeSampled;
    private Counter read;
    private Counter sent;
    private Timer putBatch;
    private Counter commitCompleted;
    private Counter commitSkipped;
    /** Registered by the first committed transaction (exactly-once source tasks only, as in Kafka Connect). */
    private volatile DistributionSummary transactionSize;
    /** The smallest committed transaction's size (transaction-size-min); written on the task's thread. */
    private volatile int transactionSizeMin = Integer.MAX_VALUE;
    private volatile IntSupplier active = () -> 0;
    private volatile IntSupplier partitions = () -> 0;

    TaskMetrics(ConnectMetrics owner, TaskId id, boolean source) {
        this.owner = owner;
        this.source = source;
        MeterRegistry r = owner.registry();
        this.tags = Tags.of(MetricNames.TAG_CONNECTOR, id.connector(), MetricNames.TAG_TASK, String.valueOf(id.task()));
        batchSize = add(DistributionSummary.builder(MetricNames.TASK + "batch.size")
                .description("Records per batch (batch-size-max/avg)").tags(tags).register(r));
        offsetCommit = add(Timer.builder(MetricNames.TASK + "offset.commit.time")
                .description("Offset commits (offset-commit-max/avg-time-ms)").tags(tags).register(r));
        commitSuccess = add(Counter.builder(MetricNames.TASK + "offset.commit.success").tags(tags).register(r));
        commitFailure = add(Counter.builder(MetricNames.TASK + "offset.commit.failure").tags(tags).register(r));
        add(Gauge.builder(MetricNames.TASK + "offset.commit.success.percentage", this, m -> m.percentage(true))
                .description("Share of offset commits that succeeded, 0 to 1").tags(tags).register(r));
        add(Gauge.builder(MetricNames.TASK + "offset.commit.failure.percentage", this, m -> m.percentage(false))
                .description("Share of offset commits that failed, 0 to 1").tags(tags).register(r));
        add(Gauge.builder(MetricNames.OWN + "task.records.in.flight", this, m -> m.active.getAsInt())
                .description("Records read from the task not yet acknowledged by Kafka (source), or in the task's hand (sink)")
                .tags(tags).register(r));
        String p = source ? MetricNames.SOURCE : MetricNames.SINK;
        if (source) {
            polled = add(Counter.builder(p + "source.record.poll").description("Records produced by the task").tags(tags).register(r));
            written = add(Counter.builder(p + "source.record.write").description("Records written to Kafka").tags(tags).register(r));
            pollBatch = add(Timer.builder(p + "poll.batch.time").description("A classic task's poll() (poll-batch-max/avg-time-ms)")
                    .tags(tags).register(r));
            activeSampled = add(DistributionSummary.builder(p + "source.record.active.count.sampled")
                    .description("Records in flight sampled per acknowledged batch (source-record-active-count-max/avg)")
                    .tags(tags).register(r));
            add(Gauge.builder(p + "source.record.active.count", this, m -> m.active.getAsInt())
                    .description("Records produced by the task and not yet acknowledged by Kafka").tags(tags).register(r));
        } else {
            read = add(Counter.builder(p + "sink.record.read").description("Records read from Kafka").tags(tags).register(r));
            sent = add(Counter.builder(p + "sink.record.send").description("Records handed to the task's put()").tags(tags).register(r));
            putBatch = add(Timer.builder(p + "put.batch.time").description("put() of a batch (put-batch-max/avg-time-ms)")
                    .tags(tags).register(r));
            commitCompleted = add(Counter.builder(p + "offset.commit.completion").tags(tags).register(r));
            commitSkipped = add(Counter.builder(p + "offset.commit.skip")
                    .description("Commits skipped because the previous one was under way").tags(tags).register(r));
            add(Gauge.builder(p + "partition.count", this, m -> m.partitions.getAsInt())
                    .description("Topic partitions assigned to the task").tags(tags).register(r));
            add(Gauge.builder(p + "sink.record.active.count", this, m -> m.active.getAsInt())
                    .description("Records read and not yet done by the task").tags(tags).register(r));
            activeSampled = add(DistributionSummary.builder(p + "sink.record.active.count.sampled")
                    .description("Records read and not yet done sampled per put() (sink-record-active-count-max/avg)")
                    .tags(tags).register(r));
        }
        errors = new TaskErrorMetrics(r, tags, meters);
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    private double percentage(boolean success) {
        double ok = commitSuccess.count();
        double total = ok + commitFailure.count();
        return total == 0 ? 0 : (success ? ok : total - ok) / total;
    }

    /** The task's error metrics, for the error handling. */
    public TaskErrorMetrics errors() {
        return errors;
    }

    /** What the active-count gauges read (records in flight or in hand); read at scrape time on another thread. */
    public void activeRecords(IntSupplier supplier) {
        this.active = supplier;
    }

    /** What partition-count reads (sink). */
    public void partitions(IntSupplier supplier) {
        this.partitions = supplier;
    }

    /** A batch of {@code n} records was handed on (to the producer, or to put()). */
    public void batch(int n) {
        batchSize.record(n);
    }

    /** An offset commit ended after {@code nanos}. */
    public void offsetCommit(long nanos, boolean succeeded) {
        offsetCommit.record(nanos, TimeUnit.NANOSECONDS);
        (succeeded ? commitSuccess : commitFailure).increment();
        if (!source && succeeded) {
            commitCompleted.increment();
        }
    }

    /** Source: {@code n} records came from the task. */
    public void polled(int n) {
        if (source) {
            polled.increment(n);
        }
    }

    /** Source: a classic task's poll() took {@code nanos}. */
    public void pollTime(long nanos) {
        if (source) {
            pollBatch.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Source, exactly once: a transaction of {@code records} records committed (Kafka Connect's
     * transaction-size-avg, -max and -min of source-task-metrics). On the task's thread.
     */
    public void transactionCommitted(int records) {
        DistributionSummary size = transactionSize;
        if (size == null) {
            synchronized (this) {
                if (transactionSize == null) {
                    add(Gauge.builder(MetricNames.SOURCE + "transaction.size.min", this, m -> m.transactionSizeMin)
                            .description("Records in the smallest committed transaction of an exactly-once task (transaction-size-min)")
                            .tags(tags).register(owner.registry()));
                    transactionSize = add(DistributionSummary.builder(MetricNames.SOURCE + "transaction.size")
                            .description("Records per committed transaction of an exactly-once task (transaction-size-avg/max)")
                            .tags(tags).register(owner.registry()));
                }
                size = transactionSize;
            }
        }
        size.record(records);
        if (records < transactionSizeMin) {
            transactionSizeMin = records;
        }
    }

    /** Source: Kafka acknowledged {@code n} records; {@code inFlight} remain. */
    public void written(int n, int inFlight) {
        if (source) {
            written.increment(n);
            activeSampled.record(inFlight);
        }
    }

    /** Sink: {@code n} records were read from Kafka. */
    public void read(int n) {
        if (!source) {
            read.increment(n);
        }
    }

    /** Sink: put() of {@code n} records returned after {@code nanos}. */
    public void put(int n, long nanos) {
        if (!source) {
            sent.increment(n);
            putBatch.record(nanos, TimeUnit.NANOSECONDS);
            batchSize.record(n);
            activeSampled.record(active.getAsInt());
        }
    }

    /** Sink: a commit was skipped, the previous one still under way. */
    public void commitSkipped() {
        if (!source) {
            commitSkipped.increment();
        }
    }

    /**
     * Binds a Kafka client of the task's own (its consumer, its producer) through Micrometer's Kafka binder,
     * unbound when the task stops. A consumer's meters get the task's tags; a producer's do not, as the
     * worker's shared producer's (Prometheus wants one set of tag keys per name; its client.id names the task).
     */
    public void bindClient(Object client) {
        AutoCloseable binder = owner.bindClient(client,
                client instanceof Producer<?, ?> ? Tags.empty() : tags);
        if (binder != null) {
            synchronized (clients) {
                clients.add(binder);
            }
        }
    }

    /** Removes the task's meters. */
    @Override
    public void close() {
        synchronized (clients) {
            clients.forEach(ConnectMetrics::closeQuietly);
            clients.clear();
        }
        meters.forEach(owner::remove);
    }

}
