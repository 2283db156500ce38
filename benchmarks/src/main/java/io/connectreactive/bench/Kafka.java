package io.connectreactive.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The harness's own Kafka clients against the shared broker: topics, end offsets (the source
 * scenario's finish line), pre-filling the sink topic and reading records back. Used from the
 * harness's main thread.
 */
final class Kafka implements AutoCloseable {

    private final String bootstrap;
    private final Admin admin;

    Kafka(String bootstrap) {
        this.bootstrap = bootstrap;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.CLIENT_ID_CONFIG, "bench-admin"));
    }

    /** Creates a 1-partition topic. */
    void createTopic(String topic) throws ExecutionException, InterruptedException {
        createTopic(topic, 1);
    }

    void createTopic(String topic, int partitions) throws ExecutionException, InterruptedException {
        admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()))).all().get();
    }

    /** The sum of the end offsets of every partition of {@code topic}; 0 while it does not exist. */
    long totalEndOffset(String topic) throws InterruptedException {
        try {
            var description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
            description.partitions().forEach(p -> specs.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            long sum = 0;
            for (var e : admin.listOffsets(specs).all().get().values()) {
                sum += e.offset();
            }
            return sum;
        } catch (ExecutionException e) {
            return 0;
        }
    }

    /** Writes {@code values} to {@code topic} (no key), fast; for input topics filled before a scenario. */
    void fillValues(String topic, java.util.Iterator<byte[]> values) throws Exception {
        Map<String, Object> config = producerConfig("bench-fill");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            while (values.hasNext()) {
                p.send(new ProducerRecord<>(topic, null, values.next()));
            }
            p.flush();
        }
    }

    /** Writes keyed records ({@code [key, value]}) to {@code topic}, fast; for input topics filled before a scenario. */
    void fillKeyed(String topic, java.util.Iterator<byte[][]> records) throws Exception {
        Map<String, Object> config = producerConfig("bench-fill");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            while (records.hasNext()) {
                byte[][] kv = records.next();
                p.send(new ProducerRecord<>(topic, kv[0], kv[1]));
            }
            p.flush();
        }
    }

    /** A consumer assigned to every partition of {@code topic}, from its end (the busy-tasks reader). */
    KafkaConsumer<byte[], byte[]> consumerAtEnd(String topic, int partitions) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-busy-reader");
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> tps = new java.util.ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            tps.add(new TopicPartition(topic, i));
        }
        c.assign(tps);
        c.seekToEnd(tps);
        tps.forEach(c::position);
        return c;
    }

    /** Whether group {@code group} is stable with every one of its {@code partitions} partitions assigned to a member. */
    boolean groupAssigned(String group, int partitions) throws ExecutionException, InterruptedException {
        var description = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
        if (description.groupState() != org.apache.kafka.common.GroupState.STABLE) {
            return false;
        }
        return description.members().stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum() == partitions;
    }

    void deleteTopic(String topic) {
        try {
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("could not delete topic " + topic + ": " + e);
        }
    }

    long endOffset(String topic) throws ExecutionException, InterruptedException {
        TopicPartition tp = new TopicPartition(topic, 0);
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
    }

    /**
     * The last stable offset of partition 0 (what a read_committed consumer can read up to): records of
     * committed transactions and their markers; 0 while the topic does not exist (a connector creates it).
     */
    long stableOffset(String topic) throws InterruptedException {
        TopicPartition tp = new TopicPartition(topic, 0);
        try {
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .partitionResult(tp).get().offset();
        } catch (ExecutionException e) {
            return 0;
        }
    }

    /** Polls the end offset every few milliseconds until it reaches {@code count}; returns the nanoTime it did. */
    long awaitEndOffset(String topic, long count, Duration timeout) throws ExecutionException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = -1;
        long lastChange = System.nanoTime();
        while (true) {
            long end = endOffset(topic);
            long now = System.nanoTime();
            if (end >= count) {
                return now;
            }
            if (end != last) {
                last = end;
                lastChange = now;
            } else if (now - lastChange > Scenarios.STALL.toNanos()) {
                throw new IllegalStateException("stalled: topic " + topic + " stayed at " + end + " of " + count
                        + " records for " + Scenarios.STALL.toSeconds() + " s");
            }
            if (now > deadline) {
                throw new IllegalStateException("topic " + topic + " reached only " + end + " of " + count + " records in " + timeout);
            }
            Thread.sleep(5);
        }
    }

    /** Producer settings of the harness's own producers: the contenders' (see {@link Setup#producerSettings()}). */
    Map<String, Object> producerConfig(String clientId) {
        Map<String, Object> config = new HashMap<>(Setup.producerSettings());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return config;
    }

    KafkaProducer<byte[], byte[]> producer(String clientId) {
        return new KafkaProducer<>(producerConfig(clientId), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Writes one JSON-envelope record per line of {@code file} to {@code topic} (the sink scenario's input). */
    void fill(String topic, Path file) throws Exception {
        Map<String, Object> config = producerConfig("bench-fill");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
             var lines = Files.lines(file, StandardCharsets.US_ASCII)) {
            lines.forEach(l -> p.send(new ProducerRecord<>(topic, null, Records.envelope(l))));
            p.flush();
        }
    }

    /** A consumer assigned to partition 0 of {@code topic}, from its beginning. */
    KafkaConsumer<byte[], byte[]> assignedConsumer(String topic) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-reader");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        TopicPartition tp = new TopicPartition(topic, 0);
        c.assign(List.of(tp));
        c.seekToBeginning(List.of(tp));
        return c;
    }

    /** The records of partition 0 a read_committed consumer reads, up to the last stable offset. */
    long committedRecords(String topic) throws ExecutionException, InterruptedException {
        long stable = stableOffset(topic);
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        long n = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (c.position(tp) < stable && System.nanoTime() < deadline) {
                n += c.poll(Duration.ofMillis(200)).count();
            }
        }
        return n;
    }

    /** The first record of {@code topic} (checks that every contender wrote the same bytes). */
    ConsumerRecord<byte[], byte[]> firstRecord(String topic) {
        try (KafkaConsumer<byte[], byte[]> c = assignedConsumer(topic)) {
            c.seekToBeginning(c.assignment());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    return r;
                }
            }
            return null;
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
