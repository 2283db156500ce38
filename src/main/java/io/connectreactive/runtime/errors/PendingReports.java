package io.connectreactive.runtime.errors;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.apache.kafka.common.TopicPartition;

/**
 * A sink task's dead-letter-queue writes not yet acknowledged, per consumed partition, so that no
 * offset past a reported record is committed before its write is durable: a commit first
 * {@link #await}s the writes of the partitions it commits. Completed writes are pruned as new ones
 * come, so the queue holds at most the writes of records not yet committed.
 *
 * <p>{@link #add} from any thread (the task's thread during {@code put}, or its context);
 * {@link #await} on the task's context.
 */
public final class PendingReports {

    private final Map<TopicPartition, Queue<CompletableFuture<Void>>> pending = new ConcurrentHashMap<>();

    /** A write for a record of {@code partition}. Any thread. */
    public void add(TopicPartition partition, CompletableFuture<Void> write) {
        if (write.isDone() && !write.isCompletedExceptionally()) {
            return;
        }
        Queue<CompletableFuture<Void>> q = pending.computeIfAbsent(partition, p -> new ConcurrentLinkedQueue<>());
        q.removeIf(f -> f.isDone() && !f.isCompletedExceptionally());
        q.add(write);
    }

    /**
     * Completes on {@code context} once every write so far for {@code partitions} was acknowledged;
     * fails with the first write's failure. Never throws.
     */
    public Future<Void> await(Collection<TopicPartition> partitions, Context context) {
        Map<TopicPartition, List<CompletableFuture<Void>>> writes = new HashMap<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Queue<CompletableFuture<Void>> q = pending.get(tp);
            if (q != null && !q.isEmpty()) {
                List<CompletableFuture<Void>> of = new ArrayList<>(q);
                writes.put(tp, of);
                all.addAll(of);
            }
        }
        if (all.isEmpty()) {
            return Future.succeededFuture();
        }
        Promise<Void> done = Promise.promise();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenComplete((v, err) -> context.runOnContext(x -> {
            if (err != null) {
                done.fail(err instanceof CompletionException && err.getCause() != null ? err.getCause() : err);
            } else {
                writes.forEach((tp, of) -> {
                    Queue<CompletableFuture<Void>> q = pending.get(tp);
                    if (q != null) {
                        q.removeAll(of);
                    }
                });
                done.complete();
            }
        }));
        return done.future();
    }

    /** Every partition with writes. */
    public Set<TopicPartition> partitions() {
        return pending.keySet();
    }
}
