package io.connectreactive.runtime.source;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which source offsets may be committed: per source partition, the offset of the latest record such
 * that it and every record submitted before it in that partition were acknowledged by Kafka (or
 * dropped). Kafka Connect's {@code SubmittedRecords} semantics; acknowledged prefixes are folded
 * into the committable offset as soon as they form, so memory is bounded by the records in flight.
 *
 * <p>Not thread-safe: owned by one task, used on that task's context (a reactive task's pipeline) or
 * under its own monitor ({@code ClassicSourceLoop}, whose task thread, producer I/O thread and
 * context all touch it).
 */
public final class SubmittedOffsets {

    private final Map<Map<String, ?>, ArrayDeque<Entry>> pending = new HashMap<>();
    private final Map<Map<String, ?>, Map<String, ?>> committable = new LinkedHashMap<>();
    private int inFlight;
    /** Sources mostly emit runs of one partition (often the very same map): skip the hash lookup then. */
    private Map<String, ?> lastPartition;
    private ArrayDeque<Entry> lastQueue;
    /**
     * The newest committable offset of {@code heldPartition}, not yet put into {@code committable}:
     * a run of acknowledgements of one partition replaces it without hashing the partition each time.
     */
    private Map<String, ?> heldPartition;
    private Map<String, ?> heldOffset;

    /**
     * Tracks a record about to be sent.
     *
     * @param partition its source partition; null for records without offsets (untracked)
     * @param offset its source offset
     */
    public Entry submit(Map<String, ?> partition, Map<String, ?> offset) {
        inFlight++;
        if (partition == null) {
            return new Entry(null, offset, null);
        }
        if (partition != lastPartition || lastQueue == null) {
            if (lastQueue != null && lastQueue.isEmpty()) {
                pending.remove(lastPartition); // kept only while it was the last one (see ack)
            }
            lastQueue = pending.computeIfAbsent(partition, p -> new ArrayDeque<>());
            lastPartition = partition;
        }
        Entry e = new Entry(partition, offset, lastQueue);
        lastQueue.addLast(e);
        return e;
    }

    /**
     * Adds the next record of the same partition to {@code e}, which then stands for both: acked
     * together, committing the newer offset. For records sent (and so acknowledged) as one batch.
     */
    public void extend(Entry e, Map<String, ?> offset) {
        e.offset = offset;
        e.remaining++;
        inFlight++;
    }

    /** Marks a record (or the records an entry stands for) acknowledged or dropped, and advances its partition's committable offset. */
    public void ack(Entry e) {
        ack(e, e.remaining);
    }

    /**
     * Marks {@code n} of the records {@code e} stands for acknowledged: for an entry whose records
     * were sent in two batches (a batch split where a send had to be retried), each batch acks its
     * share, and the entry counts as acknowledged, in its partition's order, only once all are.
     */
    public void ack(Entry e, int n) {
        if (e.acked || n <= 0) {
            return;
        }
        int done = Math.min(n, e.remaining);
        e.remaining -= done;
        inFlight -= done;
        if (e.remaining > 0) {
            return;
        }
        e.acked = true;
        ArrayDeque<Entry> queue = e.queue;
        if (queue == null) {
            return;
        }
        Entry last = null;
        while (!queue.isEmpty() && queue.peekFirst().acked) {
            last = queue.pollFirst();
        }
        if (last != null) {
            if (last.partition != heldPartition) {
                releaseHeld();
                heldPartition = last.partition;
            }
            heldOffset = last.offset;
        }
        if (queue.isEmpty() && queue != lastQueue) {
            // the partition of the last submission keeps its (empty) queue: a source whose records are each
            // acknowledged before the next is read finds it without hashing its partition again
            pending.remove(e.partition);
        }
    }

    /** Records submitted and not yet acknowledged. */
    public int inFlight() {
        return inFlight;
    }

    /** Takes the committable offsets gathered since the last call (partition → offset). */
    public Map<Map<String, ?>, Map<String, ?>> takeCommittable() {
        releaseHeld();
        if (committable.isEmpty()) {
            return Map.of();
        }
        Map<Map<String, ?>, Map<String, ?>> out = new LinkedHashMap<>(committable);
        committable.clear();
        return out;
    }

    /**
     * Puts back offsets whose write failed, unless a newer offset of the same partition became
     * committable meanwhile.
     */
    public void restore(Map<Map<String, ?>, Map<String, ?>> offsets) {
        releaseHeld();
        offsets.forEach(committable::putIfAbsent);
    }

    private void releaseHeld() {
        if (heldPartition != null) {
            committable.put(heldPartition, heldOffset);
            heldPartition = null;
            heldOffset = null;
        }
    }

    /** A submitted record's partition and offset. */
    public static final class Entry {
        private final Map<String, ?> partition;
        /** Its partition's queue of entries in submission order; null for a record without a partition. */
        private final ArrayDeque<Entry> queue;
        private Map<String, ?> offset;
        /** Records this entry stands for that are not yet acknowledged. */
        private int remaining = 1;
        private boolean acked;

        private Entry(Map<String, ?> partition, Map<String, ?> offset, ArrayDeque<Entry> queue) {
            this.partition = partition;
            this.offset = offset;
            this.queue = queue;
        }

        public boolean acked() {
            return acked;
        }

        /** Whether a record of {@code sourcePartition} may be added to this entry. */
        public boolean samePartition(Map<String, ?> sourcePartition) {
            return sourcePartition == partition || sourcePartition != null && sourcePartition.equals(partition);
        }
    }
}
