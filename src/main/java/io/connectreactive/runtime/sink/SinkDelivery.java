package io.connectreactive.runtime.sink;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * The batch in a sink task's hand: the records selected from one poll, converted once (kept for a
 * retry), and the offsets they consumed. Created and read on the task's Vert.x context;
 * {@link #converted} is written on the task's thread for a classic task (before the hop back).
 */
final class SinkDelivery {
    final SinkConsumer.Batch batch;
    List<ConsumerRecord<byte[], byte[]>> records;
    volatile List<SinkRecord> converted;
    boolean retrying;

    SinkDelivery(SinkConsumer.Batch batch, List<ConsumerRecord<byte[], byte[]>> records) {
        this.batch = batch;
        this.records = records;
    }

    int size() {
        List<SinkRecord> c = converted;
        return c != null ? c.size() : records.size();
    }

    /**
     * Next offset per partition (the last record's of each, records dropped by a transform counted too). A poll
     * returns a partition's records together, so an entry is made per run of one partition, not per record.
     */
    Map<TopicPartition, OffsetAndMetadata> consumed() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        String topic = null;
        int partition = -1;
        long next = -1;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.partition() != partition || !r.topic().equals(topic)) {
                if (topic != null) {
                    out.put(new TopicPartition(topic, partition), new OffsetAndMetadata(next));
                }
                topic = r.topic();
                partition = r.partition();
            }
            next = r.offset() + 1;
        }
        if (topic != null) {
            out.put(new TopicPartition(topic, partition), new OffsetAndMetadata(next));
        }
        return out;
    }

    /** Keeps only the records of the partitions {@code keep} accepts (before a retry). */
    void retain(Predicate<TopicPartition> keep) {
        records = records.stream().filter(r -> keep.test(new TopicPartition(r.topic(), r.partition()))).toList();
        List<SinkRecord> c = converted;
        if (c != null) {
            converted = c.stream()
                    .filter(r -> keep.test(new TopicPartition(r.originalTopic(), r.originalKafkaPartition()))).toList();
        }
    }
}
