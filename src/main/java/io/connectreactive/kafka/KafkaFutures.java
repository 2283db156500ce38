package io.connectreactive.kafka;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import io.vertx.core.Context;
import io.vertx.core.Future;
import org.apache.kafka.common.KafkaFuture;

/** Kafka clients' futures as Vert.x futures, so that no event loop waits on an Admin call. */
public final class KafkaFutures {

    private KafkaFutures() {
    }

    /**
     * {@code f} completing on {@code context} (or on Kafka's thread when null), failed with the
     * Kafka exception itself rather than its CompletionException / ExecutionException wrapper.
     */
    public static <T> Future<T> of(KafkaFuture<T> f, Context context) {
        Future<T> fut = context == null ? Future.fromCompletionStage(f.toCompletionStage())
                : Future.fromCompletionStage(f.toCompletionStage(), context);
        return fut.recover(err -> Future.failedFuture(unwrap(err)));
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
