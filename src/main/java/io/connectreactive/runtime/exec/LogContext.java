package io.connectreactive.runtime.exec;

import io.connectreactive.model.TaskId;
import io.vertx.core.Context;
import org.slf4j.MDC;

/**
 * Kafka Connect's log context: the SLF4J MDC key {@value #KEY} holds {@code [<connector>|task-<n>] } on
 * a task's threads ({@code cr-task-*}, its own {@code cr-sink-consumer-*}), {@code [<connector>|worker] } on a
 * connector's ({@code cr-connector-*}) and {@code [<connector>|sink-consumer] } on the consumer a connector's sink
 * tasks share; the default log pattern prints it before the message. On an event
 * loop, the task verticle's context carries it ({@link #attach}) and {@link VertxContextMdc} copies it
 * into the MDC for each log call made in that context's handlers. Constants and static helpers, any thread.
 */
public final class LogContext {

    /** The MDC key, as Kafka Connect's ({@code %X{connector.context}}). */
    public static final String KEY = "connector.context";

    private LogContext() {
    }

    /** {@code [connector|task-n] }, as Kafka Connect prints it. */
    public static String of(TaskId id) {
        return "[" + id.connector() + "|task-" + id.task() + "] ";
    }

    /** Lines logged in {@code context}'s handlers (on its event loop or worker threads) carry {@code value}. */
    public static void attach(Context context, String value) {
        context.put(KEY, value);
    }

    /** Runs on a thread of the task's own (its whole life): lines logged there carry {@code value}. */
    static Runnable withMdc(String value, Runnable r) {
        if (value == null) {
            return r;
        }
        return () -> {
            MDC.put(KEY, value);
            r.run();
        };
    }
}
