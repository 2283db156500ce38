package io.connectreactive.bench.limit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.json.JsonConverter;
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
 * With a {@link Transactions} (exactly once), the producer is transactional: the records of a poll
 * (boundary {@code poll}) or of an interval go in one transaction with the source offsets they reach,
 * written in Kafka Connect's offsets-topic format, and {@code commitRecord} follows the commit.
 * Built and stopped by {@link LimitLoop}'s main thread; {@link #run()} is the loop thread.
 */
public final class SourceLoop implements Runnable {

    private final SourceTask task;
    private final Glue<SourceRecord> glue;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicLong acked;
    private final AtomicReference<Throwable> failure;
    private final Transactions tx;
    /**
     * The open transaction's records with their sends' outcomes (commitRecord gets each one's metadata after the
     * commit, as Kafka Connect's exactly-once task does; null for a record a transform dropped) and the offsets they
     * reach; loop thread.
     */
    private final List<SourceRecord> inTransaction = new ArrayList<>();
    private final List<Future<RecordMetadata>> sends = new ArrayList<>();
    private final Map<Map<String, ?>, Map<String, ?>> offsets = new LinkedHashMap<>();
    private long transactionStart = -1;
    private volatile boolean stopping;

    /**
     * Exactly once: the connector's name (the offsets' key), the offsets topic, {@code poll} or {@code interval}
     * boundaries and the interval, the converter that writes offsets as Kafka Connect's (schemaless JSON).
     */
    record Transactions(String connector, String offsetsTopic, boolean perPoll, long intervalMs, JsonConverter offsetConverter) {
        static Transactions of(String connector, String offsetsTopic, String boundary, long intervalMs) {
            JsonConverter json = new JsonConverter();
            json.configure(Map.of("schemas.enable", "false", "converter.type", "key"));
            return new Transactions(connector, offsetsTopic, "poll".equals(boundary), intervalMs, json);
        }
    }

    SourceLoop(SourceTask task, Glue<SourceRecord> glue, Map<String, Object> producerConfig, AtomicLong acked,
               AtomicReference<Throwable> failure, Transactions tx) {
        this.task = task;
        this.glue = glue;
        this.producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        this.acked = acked;
        this.failure = failure;
        this.tx = tx;
        if (tx != null) {
            producer.initTransactions();
        }
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
                    if (tx != null && !tx.perPoll() && transactionStart >= 0
                            && System.currentTimeMillis() - transactionStart >= tx.intervalMs()) {
                        commitTransaction();
                    }
                    continue;
                }
                if (tx != null) {
                    sendInTransaction(records);
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

    /** Sends a poll's records in the open transaction (begun if none is) and commits it at the boundary. */
    private void sendInTransaction(List<SourceRecord> records) throws InterruptedException {
        if (transactionStart < 0) {
            producer.beginTransaction();
            transactionStart = System.currentTimeMillis();
        }
        for (SourceRecord record : records) {
            SourceRecord transformed = glue.transform(record);
            Future<RecordMetadata> sent = null;
            if (transformed != null) {
                sent = producer.send(glue.toProducerRecord(transformed), (metadata, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    } else {
                        acked.incrementAndGet();
                    }
                });
            }
            inTransaction.add(record);
            sends.add(sent);
            if (record.sourcePartition() != null && record.sourceOffset() != null) {
                offsets.put(record.sourcePartition(), record.sourceOffset());
            }
        }
        if (tx.perPoll() || System.currentTimeMillis() - transactionStart >= tx.intervalMs()) {
            commitTransaction();
        }
    }

    /** Writes the offsets the open transaction reaches (Kafka Connect's key [connector, partition]) and commits it. */
    private void commitTransaction() throws InterruptedException {
        for (Map.Entry<Map<String, ?>, Map<String, ?>> e : offsets.entrySet()) {
            byte[] key = tx.offsetConverter().fromConnectData(tx.offsetsTopic(), null, List.of(tx.connector(), e.getKey()));
            byte[] value = tx.offsetConverter().fromConnectData(tx.offsetsTopic(), null, e.getValue());
            producer.send(new ProducerRecord<>(tx.offsetsTopic(), key, value));
        }
        producer.commitTransaction();
        for (int i = 0; i < inTransaction.size(); i++) {
            Future<RecordMetadata> sent = sends.get(i);
            try {
                task.commitRecord(inTransaction.get(i), sent == null ? null : sent.get());
            } catch (ExecutionException e) {
                throw new IllegalStateException("a record of a committed transaction failed", e.getCause());
            }
        }
        inTransaction.clear();
        sends.clear();
        offsets.clear();
        transactionStart = -1;
    }

    /** Called on the main thread (as Kafka Connect calls {@code stop} from another thread than poll's). */
    void stop() {
        stopping = true;
        task.stop();
    }

    /** After the loop thread has ended (or been given up on): commits an open transaction, flushes and closes the producer. */
    void close() {
        if (tx != null && transactionStart >= 0 && failure.get() == null) {
            try {
                commitTransaction();
            } catch (InterruptedException | RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }
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
