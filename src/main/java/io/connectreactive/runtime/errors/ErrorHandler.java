package io.connectreactive.runtime.errors;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.connectreactive.api.ErrorContextHeaders;
import io.connectreactive.metrics.TaskErrorMetrics;
import io.connectreactive.model.TaskId;
import io.vertx.core.json.Json;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's error handling, Kafka Connect's {@code RetryWithToleranceOperator} fitted to our
 * pipelines: each stage of a record (each converter, each transformation with its predicate) runs
 * through a {@link Guard} that retries a {@link RetriableException} with exponential backoff for
 * {@code errors.retry.timeout} and records which stage failed; {@link #run} then fails the task
 * ({@code errors.tolerance=none}: a {@link ConnectException} "Tolerance exceeded in error handler"
 * caused by the stage's error) or skips the record and reports it ({@code all}): a log line when
 * {@code errors.log.enable}, the dead-letter queue when one is configured.
 *
 * <p>Threads: {@link #run} with {@code blocking=true} runs on a classic task's own thread, where a
 * retry waits; with {@code blocking=false} on the task's event loop, where a retry never waits but
 * throws {@link RetryLater} so that the caller sets a timer and runs the record again (its stages
 * run again from the first; converters and transformations are expected to be free of side
 * effects). One record at a time per handler: the task's thread and its context take turns (each
 * hop orders memory). {@link #report} may be called from any thread.
 */
public final class ErrorHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorHandler.class);
    /** Kafka Connect's first backoff ({@code RetryWithToleranceOperator.RETRIES_DELAY_MIN_MS}). */
    static final long RETRY_MIN_MS = 300;

    /** Runs one stage of a record. Implementations are not thread-safe beyond {@link ErrorHandler}'s rules. */
    public interface Guard {
        <V> V run(Stage stage, Class<?> executing, Supplier<V> op);
    }

    /** Runs stages directly: errors propagate as they are. */
    public static final Guard DIRECT = new Guard() {
        @Override
        public <V> V run(Stage stage, Class<?> executing, Supplier<V> op) {
            return op.get();
        }
    };

    /** Thrown on an event loop when a stage should be tried again after {@link #delayMs}. */
    public static final class RetryLater extends RuntimeException {
        private final long delayMs;

        RetryLater(long delayMs, Throwable cause) {
            super("retry in " + delayMs + " ms", cause, false, false);
            this.delayMs = delayMs;
        }

        public long delayMs() {
            return delayMs;
        }
    }

    /** A stage failed for good; caught by {@link #run}. */
    private static final class StageFailed extends RuntimeException {
        private final Failure failure;

        StageFailed(Failure failure) {
            super(failure.error().getMessage(), failure.error(), false, false);
            this.failure = failure;
        }
    }

    private final TaskId id;
    private final ErrorHandlingConfig config;
    private final DeadLetterQueue dlq;
    private final Guard blockingGuard = new RetryingGuard(true);
    private final Guard asyncGuard = new RetryingGuard(false);
    /** The current record's first retriable failure (ms), or -1; and its attempts so far. */
    private long firstFailure = -1;
    private int attempts;
    private CompletableFuture<Void> lastReport;
    private JsonConverter fallbackKey;
    private JsonConverter fallbackValue;

    /**
     * @param dlq the task's dead-letter queue, or null for none
     */
    /** The task's task-error-metrics; null until {@link #meter} (and in tests of the handler alone). */
    private volatile TaskErrorMetrics meters;

    public ErrorHandler(TaskId id, ErrorHandlingConfig config, DeadLetterQueue dlq) {
        this.id = id;
        this.config = config;
        this.dlq = dlq;
    }

    /** Counts into the task's task-error-metrics from now on. Called once, as the task is created. */
    public void meter(TaskErrorMetrics meters) {
        this.meters = meters;
    }

    public ErrorHandlingConfig config() {
        return config;
    }

    /** The next record begins: its retry budget starts afresh. */
    public void startRecord() {
        firstFailure = -1;
        attempts = 0;
    }

    /**
     * Runs a record's stages. Returns what {@code work} returned (null when a transformation dropped
     * the record), or null when a stage failed and the failure is tolerated: then
     * {@link #takeReport()} holds the report's future.
     *
     * @param original the consumed record (sinks) or the polled record (sources), for the report
     * @throws RetryLater (only when {@code blocking} is false) when a stage should be retried later
     * @throws ConnectException when a stage failed and failures are not tolerated
     */
    public <O> O run(boolean blocking, Object original, Function<Guard, O> work) {
        lastReport = null;
        try {
            return work.apply(blocking ? blockingGuard : asyncGuard);
        } catch (StageFailed f) {
            count(m -> m.recordErrors(1));
            if (!config.tolerateAll()) {
                throw new ConnectException("Tolerance exceeded in error handler", f.failure.error());
            }
            count(m -> m.recordsSkipped(1));
            lastReport = report(f.failure, original);
            return null;
        }
    }

    private void count(Consumer<TaskErrorMetrics> update) {
        TaskErrorMetrics m = meters;
        if (m != null) {
            update.accept(m);
        }
    }

    /**
     * Records Kafka did not accept (stage KAFKA_PRODUCE, Kafka Connect's KIP-779): with
     * {@code errors.tolerance=all} they are skipped (counted, logged once per batch when
     * {@code errors.log.enable}) and true is returned, so their offsets commit and the task goes on;
     * false when failures are not tolerated. Any thread.
     */
    public boolean toleratesSendFailure(TaskId task, int records, Throwable error) {
        count(m -> {
            m.recordFailures(records);
            m.recordErrors(records);
        });
        if (!config.tolerateAll()) {
            return false;
        }
        count(m -> m.recordsSkipped(records));
        if (config.logEnable()) {
            count(m -> m.errorsLogged(1));
            LOG.error("Error encountered in task {}. Executing stage '{}': {} records Kafka did not accept were skipped: {}", task,
                    Stage.KAFKA_PRODUCE, records, error.toString());
        }
        return true;
    }

    /** The report of the record {@link #run} last skipped (null if it did not skip one); cleared. */
    public CompletableFuture<Void> takeReport() {
        CompletableFuture<Void> r = lastReport;
        lastReport = null;
        return r;
    }

    /**
     * A record the task itself reports ({@code ErrantRecordReporter}, stage TASK_PUT): reported as
     * configured; with {@code errors.tolerance=none} it then fails the task, as Kafka Connect does.
     * Any thread.
     *
     * @throws ConnectException when failures are not tolerated
     */
    public CompletableFuture<Void> reportFromTask(ConsumerRecord<byte[], byte[]> original, Throwable error) {
        count(m -> {
            m.recordFailures(1);
            m.recordErrors(1);
        });
        CompletableFuture<Void> reported = report(new Failure(Stage.TASK_PUT, SinkTask.class, error), original);
        if (!config.tolerateAll()) {
            throw new ConnectException("Tolerance exceeded in error handler", error);
        }
        return reported;
    }

    /** Logs the failure (as configured) and writes the record to the dead-letter queue (if any). Any thread. */
    CompletableFuture<Void> report(Failure failure, Object original) {
        if (config.logEnable()) {
            count(m -> m.errorsLogged(1));
            LOG.error("Error encountered in task {}. Executing stage '{}' with class '{}'{}: {}", id, failure.stage(),
                    failure.executing().getName(), config.logIncludeMessages() ? describe(original) : "", failure.error().toString());
        }
        if (dlq == null) {
            return CompletableFuture.completedFuture(null);
        }
        if (original instanceof ConsumerRecord<?, ?> r) {
            @SuppressWarnings("unchecked")
            ConsumerRecord<byte[], byte[]> c = (ConsumerRecord<byte[], byte[]>) r;
            return counted(dlq.send(c.key(), c.value(), c.timestampType() == TimestampType.NO_TIMESTAMP_TYPE || c.timestamp() < 0 ? null : c.timestamp(),
                    c.headers(), failure, c.topic(), c.partition(), c.offset(),
                    failure.error() instanceof ErrorContextHeaders h ? h.errorContextHeaders() : Map.of()));
        }
        SourceRecord s = (SourceRecord) original;
        byte[] key;
        byte[] value;
        try {
            key = fallback(true).fromConnectData(s.topic(), s.keySchema(), s.key());
            value = fallback(false).fromConnectData(s.topic(), s.valueSchema(), s.value());
        } catch (RuntimeException e) {
            key = s.key() == null ? null : String.valueOf(s.key()).getBytes(StandardCharsets.UTF_8);
            value = s.value() == null ? null : String.valueOf(s.value()).getBytes(StandardCharsets.UTF_8);
        }
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(DeadLetterQueue.ERROR_HEADER_SOURCE_PARTITION, Json.encode(s.sourcePartition()));
        extra.put(DeadLetterQueue.ERROR_HEADER_SOURCE_OFFSET, Json.encode(s.sourceOffset()));
        return counted(dlq.send(key, value, s.timestamp() == null || s.timestamp() < 0 ? null : s.timestamp(), null, failure, s.topic(),
                s.kafkaPartition(), null, extra));
    }

    /** Counts a dead-letter queue write, and its failure if it fails. */
    private CompletableFuture<Void> counted(CompletableFuture<Void> write) {
        count(m -> m.deadLetterQueueRequests(1));
        return write.whenComplete((v, err) -> {
            if (err != null) {
                count(m -> m.deadLetterQueueFailures(1));
            }
        });
    }

    /** JSON without schemas: the bytes of a source record that could not be converted (our extension). */
    private synchronized JsonConverter fallback(boolean isKey) {
        if (fallbackKey == null) {
            fallbackKey = new JsonConverter();
            fallbackKey.configure(Map.of("schemas.enable", "false"), true);
            fallbackValue = new JsonConverter();
            fallbackValue.configure(Map.of("schemas.enable", "false"), false);
        }
        return isKey ? fallbackKey : fallbackValue;
    }

    /** Kafka Connect's record details: a consumed record's coordinates, a source record itself. */
    private static String describe(Object original) {
        if (original instanceof ConsumerRecord<?, ?> c) {
            StringBuilder b = new StringBuilder(", where consumed record is {topic='").append(c.topic())
                    .append("', partition=").append(c.partition()).append(", offset=").append(c.offset());
            if (c.timestampType() != TimestampType.NO_TIMESTAMP_TYPE) {
                b.append(", timestamp=").append(c.timestamp()).append(", timestampType=").append(c.timestampType());
            }
            return b.append('}').toString();
        }
        return original == null ? "" : ", where source record is = " + original;
    }

    /** The next wait before a retry, or -1 when the record's retry budget is spent. */
    private long nextDelay() {
        long now = System.currentTimeMillis();
        if (firstFailure < 0) {
            firstFailure = now;
        }
        attempts++;
        long timeout = config.retryTimeoutMs();
        if (timeout == 0) {
            return -1;
        }
        long remaining = timeout < 0 ? Long.MAX_VALUE : firstFailure + timeout - now;
        if (remaining <= 0) {
            return -1;
        }
        long delay = RETRY_MIN_MS << Math.min(attempts - 1, 20);
        return Math.max(0, Math.min(Math.min(delay, config.retryDelayMaxMs()), remaining));
    }

    private final class RetryingGuard implements Guard {
        private final boolean blocking;

        RetryingGuard(boolean blocking) {
            this.blocking = blocking;
        }

        @Override
        public <V> V run(Stage stage, Class<?> executing, Supplier<V> op) {
            while (true) {
                try {
                    return op.get();
                } catch (RetryLater | StageFailed e) {
                    throw e;
                } catch (RuntimeException e) {
                    count(m -> m.recordFailures(1));
                    if (e instanceof RetriableException) {
                        long delay = nextDelay();
                        if (delay >= 0) {
                            count(m -> m.retries(1));
                            LOG.debug("Task {}: stage {} ({}) failed, retried in {} ms: {}", id, stage, executing.getName(), delay,
                                    e.toString());
                            if (!blocking) {
                                throw new RetryLater(delay, e);
                            }
                            waitFor(delay);
                            continue;
                        }
                    }
                    throw new StageFailed(new Failure(stage, executing, e));
                }
            }
        }

        /** On a classic task's own thread only. */
        private void waitFor(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new ConnectException("Interrupted while retrying a record of task " + id, ie);
            }
        }
    }
}
