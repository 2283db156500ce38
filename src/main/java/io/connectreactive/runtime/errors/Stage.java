package io.connectreactive.runtime.errors;

/**
 * Where in a record's way a failure happened, with Kafka Connect's names (they appear in the
 * {@code __connect.errors.stage} header and in the error log). A value type: any thread.
 */
public enum Stage {
    /** A sink task's {@code poll} of records from Kafka. */
    KAFKA_CONSUME,
    KEY_CONVERTER,
    VALUE_CONVERTER,
    HEADER_CONVERTER,
    /** One transformation, its predicate included. */
    TRANSFORMATION,
    /** A sink task's {@code put}, and records it reports through its {@code ErrantRecordReporter}. */
    TASK_PUT,
    TASK_POLL,
    KAFKA_PRODUCE
}
