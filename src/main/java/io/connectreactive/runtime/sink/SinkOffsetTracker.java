package io.connectreactive.runtime.sink;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What a sink task owns and has processed, touched only on the task's Vert.x context:
 * <ul>
 *   <li>the partitions it owns (open in the task) and, among them, those whose records may be
 *       delivered (a partition being revoked is owned but no longer deliverable);</li>
 *   <li>the current offset per owned partition (next offset to read; what preCommit is given);</li>
 *   <li>per partition the seek epoch of the last rewind and the rebalance generation at which it
 *       was assigned: records fetched before either are stale and never delivered;</li>
 *   <li>the commit sequence: commits are numbered, at most one is in flight, and the answer of a
 *       commit overtaken by a rebalance is ignored.</li>
 * </ul>
 */
final class SinkOffsetTracker {

    private final Set<TopicPartition> owned = new HashSet<>();
    private final Set<TopicPartition> deliverable = new HashSet<>();
    private final Map<TopicPartition, OffsetAndMetadata> current = new HashMap<>();
    private final Map<TopicPartition, Long> epochs = new HashMap<>();
    private final Map<TopicPartition, Long> assignedAt = new HashMap<>();
    private final Map<TopicPartition, SinkConsumer.Seek> lastSeeks = new HashMap<>();
    private long nextEpoch = 1;
    private long generation;
    private long commitSeq;
    private boolean committing;
    /** For SinkTaskContext.assignment(), read from the task's thread. */
    private volatile Set<TopicPartition> view = Set.of();

    /** Partitions assigned at rebalance {@code gen}, with the consumer's positions. */
    void assign(Map<TopicPartition, Long> positions, long gen) {
        generation = Math.max(generation, gen);
        positions.forEach((tp, position) -> {
            owned.add(tp);
            deliverable.add(tp);
            assignedAt.put(tp, gen);
            current.put(tp, new OffsetAndMetadata(position));
        });
        view = Set.copyOf(owned);
    }

    /** The partitions are being revoked at {@code gen}: their records are no longer delivered. */
    void revoking(Collection<TopicPartition> partitions, long gen) {
        generation = Math.max(generation, gen);
        deliverable.removeAll(partitions);
        abandonCommit();
    }

    /** The partitions are gone: forget them. */
    void remove(Collection<TopicPartition> partitions) {
        deliverable.removeAll(partitions);
        owned.removeAll(partitions);
        partitions.forEach(current::remove);
        view = Set.copyOf(owned);
    }

    Set<TopicPartition> owned() {
        return Set.copyOf(owned);
    }

    /** Thread-safe snapshot of the owned partitions. */
    Set<TopicPartition> assignmentView() {
        return view;
    }

    long generation() {
        return generation;
    }

    /** Whether records of {@code tp} fetched at {@code gen} after seek epoch {@code epoch} may be delivered now. */
    boolean fresh(TopicPartition tp, long gen, long epoch) {
        return deliverable.contains(tp) && gen >= assignedAt.getOrDefault(tp, Long.MAX_VALUE)
                && epoch == epochs.getOrDefault(tp, 0L);
    }

    /** Whether offsets of {@code tp} processed from records of seek epoch {@code epoch} still count. */
    boolean counts(TopicPartition tp, long gen, long epoch) {
        return owned.contains(tp) && gen >= assignedAt.getOrDefault(tp, Long.MAX_VALUE)
                && epoch == epochs.getOrDefault(tp, 0L);
    }

    /** Records processed offsets (only those that still count, see {@link #counts}). */
    void processed(Map<TopicPartition, OffsetAndMetadata> offsets, long gen, Map<TopicPartition, Long> batchEpochs) {
        offsets.forEach((tp, o) -> {
            if (counts(tp, gen, batchEpochs.getOrDefault(tp, 0L))) {
                current.put(tp, o);
            }
        });
    }

    /** A new seek of {@code tp}: records fetched before it are stale from now on. */
    SinkConsumer.Seek seek(TopicPartition tp, long offset) {
        SinkConsumer.Seek seek = new SinkConsumer.Seek(offset, nextEpoch++);
        epochs.put(tp, seek.epoch());
        lastSeeks.put(tp, seek);
        return seek;
    }

    /** The task rewound {@code tp}: as in Kafka Connect, its current offset is the rewind's. */
    SinkConsumer.Seek rewind(TopicPartition tp, long offset) {
        if (owned.contains(tp)) {
            current.put(tp, new OffsetAndMetadata(offset));
        }
        return seek(tp, offset);
    }

    /** The last seeks asked for these partitions (the loop applies those it has not yet). */
    Map<TopicPartition, SinkConsumer.Seek> seeksOf(Collection<TopicPartition> partitions) {
        Map<TopicPartition, SinkConsumer.Seek> out = new HashMap<>();
        for (TopicPartition tp : partitions) {
            SinkConsumer.Seek s = lastSeeks.get(tp);
            if (s != null) {
                out.put(tp, s);
            }
        }
        return out;
    }

    /** The current offsets of all owned partitions. */
    Map<TopicPartition, OffsetAndMetadata> offsets() {
        return new HashMap<>(current);
    }

    /** The current offsets of these partitions. */
    Map<TopicPartition, OffsetAndMetadata> offsetsOf(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata o = current.get(tp);
            if (o != null) {
                out.put(tp, o);
            }
        }
        return out;
    }

    /** Keeps only the offsets of owned partitions (a task may return others from preCommit). */
    Map<TopicPartition, OffsetAndMetadata> ownedOnly(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        if (offsets != null) {
            offsets.forEach((tp, o) -> {
                if (o != null && owned.contains(tp)) {
                    out.put(tp, o);
                }
            });
        }
        return out;
    }

    boolean committing() {
        return committing;
    }

    /** Starts commit number n (none may be in flight). */
    long beginCommit() {
        committing = true;
        return ++commitSeq;
    }

    /** Whether commit {@code seq} is still the current one. */
    boolean isCurrent(long seq) {
        return committing && seq == commitSeq;
    }

    /** Ends commit {@code seq}; false when it was overtaken (its answer is ignored). */
    boolean endCommit(long seq) {
        if (seq != commitSeq) {
            return false;
        }
        committing = false;
        return true;
    }

    /** A rebalance overtakes the commit in flight, if any: its answer is ignored. */
    void abandonCommit() {
        commitSeq++;
        committing = false;
    }
}
