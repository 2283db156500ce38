package io.connectreactive.storage.kafka;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.model.State;
import io.connectreactive.model.TaskId;
import io.connectreactive.storage.StatusStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.connect.errors.DataException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connector and task statuses and active topics in Kafka Connect's status topic
 * ({@code status.storage.topic}, 5 partitions by default, compacted), in Kafka Connect's records
 * ({@link ConnectFormat}): {@code status-connector-<name>}, {@code status-task-<name>-<n>} and
 * {@code status-topic-<topic>:connector-<name>}.
 *
 * <p>A put is visible here at once and written asynchronously with the generation the caller's
 * {@code generation} supplier gives then; it never blocks. UNASSIGNED and FAILED are written as
 * Kafka Connect's herder writes them, with {@code putSafe}: they do not replace a status of another
 * worker with a newer generation. A failed write is sent once more if it is still the latest for
 * its key, else (or if that fails too) logged once. Records read from the topic (other workers')
 * update memory on the reader thread, except a record older than this worker's own write of the
 * same key, and Kafka Connect's rule that an UNASSIGNED read does not replace a RUNNING status of
 * the same or a newer generation. Thread-safe.
 */
public final class KafkaStatusStore implements StatusStore {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaStatusStore.class);

    private final Vertx vertx;
    private final IntSupplier generation;
    private final KafkaTopicLog log;
    private final ConnectFormat format;
    private final Map<String, Entry> connectors = new HashMap<>();
    private final Map<TaskId, Entry> tasks = new HashMap<>();
    private final ConcurrentHashMap<String, ActiveTopics> topics = new ConcurrentHashMap<>();

    /**
     * @param generation the worker's current generation (Kafka Connect's group generation), asked at each put
     */
    public KafkaStatusStore(Vertx vertx, WorkerConfig config, IntSupplier generation) {
        this.vertx = vertx;
        this.generation = generation;
        WorkerConfig.InternalTopic topic = config.internalTopic(WorkerConfig.STATUS_STORAGE_PREFIX);
        this.format = new ConnectFormat(topic.name());
        // a status write is retried here (once), not for ever by the producer
        this.log = new KafkaTopicLog("statuses", WorkerConfig.STATUS_STORAGE_TOPIC, config, topic,
                Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000), this::read);
    }

    @Override
    public Future<Void> start() {
        return Future.fromCompletionStage(log.start(), vertx.getOrCreateContext())
                .onSuccess(v -> LOG.info("Status store started on topic {} ({} partitions)", log.topicName(), log.partitionCount()));
    }

    @Override
    public Future<Void> stop() {
        return Future.fromCompletionStage(log.stop(), vertx.getOrCreateContext())
                .onSuccess(v -> LOG.info("Status store on topic {} stopped", log.topicName()));
    }

    /** Completes once every status written before, by any worker, was read here. */
    public Future<Void> refresh() {
        return Future.fromCompletionStage(log.readToEnd(), vertx.getOrCreateContext());
    }

    @Override
    public void putConnector(String connector, Status status) {
        put(ConnectFormat.CONNECTOR_STATUS_PREFIX + connector, status, () -> connectors.computeIfAbsent(connector, c -> new Entry()));
    }

    @Override
    public void putTask(TaskId task, Status status) {
        put(taskKey(task), status, () -> tasks.computeIfAbsent(task, c -> new Entry()));
    }

    @Override
    public synchronized Status connector(String connector) {
        Entry e = connectors.get(connector);
        return e == null ? null : e.status;
    }

    @Override
    public synchronized Status task(TaskId task) {
        Entry e = tasks.get(task);
        return e == null ? null : e.status;
    }

    @Override
    public synchronized List<TaskStatus> tasks(String connector) {
        List<TaskStatus> out = new ArrayList<>();
        tasks.forEach((id, e) -> {
            if (id.connector().equals(connector) && e.status != null) {
                out.add(new TaskStatus(id, e.status));
            }
        });
        out.sort(Comparator.comparingInt(t -> t.id().task()));
        return out;
    }

    @Override
    public void remove(String connector) {
        List<Tombstone> tombstones = new ArrayList<>();
        synchronized (this) {
            tombstones.add(tombstone(ConnectFormat.CONNECTOR_STATUS_PREFIX + connector,
                    connectors.computeIfAbsent(connector, c -> new Entry())));
            tasks.forEach((id, e) -> {
                if (id.connector().equals(connector) && e.status != null) {
                    tombstones.add(tombstone(taskKey(id), e));
                }
            });
        }
        ActiveTopics set = topics.get(connector);
        if (set != null) {
            set.clear();
        }
        tombstones.forEach(t -> send(t.key(), null, t.entry(), t.sequence(), false));
    }

    @Override
    public Set<String> activeTopics(String connector) {
        return topics.computeIfAbsent(connector, ActiveTopics::new);
    }

    @Override
    public void resetActiveTopics(String connector) {
        ActiveTopics set = topics.get(connector);
        if (set != null) {
            set.clear();
        }
    }

    @Override
    public void removeTasksFrom(String connector, int fromTask) {
        List<Tombstone> tombstones = new ArrayList<>();
        synchronized (this) {
            tasks.forEach((id, e) -> {
                if (id.connector().equals(connector) && id.task() >= fromTask && e.status != null) {
                    tombstones.add(tombstone(taskKey(id), e));
                }
            });
        }
        tombstones.forEach(t -> send(t.key(), null, t.entry(), t.sequence(), false));
    }

    /**
     * Forgets a status here at once and counts its tombstone as this worker's pending write of the key,
     * so that older records of the key read meanwhile (the status being removed) do not bring it back.
     * The entry stays, without a status, to remember where the tombstone landed. Under the store's lock.
     */
    private Tombstone tombstone(String key, Entry entry) {
        entry.status = null;
        entry.pending++;
        return new Tombstone(key, entry, ++entry.sequence);
    }

    private record Tombstone(String key, Entry entry, int sequence) {
    }

    private static String taskKey(TaskId id) {
        return ConnectFormat.TASK_STATUS_PREFIX + id.connector() + "-" + id.task();
    }

    private static String topicKey(String connector, String topic) {
        return ConnectFormat.TOPIC_STATUS_PREFIX + topic + ConnectFormat.TOPIC_STATUS_SEPARATOR + connector;
    }

    /** Kafka Connect's herder writes these two with {@code putSafe}. */
    private static boolean safeWrite(State state) {
        return state == State.UNASSIGNED || state == State.FAILED;
    }

    private void put(String key, Status status, Supplier<Entry> entryOf) {
        int gen = generation.getAsInt();
        byte[] value;
        try {
            value = format.status(status.state(), status.trace(), status.workerId(), gen);
        } catch (DataException e) {
            LOG.error("Not storing status {} {}: {}", key, status.state(), e.getMessage());
            return;
        }
        Entry entry;
        int sequence;
        synchronized (this) {
            entry = entryOf.get();
            if (safeWrite(status.state()) && !entry.canWriteSafely(status, gen)) {
                LOG.debug("Not writing {} {} of generation {}: worker {} wrote generation {}", key, status.state(), gen,
                        entry.status.workerId(), entry.generation);
                return;
            }
            sequence = ++entry.sequence;
            entry.status = status;
            entry.generation = gen;
            entry.pending++;
        }
        send(key, value, entry, sequence, false);
    }

    /** Sends this worker's status; on failure sends it once more if still the latest, else logs once. */
    private void send(String key, byte[] value, Entry entry, int sequence, boolean retry) {
        CompletableFuture<RecordMetadata> ack = log.send(List.of(new AbstractMap.SimpleImmutableEntry<>(
                ConnectFormat.key(key), value))).get(0);
        ack.whenComplete((metadata, error) -> {
            boolean again;
            synchronized (this) {
                if (error == null) {
                    entry.acked(metadata);
                    return;
                }
                again = !retry && entry.sequence == sequence && (error instanceof RetriableException);
                if (!again) {
                    entry.failed();
                }
            }
            if (again) {
                send(key, value, entry, sequence, true);
            } else {
                LOG.warn("Could not write status {} to {}: {}", key, log.topicName(), error.toString());
            }
        });
    }

    /** A tombstone or topic record, whose failure is only logged. */
    private void sendLogged(String key, byte[] value) {
        log.send(List.of(new AbstractMap.SimpleImmutableEntry<>(ConnectFormat.key(key), value))).get(0)
                .whenComplete((m, error) -> {
                    if (error != null) {
                        LOG.warn("Could not write {} to {}: {}", key, log.topicName(), error.toString());
                    }
                });
    }

    /** On the reader thread. */
    private void read(ConsumerRecords<byte[], byte[]> records) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String key = ConnectFormat.key(r.key());
            try {
                if (key == null) {
                    LOG.warn("Discarding a record without key in {}", log.topicName());
                } else if (key.startsWith(ConnectFormat.CONNECTOR_STATUS_PREFIX)) {
                    readConnector(key.substring(ConnectFormat.CONNECTOR_STATUS_PREFIX.length()), r);
                } else if (key.startsWith(ConnectFormat.TASK_STATUS_PREFIX)) {
                    readTask(key, r);
                } else if (key.startsWith(ConnectFormat.TOPIC_STATUS_PREFIX)) {
                    readTopic(key, r.value());
                } else {
                    LOG.warn("Discarding record with invalid key {} in {}", key, log.topicName());
                }
            } catch (DataException | ClassCastException | IllegalArgumentException e) {
                LOG.error("Ignoring record {} at offset {} of {}: {}", key, r.offset(), log.topicName(), e.toString());
            }
        }
    }

    private void readConnector(String connector, ConsumerRecord<byte[], byte[]> r) {
        if (connector.isEmpty()) {
            LOG.warn("Discarding record with invalid connector status key {}", ConnectFormat.key(r.key()));
            return;
        }
        if (r.value() == null) {
            synchronized (this) {
                Entry e = connectors.get(connector);
                if (e != null && e.newerThan(r)) {
                    return;
                }
                // as Kafka Connect: a connector's tombstone forgets its tasks too (but not a status this worker is writing)
                connectors.remove(connector);
                tasks.forEach((id, t) -> {
                    if (id.connector().equals(connector) && t.pending == 0) {
                        t.status = null;
                    }
                });
            }
            return;
        }
        Parsed p = parse(r.value());
        synchronized (this) {
            connectors.computeIfAbsent(connector, c -> new Entry()).read(p, r);
        }
    }

    private void readTask(String key, ConsumerRecord<byte[], byte[]> r) {
        String rest = key.substring(ConnectFormat.TASK_STATUS_PREFIX.length());
        int dash = rest.lastIndexOf('-');
        TaskId id;
        try {
            id = dash <= 0 ? null : new TaskId(rest.substring(0, dash), Integer.parseInt(rest.substring(dash + 1)));
        } catch (NumberFormatException e) {
            id = null;
        }
        if (id == null) {
            LOG.warn("Invalid task status key {}", key);
            return;
        }
        synchronized (this) {
            Entry e = tasks.get(id);
            if (r.value() == null) {
                if (e != null && !e.newerThan(r)) {
                    e.status = null;
                }
                return;
            }
            Parsed p = parse(r.value());
            if (p.status.state() == State.UNASSIGNED && e != null && e.status != null && e.status.state() == State.RUNNING
                    && e.generation >= p.generation) {
                return; // Kafka Connect's rule: a stale UNASSIGNED does not hide a RUNNING task
            }
            tasks.computeIfAbsent(id, c -> new Entry()).read(p, r);
        }
    }

    private void readTopic(String key, byte[] value) {
        int separator = key.indexOf(':');
        int begin = ConnectFormat.TOPIC_STATUS_PREFIX.length();
        if (separator < begin || !key.startsWith(ConnectFormat.TOPIC_STATUS_SEPARATOR, separator)) {
            LOG.warn("Discarding record with invalid topic status key {}", key);
            return;
        }
        String topic = key.substring(begin, separator);
        String connector = key.substring(separator + ConnectFormat.TOPIC_STATUS_SEPARATOR.length());
        if (topic.isEmpty() || connector.isEmpty()) {
            LOG.warn("Discarding record with invalid topic status key {}", key);
            return;
        }
        ActiveTopics set = topics.computeIfAbsent(connector, ActiveTopics::new);
        if (value == null) {
            set.forget(topic);
        } else if (format.read(value) instanceof Map<?, ?> map && map.get("topic") instanceof Map<?, ?>) {
            set.learn(topic);
        } else {
            LOG.warn("Discarding invalid topic status {}", key);
        }
    }

    private Parsed parse(byte[] value) {
        if (!(format.read(value) instanceof Map<?, ?> map)) {
            throw new DataException("a status must be a map");
        }
        State state = State.valueOf((String) map.get("state"));
        return new Parsed(new Status(state, (String) map.get("trace"), (String) map.get("worker_id")),
                ConnectFormat.intValue(map.get("generation")));
    }

    private record Parsed(Status status, int generation) {
    }

    /**
     * A key's status: the latest this worker put or read, its generation, and where this worker's
     * last acknowledged write of the key stands in the topic (records read from before it are older).
     * Guarded by the store's lock.
     */
    private static final class Entry {
        Status status;
        int generation;
        int sequence;
        /** This worker's writes not yet acknowledged. */
        int pending;
        int ackedPartition = -1;
        long ackedOffset = -1;
        /** The latest record read while a write was pending: applied if it turns out newer than the write. */
        Parsed deferred;
        int deferredPartition;
        long deferredOffset;

        boolean canWriteSafely(Status s, int gen) {
            return status == null || status.workerId() == null || status.workerId().equals(s.workerId()) || generation <= gen;
        }

        boolean newerThan(ConsumerRecord<?, ?> r) {
            return pending > 0 || (ackedPartition == r.partition() && ackedOffset > r.offset());
        }

        void read(Parsed p, ConsumerRecord<?, ?> r) {
            if (pending > 0) {
                deferred = p;
                deferredPartition = r.partition();
                deferredOffset = r.offset();
                return;
            }
            if (ackedPartition == r.partition() && ackedOffset > r.offset()) {
                return;
            }
            status = p.status;
            generation = p.generation;
        }

        void acked(RecordMetadata m) {
            pending--;
            if (m.partition() != ackedPartition || m.offset() > ackedOffset) {
                ackedPartition = m.partition();
                ackedOffset = m.offset();
            }
            applyDeferred();
        }

        void failed() {
            pending--;
            applyDeferred();
        }

        private void applyDeferred() {
            if (pending == 0 && deferred != null) {
                if (!(deferredPartition == ackedPartition && deferredOffset < ackedOffset)) {
                    status = deferred.status;
                    generation = deferred.generation;
                }
                deferred = null;
            }
        }
    }

    /**
     * A connector's active topics: a live set that tasks add to. Adding a topic not in it writes its
     * {@code status-topic-} record; removing one (a reset clears the set) writes a tombstone; topics
     * read from the status topic change it without writing.
     */
    private final class ActiveTopics extends AbstractSet<String> {
        private final String connector;
        private final Set<String> topicSet = ConcurrentHashMap.newKeySet();

        ActiveTopics(String connector) {
            this.connector = connector;
        }

        @Override
        public boolean add(String topic) {
            if (!topicSet.add(topic)) {
                return false;
            }
            // the task that found the topic is not known here: Kafka Connect's record has a task field, 0 is written
            sendLogged(topicKey(connector, topic), format.topicStatus(topic, connector, 0, System.currentTimeMillis()));
            return true;
        }

        @Override
        public boolean remove(Object topic) {
            if (!topicSet.remove(topic)) {
                return false;
            }
            sendLogged(topicKey(connector, (String) topic), null);
            return true;
        }

        @Override
        public boolean contains(Object topic) {
            return topicSet.contains(topic);
        }

        @Override
        public Iterator<String> iterator() {
            Iterator<String> it = topicSet.iterator();
            return new Iterator<>() {
                private String last;

                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public String next() {
                    last = it.next();
                    return last;
                }

                @Override
                public void remove() {
                    it.remove();
                    sendLogged(topicKey(connector, last), null);
                }
            };
        }

        @Override
        public int size() {
            return topicSet.size();
        }

        void learn(String topic) {
            topicSet.add(topic);
        }

        void forget(String topic) {
            topicSet.remove(topic);
        }
    }
}
