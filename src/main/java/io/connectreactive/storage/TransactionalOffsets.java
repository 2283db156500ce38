package io.connectreactive.storage;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Source offsets written by a task's own transactional producer, in the same transaction as the
 * task's records (exactly-once source, KIP-618): the offset records of a Kafka-backed
 * {@link OffsetStore}, in Kafka Connect's format, and what the store learns once the transaction
 * committed. Thread-safe.
 */
public interface TransactionalOffsets {

    /** The offsets topic the records go to; a task may not write its own records there. */
    String topic();

    /**
     * The records storing {@code offsets} (partition → offset; a null offset removes the partition)
     * for {@code connector}.
     *
     * @throws org.apache.kafka.connect.errors.DataException when an offset cannot be serialized
     */
    Staged stage(String connector, Map<Map<String, ?>, Map<String, ?>> offsets);

    /** Offset records to send in a transaction. */
    interface Staged {
        /** The records, in the order to send them. */
        List<ProducerRecord<byte[], byte[]>> records();

        /** The transaction committed; {@code metadata} are the records' acknowledgements, in order. Readable by {@code offset()} from then on. */
        void committed(List<RecordMetadata> metadata);
    }
}
