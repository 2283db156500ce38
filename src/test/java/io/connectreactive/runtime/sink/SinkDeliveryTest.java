package io.connectreactive.runtime.sink;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a delivered batch consumed: the next offset of each partition, whatever the order of its records. */
class SinkDeliveryTest {

    @Test
    void theNextOffsetOfEachPartitionIsItsLastRecordsPlusOne() {
        List<ConsumerRecord<byte[], byte[]>> records = List.of(record("a", 0, 7), record("a", 0, 8), record("a", 1, 3),
                record("b", 0, 40), record("a", 0, 9), record("b", 0, 41));
        assertThat(new SinkDelivery(null, records).consumed()).containsExactlyInAnyOrderEntriesOf(Map.of(
                new TopicPartition("a", 0), new OffsetAndMetadata(10),
                new TopicPartition("a", 1), new OffsetAndMetadata(4),
                new TopicPartition("b", 0), new OffsetAndMetadata(42)));
        assertThat(new SinkDelivery(null, List.of()).consumed()).isEmpty();
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, int partition, long offset) {
        return new ConsumerRecord<>(topic, partition, offset, null, null);
    }
}
