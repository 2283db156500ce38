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

    /** Next offset per partition; records dropped by a transform count as processed too. */
    Map<TopicPartition, OffsetAndMetadata> consumed() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            out.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
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
