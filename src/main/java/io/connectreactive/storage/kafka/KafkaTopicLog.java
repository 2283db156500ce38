package io.connectreactive.storage.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.connectreactive.config.WorkerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One internal topic of a clustered worker, read from its beginning and then continuously (Kafka
 * Connect's {@code KafkaBasedLog}), and written in order.
 *
 * <p>Threads: a reader thread {@code cr-store-<purpose>} alone owns the consumer; it creates the
 * topic (compacted) at start, reads every partition from the beginning, hands each polled batch to
 * the {@code onRecords} callback (on that thread, in offset order per partition) and completes
 * {@link #readToEnd()} requests once every record below the end offsets taken after the request was
 * handed over. A sender thread {@code cr-store-<purpose>-sender} alone calls the producer (whose
 * {@code send} may wait for metadata) and the transactional producer of a writer holding write
 * privileges ({@link #claim}), in call order. No method blocks its caller; callers hop
 * back to their own context. Thread-safe.
 */
final class KafkaTopicLog {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopicLog.class);
    /** How long the topic's partitions may take to appear after creation (Kafka Connect: 30 s). */
    private static final long PARTITIONS_TIMEOUT_MS = 30_000;
    /** Bound on writes handed to the sender and not yet passed to the producer. */
    static final int MAX_QUEUED_SENDS = 10_000;

    private final String purpose;
    private final String topicKey;
    private final WorkerConfig.InternalTopic topic;
    private final Map<String, Object> producerProps;
    private final Map<String, Object> consumerProps;
    private final Map<String, Object> adminProps;
    private final Consumer<ConsumerRecords<byte[], byte[]>> onRecords;
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final CompletableFuture<Void> readerDone = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final List<CompletableFuture<Void>> readRequests = new ArrayList<>();
    private final AtomicInteger queuedSends = new AtomicInteger();
    private final ExecutorService sender;
    private volatile Producer<byte[], byte[]> producer;
    /** The transactional producer of {@link #sendInTransaction}; only the sender thread touches it. */
    private Producer<byte[], byte[]> transactional;
    /** Its {@code transactional.id} while this log holds write privileges, else null; only the sender thread touches it. */
    private String transactionalId;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile int partitionCount;
    private boolean stopping;
    private boolean startCalled;

    /**
     * @param purpose what the topic holds, for thread names, client ids and logs ({@code configs}, {@code offsets}, {@code statuses})
     * @param topicKey the worker key naming the topic, for error messages
     * @param producerOverrides settings over the internal-topic producer's ({@code acks=all}, idempotent, in order)
     * @param onRecords called on the reader thread with each polled batch
     */
    KafkaTopicLog(String purpose, String topicKey, WorkerConfig config, WorkerConfig.InternalTopic topic,
                  Map<String, Object> producerOverrides, Consumer<ConsumerRecords<byte[], byte[]>> onRecords) {
        this(purpose, topicKey, config, topic, producerOverrides, Map.of(), onRecords);
    }

    /** As above, with {@code consumerOverrides} over the reader's settings (e.g. {@code isolation.level}). */
    KafkaTopicLog(String purpose, String topicKey, WorkerConfig config, WorkerConfig.InternalTopic topic,
                  Map<String, Object> producerOverrides, Map<String, Object> consumerOverrides,
                  Consumer<ConsumerRecords<byte[], byte[]>> onRecords) {
        this.purpose = purpose;
        this.topicKey = topicKey;
        this.topic = topic;
        this.onRecords = onRecords;
        String clientId = config.groupId() + "-" + purpose;
        // the top-level client settings (security included), as Kafka Connect gives its internal clients
        producerProps = config.clientConfig(null, ProducerConfig.configNames());
        producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerProps.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        producerProps.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        producerProps.putAll(producerOverrides);
        consumerProps = config.clientConfig(null, ConsumerConfig.configNames());
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumerProps.putAll(consumerOverrides);
        adminProps = config.clientConfig(null, AdminClientConfig.configNames());
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId + "-admin");
        sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cr-store-" + purpose + "-sender");
            t.setDaemon(true);
            return t;
        });
    }

    String topicName() {
        return topic.name();
    }

    /** The topic's partition count, once started. */
    int partitionCount() {
        return partitionCount;
    }

    /**
     * Creates the topic unless it exists, opens the clients and reads the topic to its end; completes
     * on the reader thread once every record then in the topic was handed to {@code onRecords}.
     */
    CompletableFuture<Void> start() {
        synchronized (this) {
            if (startCalled || stopping) {
                return CompletableFuture.failedFuture(new IllegalStateException("The " + purpose + " store was already started"));
            }
            startCalled = true;
        }
        Thread reader = new Thread(this::run, "cr-store-" + purpose);
        reader.setDaemon(true);
        reader.start();
        return started;
    }

    /**
     * Completes (on the reader thread) once every record written to the topic before this call, by
     * anyone, was handed to {@code onRecords}. Retries through broker outages, without bound.
     */
    CompletableFuture<Void> readToEnd() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (this) {
            if (stopping) {
                done.completeExceptionally(new ConnectException("The " + purpose + " store is stopped"));
                return done;
            }
            readRequests.add(done);
        }
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        return done;
    }

    /**
     * Writes records in the order given (a null value is a tombstone); the future of each completes
     * on the producer's thread when Kafka acknowledged it.
     */
    List<CompletableFuture<RecordMetadata>> send(List<Map.Entry<byte[], byte[]>> records) {
        List<CompletableFuture<RecordMetadata>> out = new ArrayList<>();
        records.forEach(r -> out.add(new CompletableFuture<>()));
        if (queuedSends.addAndGet(records.size()) > MAX_QUEUED_SENDS) {
            queuedSends.addAndGet(-records.size());
            ConnectException full = new ConnectException("More than " + MAX_QUEUED_SENDS + " writes to " + topic.name()
                    + " are waiting for the producer");
            out.forEach(f -> f.completeExceptionally(full));
            return out;
        }
        try {
            sender.execute(() -> {
                queuedSends.addAndGet(-records.size());
                for (int i = 0; i < records.size(); i++) {
                    CompletableFuture<RecordMetadata> f = out.get(i);
                    Producer<byte[], byte[]> p = producer;
                    if (p == null) {
                        f.completeExceptionally(new ConnectException("The " + purpose + " store is not started"));
                        continue;
                    }
                    try {
                        p.send(new ProducerRecord<>(topic.name(), records.get(i).getKey(), records.get(i).getValue()),
                                (metadata, error) -> {
                                    if (error != null) {
                                        f.completeExceptionally(error);
                                    } else {
                                        f.complete(metadata);
                                    }
                                });
                    } catch (RuntimeException e) {
                        f.completeExceptionally(e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            queuedSends.addAndGet(-records.size());
            out.forEach(f -> f.completeExceptionally(new ConnectException("The " + purpose + " store is stopped")));
        }
        return out;
    }

    /**
     * Takes write privileges under {@code transactionalId} (Kafka Connect's fencible writer of its leader):
     * a transactional producer of that id is created and {@code initTransactions()} fences every older
     * producer of the same id, wherever it runs, aborting its open transaction. Completes on the sender
     * thread; a failure leaves the privileges to be taken again by the next {@link #sendInTransaction}.
     */
    CompletableFuture<Void> claim(String transactionalId) {
        return onSender(() -> {
            if (!transactionalId.equals(this.transactionalId)) {
                closeTransactional();
                this.transactionalId = transactionalId;
            }
            openTransactional();
            return null;
        });
    }

    /** Gives up write privileges: the transactional producer is closed; later transactional sends fail. */
    CompletableFuture<Void> release() {
        return onSender(() -> {
            closeTransactional();
            transactionalId = null;
            return null;
        });
    }

    /**
     * Writes records in the order given in one transaction of the producer {@link #claim} created (again,
     * if a failure closed it); completes on the sender thread once the transaction committed. Fails when no
     * privileges are held, or when the transaction fails (a newer producer of the same id fenced this one):
     * the producer is then closed, its transaction aborted, nothing of it visible to a
     * {@code read_committed} reader.
     */
    CompletableFuture<Void> sendInTransaction(List<Map.Entry<byte[], byte[]>> records) {
        return onSender(() -> {
            if (transactionalId == null) {
                throw new ConnectException("Cannot write to " + topic.name() + " in a transaction without write privileges");
            }
            openTransactional();
            try {
                transactional.beginTransaction();
                for (Map.Entry<byte[], byte[]> r : records) {
                    transactional.send(new ProducerRecord<>(topic.name(), r.getKey(), r.getValue()));
                }
                transactional.commitTransaction();
            } catch (RuntimeException e) {
                closeTransactional();
                throw e;
            }
            return null;
        });
    }

    /** On the sender thread. */
    private void openTransactional() {
        if (transactional != null) {
            return;
        }
        Map<String, Object> props = new HashMap<>(producerProps);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, producerProps.get(ProducerConfig.CLIENT_ID_CONFIG) + "-leader");
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        // idempotent: up to 5 in flight keep their order, as on Kafka Connect's fencible writer
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        Producer<byte[], byte[]> p = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        try {
            p.initTransactions();
        } catch (RuntimeException e) {
            p.close(Duration.ZERO);
            throw e;
        }
        transactional = p;
    }

    /** On the sender thread. */
    private void closeTransactional() {
        Producer<byte[], byte[]> p = transactional;
        transactional = null;
        if (p != null) {
            try {
                p.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("Closing the transactional producer of {} failed: {}", topic.name(), e.toString());
            }
        }
    }

    private <T> CompletableFuture<T> onSender(Callable<T> job) {
        CompletableFuture<T> done = new CompletableFuture<>();
        try {
            sender.execute(() -> {
                try {
                    done.complete(job.call());
                } catch (Throwable e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(new ConnectException("The " + purpose + " store is stopped"));
        }
        return done;
    }

    /**
     * Stops reading, waits for the writes handed over to be acknowledged (or to fail), and closes the
     * clients; completes on a thread of this log.
     */
    CompletableFuture<Void> stop() {
        List<CompletableFuture<Void>> abandoned;
        synchronized (this) {
            if (stopping) {
                return readerDone.thenCombine(closed, (a, b) -> null);
            }
            stopping = true;
            if (!startCalled) {
                readerDone.complete(null);
            }
            abandoned = new ArrayList<>(readRequests);
            readRequests.clear();
        }
        abandoned.forEach(f -> f.completeExceptionally(new ConnectException("The " + purpose + " store is stopped")));
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        sender.execute(() -> {
            closeTransactional();
            Producer<byte[], byte[]> p = producer;
            if (p != null) {
                try {
                    p.close(Duration.ofSeconds(30));
                } catch (RuntimeException e) {
                    LOG.warn("Closing the producer of {} failed: {}", topic.name(), e.toString());
                }
            }
            closed.complete(null);
        });
        sender.shutdown();
        if (!started.isDone()) {
            // the reader never got going; it will notice stopping
            started.completeExceptionally(new ConnectException("The " + purpose + " store was stopped while starting"));
        }
        return readerDone.thenCombine(closed, (a, b) -> null);
    }

    private synchronized boolean stopping() {
        return stopping;
    }

    /** The reader thread. */
    private void run() {
        try {
            open();
        } catch (Throwable e) {
            LOG.error("Could not start the {} store on topic {}: {}", purpose, topic.name(), e.toString());
            started.completeExceptionally(e);
            closeConsumer();
            Producer<byte[], byte[]> p = producer;
            producer = null;
            if (p != null) {
                p.close(Duration.ZERO);
            }
            readerDone.complete(null);
            return;
        }
        started.complete(null);
        LOG.debug("Read topic {} ({} partitions) to its end; following it", topic.name(), partitionCount);
        boolean outage = false;
        while (!stopping()) {
            List<CompletableFuture<Void>> serving;
            synchronized (this) {
                serving = new ArrayList<>(readRequests);
            }
            try {
                if (!serving.isEmpty()) {
                    readToLogEnd(Duration.ofSeconds(30));
                    synchronized (this) {
                        readRequests.removeAll(serving);
                    }
                    serving.forEach(f -> f.complete(null));
                    if (outage) {
                        outage = false;
                        LOG.info("Reading topic {} again", topic.name());
                    }
                }
                deliver(consumer.poll(serving.isEmpty() ? Duration.ofMillis(Integer.MAX_VALUE) : Duration.ZERO));
            } catch (WakeupException e) {
                // a read-to-end request or stop: go round again
            } catch (RetriableException e) {
                if (!outage) {
                    outage = true;
                    LOG.warn("Cannot read topic {} to its end, retrying: {}", topic.name(), e.getMessage());
                }
            } catch (Throwable e) {
                LOG.error("Unexpected error reading topic {}, retrying", topic.name(), e);
            }
        }
        closeConsumer();
        readerDone.complete(null);
    }

    private void open() throws Exception {
        try (Admin admin = Admin.create(adminProps)) {
            ensureTopic(admin);
        }
        Producer<byte[], byte[]> p = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        synchronized (this) {
            // published under the lock that stop() takes first, so that stop() closes what it finds
            consumer = c;
            if (stopping) {
                p.close(Duration.ZERO);
                throw new ConnectException("stopped while starting");
            }
            producer = p;
        }
        List<PartitionInfo> infos = consumer.partitionsFor(topic.name());
        long deadline = System.currentTimeMillis() + PARTITIONS_TIMEOUT_MS;
        while (infos.isEmpty() && System.currentTimeMillis() < deadline && !stopping()) {
            // a topic just created may take a moment to show in metadata (the reader's own thread waits)
            Thread.sleep(100);
            infos = consumer.partitionsFor(topic.name());
        }
        if (infos.isEmpty()) {
            throw new ConnectException("Could not look up partition metadata for topic '" + topic.name() + "' in "
                    + PARTITIONS_TIMEOUT_MS / 1000 + " s");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
        partitionCount = partitions.size();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        // the producer's metadata too, so that the first send does not wait for it
        producer.partitionsFor(topic.name());
        while (true) {
            try {
                readToLogEnd(Duration.ofSeconds(30));
                return;
            } catch (WakeupException e) {
                if (stopping()) {
                    throw new ConnectException("stopped while starting");
                }
            } catch (RetriableException e) {
                if (stopping()) {
                    throw e;
                }
                LOG.warn("Cannot read topic {} to its end yet, retrying: {}", topic.name(), e.getMessage());
            }
        }
    }

    /**
     * Creates the topic (compacted, the configured partitions and replication factor); an existing
     * topic must be compacted only, as Kafka Connect requires.
     */
    private void ensureTopic(Admin admin) throws Exception {
        Map<String, String> configs = new HashMap<>(topic.settings());
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        NewTopic newTopic = new NewTopic(topic.name(),
                topic.partitions() == -1 ? Optional.empty() : Optional.of(topic.partitions()),
                topic.replicationFactor() == -1 ? Optional.empty() : Optional.of(topic.replicationFactor())).configs(configs);
        try {
            admin.createTopics(List.of(newTopic)).all().get(60, TimeUnit.SECONDS);
            LOG.info("Created topic {} for {} (partitions {}, replication factor {}, cleanup.policy=compact)", topic.name(), purpose,
                    topic.partitions() == -1 ? "broker default" : topic.partitions(),
                    topic.replicationFactor() == -1 ? "broker default" : topic.replicationFactor());
            return;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic.name());
        Config described;
        try {
            described = admin.describeConfigs(List.of(resource)).all().get(60, TimeUnit.SECONDS).get(resource);
        } catch (ExecutionException e) {
            LOG.info("Cannot check that topic {} is compacted: {}", topic.name(), e.getCause().toString());
            return;
        }
        ConfigEntry policy = described == null ? null : described.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        Set<String> policies = policy == null || policy.value() == null ? Set.of()
                : Set.of(policy.value().replace(" ", "").split(","));
        if (!policies.isEmpty() && !policies.equals(Set.of(TopicConfig.CLEANUP_POLICY_COMPACT))) {
            throw new ConfigException("Topic '" + topic.name() + "' supplied via the '" + topicKey + "' property is required "
                    + "to have 'cleanup.policy=compact' to guarantee consistency and durability of " + purpose
                    + ", but found the topic currently has 'cleanup.policy=" + policy.value() + "'");
        }
    }

    /** Polls until the consumer's position reaches the end offsets taken now, delivering what it reads. */
    private void readToLogEnd(Duration timeout) {
        Collection<TopicPartition> assignment = consumer.assignment();
        Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(assignment, timeout));
        while (!end.isEmpty()) {
            end.entrySet().removeIf(e -> consumer.position(e.getKey(), timeout) >= e.getValue());
            if (!end.isEmpty()) {
                deliver(consumer.poll(Duration.ofMillis(500)));
            }
        }
    }

    private void deliver(ConsumerRecords<byte[], byte[]> records) {
        if (records.isEmpty()) {
            return;
        }
        try {
            onRecords.accept(records);
        } catch (RuntimeException e) {
            LOG.error("Could not apply records of topic {}", topic.name(), e);
        }
    }

    private void closeConsumer() {
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            try {
                c.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("Closing the consumer of {}: {}", topic.name(), e.toString());
            }
        }
    }
}
