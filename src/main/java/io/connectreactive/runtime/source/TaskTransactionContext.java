package io.connectreactive.runtime.source;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.TransactionContext;

/**
 * The {@link TransactionContext} of an exactly-once task whose connector defines its own transaction
 * boundaries ({@code transaction.boundary=connector}): the task asks for a commit or an abort, of the
 * current batch (once the records of the poll that asked were dispatched) or at a given record (once
 * that record was dispatched). {@link ExactlyOnceSourceLoop} takes the requests on the task's thread;
 * the task may ask from any thread. An abort wins over a commit asked for the same point, as in Kafka
 * Connect.
 */
final class TaskTransactionContext implements TransactionContext {

    private final Set<SourceRecord> commitOn = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    private final Set<SourceRecord> abortOn = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    private volatile boolean commitBatch;
    private volatile boolean abortBatch;

    @Override
    public void commitTransaction() {
        commitBatch = true;
    }

    @Override
    public void commitTransaction(SourceRecord record) {
        commitOn.add(record);
    }

    @Override
    public void abortTransaction() {
        abortBatch = true;
    }

    @Override
    public void abortTransaction(SourceRecord record) {
        abortOn.add(record);
    }

    /** Whether the task asked to commit the transaction once {@code record} was dispatched; forgets the request. */
    boolean takeCommitOn(SourceRecord record) {
        return commitOn.remove(record);
    }

    /** Whether the task asked to abort the transaction once {@code record} was dispatched; forgets the request. */
    boolean takeAbortOn(SourceRecord record) {
        return abortOn.remove(record);
    }

    /** Whether the task asked to commit the current batch; forgets the request. */
    boolean takeCommitBatch() {
        boolean asked = commitBatch;
        commitBatch = false;
        return asked;
    }

    /** Whether the task asked to abort the current batch; forgets the request. */
    boolean takeAbortBatch() {
        boolean asked = abortBatch;
        abortBatch = false;
        return asked;
    }
}
