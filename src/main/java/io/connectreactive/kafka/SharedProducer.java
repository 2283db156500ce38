package io.connectreactive.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaWriteStream;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Kafka producer that every source task of a worker shares (Kafka Connect gives each task a
 * producer and a thread; DESIGN.md §10).
 *
 * <p>It is created through vertx-kafka-client ({@link KafkaWriteStream}), but the hot path does not
 * go through that stream's per-record {@code send}: a plain {@code pipeTo} reached only 30–50 % of
 * the raw producer's rate here (STACK.md). Instead tasks hand over whole batches; one sender thread
 * ({@code cr-producer}) calls the raw producer's {@code send}, which may block on metadata or a full
 * buffer, so no event loop ever does; the producer's callbacks count a batch down and the batch's
 * completion hops back to the submitting task's context once. Backpressure is the tasks' own:
 * each bounds its records in flight (see the source pipeline).
 */
public final class SharedProducer {

    private static final Logger LOG = LoggerFactory.getLogger(SharedProducer.class);
    private static final Batch POISON = new Batch(List.of(), null, b -> { });

    private final KafkaWriteStream<byte[], byte[]> stream;
    private final Producer<byte[], byte[]> producer;
    private final LinkedBlockingQueue<Batch> queue = new LinkedBlockingQueue<>();
    private final Thread sender;

    /**
     * @param settings producer settings (bootstrap.servers and the worker's {@code producer.*} keys);
     *        Kafka Connect's forced source-producer settings are applied under them
     */
    public SharedProducer(Vertx vertx, Map<String, String> settings) {
        Map<String, Object> config = new HashMap<>();
        // Kafka Connect's defaults for source producers (Worker.baseProducerConfigs)
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(Long.MAX_VALUE));
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Integer.MAX_VALUE));
        config.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "connect-reactive-producer");
        config.putAll(settings);
        this.stream = KafkaWriteStream.create(vertx, config, new ByteArraySerializer(), new ByteArraySerializer());
        this.producer = stream.unwrap();
        this.sender = new Thread(this::run, "cr-producer");
        sender.setDaemon(true);
        sender.start();
    }

    /** Queues a batch; {@code batch}'s completion handler runs on its context once every record is acked or failed. */
    public void send(Batch batch) {
        if (batch.records.isEmpty()) {
            batch.context.runOnContext(v -> batch.onDone.handle(batch));
            return;
        }
        queue.add(batch);
    }

    /** Flushes and closes the producer; blocking, call it off the event loop. */
    public Future<Void> close(Vertx vertx) {
        queue.add(POISON);
        return vertx.executeBlocking(() -> {
            sender.join(10_000);
            producer.flush();
            return null;
        }).compose(v -> stream.close());
    }

    private void run() {
        while (true) {
            Batch batch;
            try {
                batch = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (batch == POISON) {
                return;
            }
            List<ProducerRecord<byte[], byte[]>> records = batch.records;
            for (int i = 0; i < records.size(); i++) {
                int index = i;
                try {
                    producer.send(records.get(i), (md, err) -> batch.complete(index, md, err));
                } catch (RuntimeException e) {
                    batch.complete(index, null, e);
                }
            }
        }
    }

    /**
     * Records sent together, and what to do once all are acknowledged. Completion state is written
     * by producer I/O threads and read on the batch's context after the hop.
     */
    public static final class Batch {
        private final List<ProducerRecord<byte[], byte[]>> records;
        private final Context context;
        private final Handler<Batch> onDone;
        private final RecordMetadata[] metadata;
        private final AtomicInteger remaining;
        private volatile Throwable failure;
        private volatile AckListener ackListener;

        public Batch(List<ProducerRecord<byte[], byte[]>> records, Context context, Handler<Batch> onDone) {
            this.records = records;
            this.context = context;
            this.onDone = onDone;
            this.metadata = new RecordMetadata[records.size()];
            this.remaining = new AtomicInteger(records.size());
        }

        /** A listener called on the producer's I/O thread for each acknowledged record. */
        public Batch onEachAck(AckListener listener) {
            this.ackListener = listener;
            return this;
        }

        public int size() {
            return records.size();
        }

        public RecordMetadata metadata(int index) {
            return metadata[index];
        }

        /** The first send failure, or null when every record was acknowledged. */
        public Throwable failure() {
            return failure;
        }

        private void complete(int index, RecordMetadata md, Throwable err) {
            if (err != null) {
                if (failure == null) {
                    failure = err;
                }
            } else {
                metadata[index] = md;
                AckListener l = ackListener;
                if (l != null) {
                    try {
                        l.acked(index, md);
                    } catch (RuntimeException e) {
                        LOG.warn("commitRecord failed: {}", e.toString());
                    }
                }
            }
            if (remaining.decrementAndGet() == 0) {
                context.runOnContext(v -> onDone.handle(this));
            }
        }
    }

    /** Per-record acknowledgement callback, run on a producer I/O thread. */
    @FunctionalInterface
    public interface AckListener {
        void acked(int index, RecordMetadata metadata);
    }

}
