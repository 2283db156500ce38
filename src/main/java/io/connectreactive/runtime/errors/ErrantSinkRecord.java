package io.connectreactive.runtime.errors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * A sink record that remembers the consumed record it came from (Kafka Connect's
 * {@code InternalSinkRecord}), through every transformation ({@code newRecord} keeps it), so that
 * a record the task reports through its {@code ErrantRecordReporter} reaches the dead-letter queue
 * with its original bytes. Created by the converters on the thread that converts; immutable.
 */
public final class ErrantSinkRecord extends SinkRecord {

    private final ConsumerRecord<byte[], byte[]> original;

    public ErrantSinkRecord(ConsumerRecord<byte[], byte[]> original, String topic, int partition, Schema keySchema, Object key,
                            Schema valueSchema, Object value, long kafkaOffset, Long timestamp, TimestampType timestampType,
                            Iterable<Header> headers, String originalTopic, Integer originalKafkaPartition, long originalKafkaOffset) {
        super(topic, partition, keySchema, key, valueSchema, value, kafkaOffset, timestamp, timestampType, headers,
                originalTopic, originalKafkaPartition, originalKafkaOffset);
        this.original = original;
    }

    /** The record as consumed from Kafka. */
    public ConsumerRecord<byte[], byte[]> original() {
        return original;
    }

    @Override
    public SinkRecord newRecord(String topic, Integer kafkaPartition, Schema keySchema, Object key, Schema valueSchema,
                                Object value, Long timestamp) {
        return newRecord(topic, kafkaPartition, keySchema, key, valueSchema, value, timestamp, headers().duplicate());
    }

    @Override
    public SinkRecord newRecord(String topic, Integer kafkaPartition, Schema keySchema, Object key, Schema valueSchema,
                                Object value, Long timestamp, Iterable<Header> headers) {
        return new ErrantSinkRecord(original, topic, kafkaPartition, keySchema, key, valueSchema, value, kafkaOffset(), timestamp,
                timestampType(), headers, originalTopic(), originalKafkaPartition(), originalKafkaOffset());
    }
}
