package io.connectreactive.api;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * What the runtime gives a reactive task: the Vert.x instance and the task's own context (for
 * timers and asynchronous I/O) and Kafka Connect's task context ({@code SourceTaskContext} with its
 * offset reader, or {@code SinkTaskContext}).
 *
 * @param vertx the Vert.x instance the task runs in
 * @param context the task's context; every call into the task happens on it
 * @param connect Kafka Connect's context for the task
 * @param <C> {@code SourceTaskContext} or {@code SinkTaskContext}
 */
public record ReactiveTaskContext<C>(Vertx vertx, Context context, C connect) {
}
