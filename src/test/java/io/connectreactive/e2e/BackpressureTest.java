package io.connectreactive.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A source faster than Kafka is paused at its bound of records in flight, and nothing is lost. */
@ExtendWith(KafkaBroker.class)
class BackpressureTest {

    @Test
    void recordsInFlightNeverExceedTheConfiguredBound(KafkaBroker kafka, @TempDir Path dir) {
        String topic = KafkaBroker.uniqueTopic("flood");
        int bound = 500;
        long count = 50_000;
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of(
                "runtime.source.max.in.flight.records", String.valueOf(bound),
                "value.converter", "org.apache.kafka.connect.storage.StringConverter",
                // a slow producer: small batches, each waiting for its linger
                "producer.batch.size", "4096",
                "producer.linger.ms", "20"))) {
            worker.create("flood", Map.of("connector.class", FloodSource.class.getName(), "topic", topic, "count", String.valueOf(count)));
            await().atMost(Duration.ofSeconds(120)).until(() -> kafka.endOffset(topic) >= count);
            AtomicLong[] stats = FloodSource.STATS.get("flood");
            await().atMost(Duration.ofSeconds(10)).until(() -> stats[1].get() == count);
            assertThat(stats[0].get()).isEqualTo(count);
            assertThat(stats[2].get()).as("max records in flight").isLessThanOrEqualTo(bound).isGreaterThan(bound / 2);
        }
        assertThat(kafka.endOffset(topic)).isEqualTo(count);
    }
}
