package io.connectreactive.metrics;

import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Kafka Connect's {@code task-error-metrics} of one task, for the error handling (retries, tolerance,
 * dead letter queue) to call: {@code kafka.connect.task.error.total.record.failures} and the others below.
 * Every method is thread-safe and cheap (one adder); counts are per call, so call with a batch's count.
 */
public final class TaskErrorMetrics {

    private final Counter recordFailures;
    private final Counter recordErrors;
    private final Counter recordsSkipped;
    private final Counter retries;
    private final Counter errorsLogged;
    private final Counter dlqRequests;
    private final Counter dlqFailures;
    private volatile long lastErrorTimestamp;

    TaskErrorMetrics(MeterRegistry registry, Tags tags, List<Meter> meters) {
        recordFailures = counter(registry, tags, meters, "total.record.failures", "Record processing attempts that failed");
        recordErrors = counter(registry, tags, meters, "total.record.errors", "Records that failed, after retries");
        recordsSkipped = counter(registry, tags, meters, "total.records.skipped", "Records skipped because of errors");
        retries = counter(registry, tags, meters, "total.retries", "Retried operations");
        errorsLogged = counter(registry, tags, meters, "total.errors.logged", "Errors written to the log");
        dlqRequests = counter(registry, tags, meters, "deadletterqueue.produce.requests", "Writes to the dead letter queue");
        dlqFailures = counter(registry, tags, meters, "deadletterqueue.produce.failures", "Failed writes to the dead letter queue");
        meters.add(Gauge.builder(MetricNames.ERROR + "last.error.timestamp", this, m -> m.lastErrorTimestamp)
                .description("Epoch milliseconds of the last error, 0 if none").tags(tags).register(registry));
    }

    private static Counter counter(MeterRegistry registry, Tags tags, List<Meter> meters, String name, String description) {
        Counter c = Counter.builder(MetricNames.ERROR + name).description(description).tags(tags).register(registry);
        meters.add(c);
        return c;
    }

    /** {@code n} record processing attempts failed (before retries or tolerance decided). */
    public void recordFailures(int n) {
        recordFailures.increment(n);
        lastErrorTimestamp = System.currentTimeMillis();
    }

    /** {@code n} records failed for good (tolerated or not). */
    public void recordErrors(int n) {
        recordErrors.increment(n);
        lastErrorTimestamp = System.currentTimeMillis();
    }

    public void recordsSkipped(int n) {
        recordsSkipped.increment(n);
    }

    public void retries(int n) {
        retries.increment(n);
    }

    public void errorsLogged(int n) {
        errorsLogged.increment(n);
    }

    public void deadLetterQueueRequests(int n) {
        dlqRequests.increment(n);
    }

    public void deadLetterQueueFailures(int n) {
        dlqFailures.increment(n);
        lastErrorTimestamp = System.currentTimeMillis();
    }
}
