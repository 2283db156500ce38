package io.connectreactive.bench.limit;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/**
 * One source task driven by the simplest correct loop, on its own thread: {@code poll()} →
 * transforms → converters → {@code KafkaProducer.send}, whose callback (on the producer's I/O
 * thread) calls {@code task.commitRecord(record, metadata)} as Kafka Connect does and counts the
 * acknowledged record. No offsets are stored: the task's {@link OffsetStorageReader} finds none.
 * The task's own producer, configured as Kafka Connect's {@code Worker.baseProducerConfigs} does.
 * Built and stopped by {@link LimitLoop}'s main thread; {@link #run()} is the loop thread.
 */
public final class SourceLoop implements Runnable {

    private final SourceTask task;
    private final Glue<SourceRecord> glue;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicLong acked;
    private final AtomicReference<Throwable> failure;
    private volatile boolean stopping;

    SourceLoop(SourceTask task, Glue<SourceRecord> glue, Map<String, Object> producerConfig, AtomicLong acked,
               AtomicReference<Throwable> failure) {
        this.task = task;
        this.glue = glue;
        this.producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        this.acked = acked;
        this.failure = failure;
    }

    /** Initializes and starts the task with a context that knows its configuration and no offsets. */
    void start(Map<String, String> taskConfig, PluginMetrics metrics) {
        task.initialize(new SourceTaskContext() {
            @Override
            public PluginMetrics pluginMetrics() {
                return metrics;
            }

            @Override
            public Map<String, String> configs() {
                return taskConfig;
            }

            @Override
            public OffsetStorageReader offsetStorageReader() {
                return NO_OFFSETS;
            }
        });
        task.start(taskConfig);
    }

    @Override
    public void run() {
        try {
            while (!stopping && failure.get() == null) {
                List<SourceRecord> records = task.poll();
                if (records == null) {
                    continue;
                }
                for (SourceRecord record : records) {
                    SourceRecord transformed = glue.transform(record);
                    if (transformed == null) {
                        task.commitRecord(record, null);
                        continue;
                    }
                    ProducerRecord<byte[], byte[]> out = glue.toProducerRecord(transformed);
                    producer.send(out, (metadata, error) -> {
                        if (error != null) {
                            failure.compareAndSet(null, error);
                            return;
                        }
                        try {
                            task.commitRecord(record, metadata);
                        } catch (InterruptedException | RuntimeException e) {
                            failure.compareAndSet(null, e);
                        }
                        acked.incrementAndGet();
                    });
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            if (!stopping) {
                failure.compareAndSet(null, t);
            }
        }
    }

    /** Called on the main thread (as Kafka Connect calls {@code stop} from another thread than poll's). */
    void stop() {
        stopping = true;
        task.stop();
    }

    /** After the loop thread has ended (or been given up on): flushes and closes the producer. */
    void close() {
        producer.close(Duration.ofSeconds(10));
        glue.close();
    }

    /** Every source partition has no stored offset. */
    private static final OffsetStorageReader NO_OFFSETS = new OffsetStorageReader() {
        @Override
        public <T> Map<String, Object> offset(Map<String, T> partition) {
            return null;
        }

        @Override
        public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
            return Map.of();
        }
    };
}
