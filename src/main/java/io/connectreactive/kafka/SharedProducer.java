package io.connectreactive.kafka;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka producer that source tasks share: one per worker, plus one of its own for each task of
 * a connector with {@code producer.override.*} settings (Kafka Connect gives each task a producer
 * and a thread; docs/ARCHITECTURE.md, "Producers").
 *
 * <p>It is created through vertx-kafka-client ({@link KafkaWriteStream}), but the hot path does not
 * go through that stream's per-record {@code send}: a plain {@code pipeTo} reached only 30–50 % of
 * the raw producer's rate here. Two ways in:
 * <ul>
 * <li><b>A classic task's own thread</b> calls {@link #sendNow} for each record, as Kafka Connect's
 * task thread calls {@code send}: the record crosses no thread of ours, and its callback runs on the
 * producer's I/O thread ({@code ClassicSourceLoop}).
 * <li><b>Reactive tasks</b>, whose records are on an event loop, hand over whole batches
 * ({@link #send(Batch)}); one sender thread ({@code cr-producer}) calls the raw producer's
 * {@code send}; the producer's callbacks count a batch down and the batch's completion hops back to
 * the submitting task's context once. What follows about stalls and lanes is about this way.
 * </ul>
 *
 * <p><b>The sender never waits for one task's record.</b> The producer runs with
 * {@code max.block.ms=0}: a record whose topic is not (yet) in the producer's metadata (a topic that
 * does not exist and may not be auto-created, or a new topic whose metadata is on its way) or that
 * finds {@code buffer.memory} full is refused at once with a retriable error instead of blocking the
 * thread. The sender then stops sending that task's records: the batch's unsent tail, and every later
 * batch of the same {@link Lane} until the task {@linkplain Lane#resume() resumes} it, are handed
 * back to the task ({@link Lane}'s stall handler, on its context, in order), which retries them
 * after a backoff. Other tasks' batches keep flowing. Any other refusal of a record, an {@code Error}
 * included, fails that record (and so its batch: the task fails, or with {@code errors.tolerance=all}
 * skips it) and the sender goes on; if the sender thread ever ends anyway, queued and later batches
 * fail with the reason instead of waiting forever.
 *
 * <p>Worker-wide, records handed over and not yet acknowledged are bounded by a {@link QueueBound}
 * ({@code runtime.source.max.queued.records}) that all producers of the worker share; tasks take room
 * before they send and wait for it in FIFO order.
 */
public final class SharedProducer {

    private static final Logger LOG = LoggerFactory.getLogger(SharedProducer.class);
    private static final Batch POISON = new Batch(List.of(), null, null, b -> { });

    private final KafkaWriteStream<byte[], byte[]> stream;
    private final Producer<byte[], byte[]> producer;
    private final QueueBound bound;
    private final LinkedBlockingQueue<Batch> queue = new LinkedBlockingQueue<>();
    private final Thread sender;
    /** Why the sender thread ended unexpectedly; then every batch fails at once. */
    private volatile Throwable dead;
    private volatile boolean closed;

    /** The record the sender is handing to {@code producer.send}: its callback may run synchronously on the sender. */
    private RecordCallback sending;
    /** The error a synchronous callback reported for {@link #sending}. */
    private Throwable sendError;

    /**
     * @param settings the producer's settings as {@link ClientConfigs} builds them ({@link ClientConfigs#sharedProducer},
     *        {@link ClientConfigs#taskProducer}); {@code max.block.ms=0} is set over them
     * @param bound the worker-wide bound on queued records
     * @param threadName the sender thread's name
     */
    public SharedProducer(Vertx vertx, Map<String, String> settings, QueueBound bound, String threadName) {
        this(KafkaWriteStream.create(vertx, clientConfig(settings), new ByteArraySerializer(), new ByteArraySerializer()),
                bound, threadName);
    }

    /** {@code settings} with {@code max.block.ms=0} over them: the one setting this class's threads depend on. */
    private static Map<String, Object> clientConfig(Map<String, String> settings) {
        Map<String, Object> config = new HashMap<>(settings);
        String maxBlock = settings.get(ProducerConfig.MAX_BLOCK_MS_CONFIG);
        if (maxBlock != null && !"0".equals(maxBlock.trim())) {
            LOG.info("Producer setting max.block.ms={} ignored: the producer never blocks; a task whose records "
                    + "cannot be sent retries them itself", maxBlock);
        }
        // no thread that sends may wait for one record: the sender serves every reactive task
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "0");
        return config;
    }

    private SharedProducer(KafkaWriteStream<byte[], byte[]> stream, QueueBound bound, String threadName) {
        this.bound = bound;
        this.stream = stream;
        this.producer = stream.unwrap();
        this.sender = new Thread(this::run, threadName);
        sender.setDaemon(true);
        sender.start();
    }

    /**
     * Over a producer given, for the JMH benchmarks of the per-record path: kafka-clients'
     * {@code MockProducer} there, so that what is measured is the runtime's own work per record.
     */
    public static SharedProducer over(Vertx vertx, Producer<byte[], byte[]> producer, QueueBound bound) {
        return new SharedProducer(KafkaWriteStream.create(vertx, producer), bound, "cr-producer-bench");
    }

    /** The worker's shared producer ({@code cr-producer}), with {@link ClientConfigs#sharedProducer}'s settings. */
    public SharedProducer(Vertx vertx, Map<String, String> settings, QueueBound bound) {
        this(vertx, settings, bound, "cr-producer");
    }

    /**
     * A producer of one task's own ({@link ClientConfigs#taskProducer}'s settings, for a connector's
     * {@code producer.override.*}), sharing this worker's queue bound. Creating a Kafka producer
     * blocks briefly: call it off the event loop. Close it when the task stops.
     */
    public SharedProducer sibling(Vertx vertx, Map<String, String> settings, String threadName) {
        return new SharedProducer(vertx, settings, bound, threadName);
    }

    /** The Kafka producer itself, for its metrics (Micrometer's Kafka binder); never send through it. */
    public Producer<byte[], byte[]> client() {
        return producer;
    }

    /** The worker-wide bound on queued records. */
    public QueueBound bound() {
        return bound;
    }

    /**
     * Hands one record to Kafka from the calling thread, a classic task's own: never blocks
     * ({@code max.block.ms=0}). A refusal (a retriable one too: the topic not in the metadata yet,
     * {@code buffer.memory} full) reaches {@code callback} synchronously on the calling thread, as
     * Kafka's producer reports it, and so does anything {@code send} throws, an {@code Error}
     * included; acknowledgements reach it on the producer's I/O thread. Never throws.
     */
    public void sendNow(ProducerRecord<byte[], byte[]> record, Callback callback) {
        if (closed) {
            callback.onCompletion(null, new IllegalStateException("the producer is closed"));
            return;
        }
        try {
            producer.send(record, callback);
        } catch (Exception e) {
            // closed meanwhile, interrupted: the record was not handed over
            callback.onCompletion(null, e);
        } catch (Error e) {
            // an interceptor's Error escapes send(): this record is refused, the task decides
            callback.onCompletion(null, new KafkaException(e.toString(), e));
        }
    }

    /**
     * Queues a batch; never blocks and never throws. The batch's completion handler runs on its
     * lane's context once every record handed to Kafka is acked or failed; records handed back
     * unsent go to the lane's stall handler first.
     */
    public void send(Batch batch) {
        if (batch.records.isEmpty()) {
            batch.finish();
            return;
        }
        Throwable why = dead;
        if (why == null && closed) {
            why = new IllegalStateException("the producer is closed");
        }
        if (why != null) {
            batch.fail(0, why);
            return;
        }
        queue.add(batch);
        if (dead != null) {
            failQueued(dead);
        }
    }

    /** Flushes and closes the producer; waits off the event loop, at most {@code timeout} for the flush. */
    public Future<Void> close(Vertx vertx, Duration timeout) {
        closed = true;
        queue.add(POISON);
        return vertx.<Void>executeBlocking(() -> {
            sender.join(10_000);
            producer.close(timeout);
            return null;
        }, false).compose(v -> stream.close()).recover(err -> {
            LOG.warn("Producer {} did not close cleanly: {}", sender.getName(), err.toString());
            return Future.succeededFuture();
        });
    }

    /** Flushes and closes the producer; blocking, call it off the event loop. */
    public Future<Void> close(Vertx vertx) {
        closed = true;
        queue.add(POISON);
        return vertx.executeBlocking(() -> {
            sender.join(10_000);
            producer.flush();
            return null;
        }).compose(v -> stream.close());
    }

    private void run() {
        Throwable death = null;
        try {
            while (true) {
                Batch batch;
                try {
                    batch = queue.take();
                } catch (InterruptedException e) {
                    death = e;
                    return;
                }
                if (batch == POISON) {
                    return;
                }
                try {
                    sendBatch(batch);
                } catch (Throwable t) {
                    // sendBatch accounts for each record; this is a last resort that keeps the thread alive
                    LOG.error("Sender {} failed on a batch; the batch fails, the sender goes on: {}", sender.getName(), t.toString());
                }
            }
        } catch (Throwable t) {
            death = t;
        } finally {
            if (death != null || !closed) {
                Throwable why = death != null ? death : new IllegalStateException("sender thread ended");
                dead = new ConnectException("The producer's sender thread " + sender.getName()
                        + " ended: " + why, why);
                LOG.error("Sender thread {} ended unexpectedly; records queued and sent later fail: {}", sender.getName(), why.toString());
                failQueued(dead);
            }
        }
    }

    private void failQueued(Throwable why) {
        List<Batch> left = new ArrayList<>();
        queue.drainTo(left);
        for (Batch b : left) {
            if (b != POISON) {
                b.fail(0, why);
            }
        }
    }

    /** Hands one batch's records to Kafka, unless its lane is stalled; runs on the sender thread. */
    private void sendBatch(Batch batch) {
        Lane lane = batch.lane;
        if (lane.stall != null) {
            batch.stall(0, lane.stall);
            return;
        }
        List<ProducerRecord<byte[], byte[]>> records = batch.records;
        int size = records.size();
        for (int i = 0; i < size; i++) {
            RecordCallback cb = new RecordCallback(batch, i);
            sending = cb;
            sendError = null;
            try {
                producer.send(records.get(i), cb);
            } catch (Throwable t) {
                sendError = t;
            } finally {
                sending = null;
            }
            Throwable err = sendError;
            if (err != null) {
                sendError = null;
                if (err instanceof RetriableException) {
                    // not in metadata yet, or buffer.memory full: this task waits, nobody else does
                    lane.stall = err;
                    batch.stall(i, err);
                    return;
                }
                // this record is refused (too large, an interceptor's error...); the batch's others still go:
                // the task decides, failing or, with errors.tolerance=all, skipping it (Kafka Connect's KIP-779)
                batch.complete(i, null, err);
            }
        }
    }

    /**
     * Records sent together, and what to do once all are acknowledged. Completion state is written
     * by the sender and producer I/O threads and read on the batch's context after the hop.
     */
    public static final class Batch {
        private final List<ProducerRecord<byte[], byte[]>> records;
        private final Lane lane;
        private final Object tag;
        private final Handler<Batch> onDone;
        private final RecordMetadata[] metadata;
        private final AtomicInteger remaining;
        private volatile Throwable failure;
        private volatile int sent;
        private volatile Throwable stall;
        private QueueBound bound;

        /**
         * @param lane the submitting task's lane (its context and stall handler)
         * @param tag whatever the submitter wants back with the batch
         * @param onDone called on the lane's context once every record handed to Kafka is acked or failed
         */
        public Batch(List<ProducerRecord<byte[], byte[]>> records, Lane lane, Object tag, Handler<Batch> onDone) {
            this.records = records;
            this.lane = lane;
            this.tag = tag;
            this.onDone = onDone;
            this.metadata = new RecordMetadata[records.size()];
            this.remaining = new AtomicInteger(records.size());
            this.sent = records.size();
        }

        /** Marks that this batch holds room of {@code bound} for its records, given back as they complete. */
        public Batch holding(QueueBound bound) {
            this.bound = bound;
            return this;
        }

        public int size() {
            return records.size();
        }

        public Object tag() {
            return tag;
        }

        public RecordMetadata metadata(int index) {
            return metadata[index];
        }

        /** The first send failure, or null when every record handed to Kafka was acknowledged. */
        public Throwable failure() {
            return failure;
        }

        /** How many records, from the first, were handed to Kafka; the others came back unsent. */
        public int sent() {
            return sent;
        }

        /** Why records came back unsent (a retriable error), or null. */
        public Throwable stallCause() {
            return stall;
        }

        private void complete(int index, RecordMetadata md, Throwable err) {
            if (err != null) {
                if (failure == null) {
                    failure = err;
                }
            } else {
                metadata[index] = md;
            }
            if (remaining.decrementAndGet() == 0) {
                finish();
            }
        }

        /** Records from {@code from} on are handed back; the lane's stall handler gets them first. */
        private void stall(int from, Throwable cause) {
            this.sent = from;
            this.stall = cause;
            int unsent = records.size() - from;
            release(unsent);
            lane.context.runOnContext(v -> lane.onStall.handle(this));
            if (remaining.addAndGet(-unsent) == 0) {
                finish();
            }
        }

        /** Records from {@code from} on fail without being sent. */
        private void fail(int from, Throwable cause) {
            this.sent = from;
            if (failure == null) {
                failure = cause;
            }
            int unsent = records.size() - from;
            release(unsent);
            if (remaining.addAndGet(-unsent) == 0) {
                finish();
            }
        }

        private void finish() {
            release(sent);
            lane.context.runOnContext(v -> onDone.handle(this));
        }

        private void release(int n) {
            QueueBound b = bound;
            if (b != null && n > 0) {
                b.release(n);
            }
        }
    }

    /** One record's callback: a synchronous call on the sender thread is a refusal, reported to the sender. */
    private final class RecordCallback implements Callback {
        private final Batch batch;
        private final int index;

        RecordCallback(Batch batch, int index) {
            this.batch = batch;
            this.index = index;
        }

        @Override
        public void onCompletion(RecordMetadata md, Exception err) {
            if (err != null && sending == this && Thread.currentThread() == sender) {
                sendError = err;
                return;
            }
            batch.complete(index, md, err);
        }
    }

    /**
     * One task's sending state as the sender sees it: stalled (records handed back until the task
     * resumes it) or not. Written by the sender thread and, to resume, by the task while none of
     * its batches is queued.
     */
    public static final class Lane {
        private final Context context;
        private final Handler<Batch> onStall;
        private volatile Throwable stall;

        /**
         * @param context the task's context: completions and stalls are delivered there
         * @param onStall called with each batch some of whose records came back unsent, in the order sent
         */
        public Lane(Context context, Handler<Batch> onStall) {
            this.context = context;
            this.onStall = onStall;
        }

        /** Lets the sender send this lane's batches again; only while none of them is queued. */
        public void resume() {
            stall = null;
        }
    }

    /**
     * The worker-wide bound on records handed to producers and not yet acknowledged. Room is taken
     * per batch and given back as batches complete; a task that finds no room waits in FIFO order
     * (fairly: a large request is not overtaken by small ones). Thread-safe; while nobody waits,
     * taking and giving back room is one atomic update, without the monitor (a one-record-per-poll
     * task takes and gives back room for every record, on two threads).
     */
    public static final class QueueBound {
        private final int max;
        private final AtomicInteger queued = new AtomicInteger();
        private final AtomicInteger peak = new AtomicInteger();
        /** Requests waiting for room, in order; under the monitor. */
        private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
        /**
         * A request waits: room is then taken only under the monitor, in the waiters' order. Set
         * before a new waiter looks for room, read after room is given back, so that one of the two
         * sees the other (no grant is missed).
         */
        private volatile boolean waiting;

        public QueueBound(int max) {
            this.max = Math.max(1, max);
        }

        /** The bound: no request may be larger. */
        public int max() {
            return max;
        }

        /** Records queued now. */
        public int queued() {
            return queued.get();
        }

        /** The most records ever queued at once. */
        public int peak() {
            return peak.get();
        }

        /** Takes room for {@code n} records if there is room and nobody waits; never queues a request. */
        public boolean tryAcquire(int n) {
            return !waiting && take(n);
        }

        /**
         * Takes room for {@code n} records (at most {@link #max()}) if there is room and nobody waits;
         * otherwise queues the request and runs {@code onRoom} on {@code context} once room was taken for it.
         */
        public boolean acquire(int n, Context context, Runnable onRoom) {
            if (tryAcquire(n)) {
                return true;
            }
            synchronized (this) {
                if (waiters.isEmpty() && take(n)) {
                    return true;
                }
                waiters.addLast(new Waiter(n, context, onRoom));
                waiting = true;
            }
            grant(); // room given back between the failed take and the flag is this request's
            return false;
        }

        /**
         * Withdraws a waiting request (its task stops); false when it is not waiting (room was
         * already taken for it, and {@code onRoom} runs or ran).
         */
        public boolean cancel(Runnable onRoom) {
            synchronized (this) {
                if (!waiters.removeIf(w -> w.onRoom == onRoom)) {
                    return false;
                }
                waiting = !waiters.isEmpty();
            }
            // the withdrawn request may have held back smaller ones behind it
            grant();
            return true;
        }

        /** Gives back room for {@code n} records and grants waiting requests in order. */
        public void release(int n) {
            if (n != 0) {
                queued.addAndGet(-n);
            }
            if (waiting) {
                grant();
            }
        }

        /** Takes room for the waiting requests that now fit, in order, and tells each on its context. */
        private void grant() {
            List<Waiter> granted = null;
            synchronized (this) {
                while (!waiters.isEmpty() && take(waiters.peekFirst().n)) {
                    if (granted == null) {
                        granted = new ArrayList<>(2);
                    }
                    granted.add(waiters.pollFirst());
                }
                waiting = !waiters.isEmpty();
            }
            if (granted != null) {
                for (Waiter w : granted) {
                    w.context.runOnContext(v -> w.onRoom.run());
                }
            }
        }

        private boolean take(int n) {
            while (true) {
                int q = queued.get();
                if (q + n > max) {
                    return false;
                }
                if (queued.compareAndSet(q, q + n)) {
                    if (q + n > peak.get()) {
                        peak.accumulateAndGet(q + n, Math::max);
                    }
                    return true;
                }
            }
        }

        private record Waiter(int n, Context context, Runnable onRoom) {
        }
    }
}
