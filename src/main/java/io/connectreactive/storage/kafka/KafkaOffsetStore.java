package io.connectreactive.storage.kafka;

import java.nio.ByteBuffer;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.storage.OffsetCodec;
import io.connectreactive.storage.OffsetStore;
import io.connectreactive.storage.TransactionalOffsets;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.errors.DataException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Source offsets in Kafka Connect's offset topic ({@code offset.storage.topic}, 25 partitions by
 * default, compacted): keys {@code ["<connector>",{partition}]}, values the offset as JSON
 * ({@link OffsetCodec}), a tombstone for a removed partition; so a Kafka Connect cluster's topic is
 * read as is, and ours by Kafka Connect.
 *
 * <p>Every offset of the topic is kept in memory, fed by the log's reader thread (every worker reads
 * the whole topic, as Kafka Connect does). A write completes, on the caller's context, once Kafka
 * acknowledged every record, and is readable here from then on. A partition keeps the exact key
 * bytes it was first read with (Kafka Connect looks offsets up by those bytes; the order of a
 * partition's fields may differ), and lookups do not depend on field order. Thread-safe.
 *
 * <p>With {@code exactly.once.source.support=enabled} the topic is read {@code read_committed}: the
 * offsets of an exactly-once task's aborted transaction are never seen, and a read to the end waits
 * for open transactions to end. Such a task writes its offsets itself, in its transaction
 * ({@link TransactionalOffsets}).
 */
public final class KafkaOffsetStore implements OffsetStore, TransactionalOffsets {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaOffsetStore.class);

    /** The source connector key naming a connector's own offsets topic (Kafka Connect's {@code SourceConnectorConfig.OFFSETS_TOPIC_CONFIG}). */
    public static final String CONNECTOR_OFFSETS_TOPIC = "offsets.storage.topic";

    private final Vertx vertx;
    private final KafkaTopicLog log;
    private final OffsetCodec codec = new OffsetCodec();
    /** connector → canonical key → entry. */
    private final Map<String, Map<ByteBuffer, Entry>> data = new HashMap<>();

    public KafkaOffsetStore(Vertx vertx, WorkerConfig config) {
        this(vertx, config, config.exactlyOnceSourceEnabled());
    }

    /** @param readCommitted whether the topic is read {@code read_committed} (exactly-once source tasks write it) */
    public KafkaOffsetStore(Vertx vertx, WorkerConfig config, boolean readCommitted) {
        this(vertx, config, "offsets", WorkerConfig.OFFSET_STORAGE_TOPIC, config.internalTopic(WorkerConfig.OFFSET_STORAGE_PREFIX),
                readCommitted);
    }

    private KafkaOffsetStore(Vertx vertx, WorkerConfig config, String purpose, String topicKey, WorkerConfig.InternalTopic topic,
                             boolean readCommitted) {
        this.vertx = vertx;
        this.log = new KafkaTopicLog(purpose, topicKey, config, topic, Map.of(),
                readCommitted ? Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed") : Map.of(), this::read);
    }

    /**
     * A store on a source connector's own offsets topic ({@code offsets.storage.topic}, KIP-618), as Kafka
     * Connect's {@code KafkaOffsetBackingStore.forTask}/{@code forConnector}: created at start when missing with
     * the worker's offsets-topic settings ({@code offset.storage.partitions}, {@code offset.storage.replication.factor},
     * the other {@code offset.storage.*} topic settings), compacted; read {@code read_committed}, as Kafka Connect's
     * consumer of a connector's offsets topic is by default. Its clients are the worker's internal ones, client id
     * {@code <group.id>-offsets-<owner>}; its threads {@code cr-store-offsets-<owner>}.
     *
     * @param owner the task ({@code <connector>-<n>}) or request the store serves, for thread and client names
     */
    public static KafkaOffsetStore forConnectorTopic(Vertx vertx, WorkerConfig config, String topic, String owner) {
        WorkerConfig.InternalTopic worker = config.internalTopic(WorkerConfig.OFFSET_STORAGE_PREFIX);
        return new KafkaOffsetStore(vertx, config, "offsets-" + owner, CONNECTOR_OFFSETS_TOPIC,
                new WorkerConfig.InternalTopic(topic, worker.partitions(), worker.replicationFactor(), worker.settings()), true);
    }

    /**
     * The source connector's own offsets topic, when this worker gives it one: {@code offsets.storage.topic}
     * set on a clustered worker (Kafka Connect's {@code connectorOffsetsTopicsPermitted()}, false for a standalone
     * worker) and other than the worker's {@code offset.storage.topic}; else null, and the connector's offsets are
     * the worker's (Kafka Connect then builds a store on that same topic alone, which reads and writes the same
     * records). Stateless.
     */
    public static String connectorTopic(WorkerConfig config, Map<String, String> connectorConfig) {
        String topic = connectorConfig.get(CONNECTOR_OFFSETS_TOPIC);
        if (topic == null || topic.isBlank() || !config.clustered()) {
            return null;
        }
        topic = topic.trim();
        return topic.equals(config.getString(WorkerConfig.OFFSET_STORAGE_TOPIC)) ? null : topic;
    }

    @Override
    public Future<Void> start() {
        return onCaller(log.start()).onSuccess(v -> LOG.info("Offset store started on topic {} ({} partitions, offsets of {} source partitions)",
                log.topicName(), log.partitionCount(), size()));
    }

    @Override
    public Map<String, Object> offset(String connector, Map<String, ?> partition) {
        ByteBuffer canonical = codec.canonicalKey(connector, partition);
        synchronized (this) {
            Map<ByteBuffer, Entry> of = data.get(connector);
            Entry e = of == null ? null : of.get(canonical);
            return e == null || e.offset == null ? null : new HashMap<>(e.offset);
        }
    }

    @Override
    public synchronized Map<Map<String, Object>, Map<String, Object>> offsets(String connector) {
        Map<Map<String, Object>, Map<String, Object>> out = new HashMap<>();
        Map<ByteBuffer, Entry> of = data.get(connector);
        if (of != null) {
            of.values().forEach(e -> {
                if (e.offset != null) {
                    out.put(new HashMap<>(e.partition), new HashMap<>(e.offset));
                }
            });
        }
        return out;
    }

    @Override
    public Future<Void> write(String connector, Map<Map<String, ?>, Map<String, ?>> offsets) {
        List<Map.Entry<byte[], byte[]>> records = new ArrayList<>();
        List<Pending> written = new ArrayList<>();
        try {
            prepare(connector, offsets, records, written);
        } catch (RuntimeException e) {
            // an offset the converter cannot serialize
            return Future.failedFuture(e);
        }
        List<CompletableFuture<RecordMetadata>> acks = log.send(records);
        // the write completes once every acknowledged offset is applied here (readable by offset())
        List<CompletableFuture<Void>> applied = new ArrayList<>();
        for (int i = 0; i < acks.size(); i++) {
            Pending p = written.get(i);
            applied.add(acks.get(i).thenAccept(metadata -> applyAcked(p, metadata)));
        }
        return onCaller(CompletableFuture.allOf(applied.toArray(CompletableFuture[]::new)))
                .onFailure(err -> LOG.warn("Could not store offsets of connector {} in topic {}: {}", connector,
                        log.topicName(), err.toString()));
    }

    private synchronized void prepare(String connector, Map<Map<String, ?>, Map<String, ?>> offsets,
                                      List<Map.Entry<byte[], byte[]>> records, List<Pending> written) {
        Map<ByteBuffer, Entry> of = data.get(connector);
        offsets.forEach((partition, offset) -> {
            ByteBuffer canonical = codec.canonicalKey(connector, partition);
            Entry existing = of == null ? null : of.get(canonical);
            // keep the key as first stored (e.g. by Kafka Connect), so that Kafka Connect finds it again
            ByteBuffer key = existing != null ? existing.key : codec.key(connector, partition);
            ByteBuffer value = codec.value(offset);
            records.add(new AbstractMap.SimpleImmutableEntry<>(bytes(key), value == null ? null : bytes(value)));
            // as read back from the topic (JSON numbers as Longs), so that local and read entries look alike
            written.add(new Pending(connector, canonical, key, codec.decodeKey(key).partition(), codec.decodeValue(value)));
        });
    }

    @Override
    public String topic() {
        return log.topicName();
    }

    @Override
    public Staged stage(String connector, Map<Map<String, ?>, Map<String, ?>> offsets) {
        List<Map.Entry<byte[], byte[]>> keyValues = new ArrayList<>();
        List<Pending> written = new ArrayList<>();
        prepare(connector, offsets, keyValues, written);
        String topic = log.topicName();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(keyValues.size());
        keyValues.forEach(kv -> records.add(new ProducerRecord<>(topic, kv.getKey(), kv.getValue())));
        return new Staged() {
            @Override
            public List<ProducerRecord<byte[], byte[]>> records() {
                return records;
            }

            @Override
            public void committed(List<RecordMetadata> metadata) {
                for (int i = 0; i < metadata.size(); i++) {
                    applyAcked(written.get(i), metadata.get(i));
                }
            }
        };
    }

    @Override
    public Future<Void> refresh() {
        return onCaller(log.readToEnd());
    }

    @Override
    public Future<Void> stop() {
        return onCaller(log.stop()).onSuccess(v -> LOG.info("Offset store on topic {} stopped", log.topicName()));
    }

    /** On the reader thread: apply what the topic holds, unless this worker's acknowledged write is newer. */
    private void read(ConsumerRecords<byte[], byte[]> records) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            OffsetCodec.Key key = r.key() == null ? null : codec.decodeKey(ByteBuffer.wrap(r.key()));
            if (key == null) {
                LOG.debug("Ignoring a record of {} whose key is not Kafka Connect's offset key", log.topicName());
                continue;
            }
            Map<String, Object> offset;
            try {
                offset = r.value() == null ? null : codec.decodeValue(ByteBuffer.wrap(r.value()));
            } catch (DataException e) {
                LOG.warn("Ignoring an offset of connector {} in {} that is not JSON: {}", key.connector(), log.topicName(), e.getMessage());
                continue;
            }
            ByteBuffer canonical = codec.canonicalKey(key.connector(), key.partition());
            synchronized (this) {
                Map<ByteBuffer, Entry> of = data.computeIfAbsent(key.connector(), c -> new HashMap<>());
                Entry e = of.get(canonical);
                if (e != null && e.kafkaPartition == r.partition() && e.kafkaOffset > r.offset()) {
                    continue; // older than what this worker wrote and Kafka acknowledged
                }
                if (offset == null) {
                    of.remove(canonical);
                } else {
                    of.put(canonical, new Entry(ByteBuffer.wrap(r.key()), key.partition(), offset, r.partition(), r.offset()));
                }
            }
        }
    }

    private synchronized void applyAcked(Pending p, RecordMetadata metadata) {
        Map<ByteBuffer, Entry> of = data.computeIfAbsent(p.connector, c -> new HashMap<>());
        Entry e = of.get(p.canonical);
        if (e != null && e.kafkaPartition == metadata.partition() && e.kafkaOffset > metadata.offset()) {
            return; // a newer record was already read
        }
        // a tombstone stays as an entry until read back, so that an older record read meanwhile does not revive it
        of.put(p.canonical, new Entry(p.key, p.partition, p.offset, metadata.partition(), metadata.offset()));
    }

    private synchronized int size() {
        return data.values().stream().mapToInt(Map::size).sum();
    }

    private <T> Future<Void> onCaller(CompletableFuture<T> f) {
        return Future.fromCompletionStage(f, vertx.getOrCreateContext()).mapEmpty();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    /**
     * One partition's offset and where it stands in the topic.
     *
     * @param key the key bytes as first stored
     * @param offset null for a tombstone this worker wrote and has not read back yet
     */
    private record Entry(ByteBuffer key, Map<String, Object> partition, Map<String, Object> offset, int kafkaPartition, long kafkaOffset) {
    }

    private record Pending(String connector, ByteBuffer canonical, ByteBuffer key, Map<String, Object> partition, Map<String, Object> offset) {
    }
}
