package io.connectreactive.api;

import java.util.Map;

/**
 * Implemented by an error a sink task reports with its {@code ErrantRecordReporter}, to give the
 * dead-letter queue record more context headers: with
 * {@code errors.deadletterqueue.context.headers.enable=true} each entry is added beside Kafka
 * Connect's {@code __connect.errors.*} headers, its value as UTF-8. Names should start with
 * {@code __connect.errors.} (e.g. {@code __connect.errors.http.status}).
 *
 * <p>Read by the runtime on whichever thread the task reports from; implementations are
 * immutable values.
 */
public interface ErrorContextHeaders {

    /** The extra headers, name to value, in the order they should be added. */
    Map<String, String> errorContextHeaders();
}
