package io.connectreactive.runtime.source;

import io.connectreactive.model.TaskId;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One source task's records refused by the producer with a retriable error (their topic not in the
 * metadata yet, {@code buffer.memory} full), as both source paths handle them: the backoff before each
 * retry (20 ms doubling to 1 s; a full buffer always 20 ms, since it frees as Kafka acknowledges), one
 * warning once the records have waited {@value #WARN_AFTER_MS} ms (a new topic's metadata usually
 * arrives sooner) and one line when they flow again. Used by one thread at a time: a reactive task's
 * context ({@link SourcePipeline}), a classic task's thread ({@link ClassicSourceLoop}).
 */
final class SendStalls {

    private static final Logger LOG = LoggerFactory.getLogger(SendStalls.class);

    static final long FIRST_RETRY_MS = 20;
    static final long MAX_RETRY_MS = 1_000;
    static final long WARN_AFTER_MS = 5_000;

    private final TaskId id;
    private long retryDelay = FIRST_RETRY_MS;
    private long stalledSince = -1;
    private boolean warned;

    SendStalls(TaskId id) {
        this.id = id;
    }

    /** Records were handed back: the stall starts now unless it is under way. */
    void began() {
        if (stalledSince < 0) {
            stalledSince = System.currentTimeMillis();
        }
    }

    /** A retry is to be scheduled after {@code cause}: warns once the stall is long, returns the delay before it. */
    long nextDelay(Throwable cause) {
        began();
        if (!warned && System.currentTimeMillis() - stalledSince >= WARN_AFTER_MS) {
            warned = true;
            LOG.warn("Task {} cannot send its records, retrying until it can (its records wait, in order; other tasks go on): {}",
                    id, cause.getMessage());
        }
        long delay = retryDelay;
        if (!(cause instanceof BufferExhaustedException)) {
            // a full buffer frees as Kafka acknowledges: retry it soon; a missing topic, ever more slowly
            retryDelay = Math.min(retryDelay * 2, MAX_RETRY_MS);
        }
        return delay;
    }

    /** Whether records were handed back and have not flowed since. */
    boolean stalled() {
        return stalledSince >= 0;
    }

    /** The records flow again: says so if it warned, and the next stall starts from the first delay. */
    void flowing() {
        if (stalledSince < 0) {
            return;
        }
        if (warned) {
            LOG.info("Task {} sends its records again after {} ms", id, System.currentTimeMillis() - stalledSince);
        }
        stalledSince = -1;
        warned = false;
        retryDelay = FIRST_RETRY_MS;
    }
}
