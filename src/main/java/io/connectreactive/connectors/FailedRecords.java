package io.connectreactive.connectors;

import java.util.List;
import java.util.function.Consumer;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;

/** What a native sink task does with records that failed for good. Stateless; called on the task's context. */
public final class FailedRecords {

    private FailedRecords() {
    }

    /**
     * Reports {@code records} to the task's {@code reporter} (the dead-letter queue, the error log);
     * without one, skips them with {@code errors.tolerance=all}; otherwise, or when the reporter
     * refuses to go on ({@code errors.tolerance=none}), fails the task with {@code error}. One log line.
     *
     * @param reporter the task's errant-record reporter, or null
     * @param failTask fails the task
     */
    public static void reject(ErrantRecordReporter reporter, boolean tolerateAll, List<SinkRecord> records, ConnectException error,
                              Consumer<ConnectException> failTask, Logger log) {
        if (reporter != null) {
            for (SinkRecord r : records) {
                try {
                    reporter.report(r, error);
                } catch (RuntimeException e) { // errors.tolerance=none: the reporter refuses to go on
                    failTask.accept(error);
                    return;
                }
            }
            log.warn("{}; {} records reported as failed", error.getMessage(), records.size());
        } else if (tolerateAll) {
            log.warn("{}; {} records skipped (errors.tolerance=all)", error.getMessage(), records.size());
        } else {
            failTask.accept(error);
        }
    }
}
