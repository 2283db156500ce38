package io.connectreactive.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.connectreactive.kafka.embedded.EmbeddedKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One real Kafka broker per test JVM, shared by every test class that uses this extension: the
 * embedded KRaft broker by default (and in CI), or Testcontainers' Kafka with
 * {@code -Dtest.broker=testcontainers} for developers who have a Docker engine. Inject it as a
 * {@link KafkaBroker} parameter.
 */
public final class KafkaBroker implements ParameterResolver {

    private static final String KEY = KafkaBroker.class.getName();

    private final String bootstrapServers;

    private KafkaBroker(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** Used by JUnit: the extension needs a public no-argument constructor. */
    public KafkaBroker() {
        this.bootstrapServers = null;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** A topic name no other test uses. */
    public static String uniqueTopic(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Reads {@code count} records of {@code topic} from the beginning, or fails after {@code timeout}. */
    public List<ConsumerRecord<byte[], byte[]>> consume(String topic, int count, Duration timeout) {
        return consume(topic, count, timeout, false);
    }

    /**
     * Reads {@code count} records of {@code topic} from the beginning, or as many as arrive within
     * {@code timeout}; with {@code readCommitted}, only those of committed transactions.
     */
    public List<ConsumerRecord<byte[], byte[]>> consume(String topic, int count, Duration timeout, boolean readCommitted) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        // a topic that does not exist yet is waited for, not created by asking (the broker would give it one partition)
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<TopicPartition> partitions = new ArrayList<>();
            while (partitions.isEmpty() && System.nanoTime() < deadline) {
                consumer.partitionsFor(topic, Duration.ofSeconds(5)).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
                if (partitions.isEmpty()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (out.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** The end offset of each of {@code topic}'s partitions. */
    public java.util.Map<TopicPartition, Long> endOffsets(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(10)).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            return consumer.endOffsets(partitions, Duration.ofSeconds(10));
        }
    }

    /** Every record of the partitions in {@code from} from the given offsets to their current ends. */
    public List<ConsumerRecord<byte[], byte[]>> consumeFrom(java.util.Map<TopicPartition, Long> from) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            java.util.Map<TopicPartition, Long> ends = consumer.endOffsets(from.keySet(), Duration.ofSeconds(10));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue()) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** The sum of the end offsets of {@code topic}'s partitions: how many records it holds. */
    public long endOffset(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(10)).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            return consumer.endOffsets(partitions, Duration.ofSeconds(10)).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.getParameter().getType() == KafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        return extension.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(KEY, k -> start(), Running.class).broker();
    }

    private static Running start() {
        String kind = System.getProperty("test.broker", "embedded");
        if ("testcontainers".equals(kind)) {
            return TestcontainersBroker.start();
        }
        if (!"embedded".equals(kind)) {
            throw new IllegalStateException("-Dtest.broker must be 'embedded' (default) or 'testcontainers', not " + kind);
        }
        try {
            Path dir = Files.createTempDirectory("cr-test-kafka");
            EmbeddedKafka kafka = new EmbeddedKafka(dir, 0).start();
            return new Running(new KafkaBroker(kafka.bootstrapServers()), kafka::close);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The running broker, closed by JUnit when the test JVM's root context closes. */
    record Running(KafkaBroker broker, Runnable stop) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            stop.run();
        }
    }

    /** Testcontainers' Kafka, kept in its own class so the embedded path never loads Docker classes. */
    static final class TestcontainersBroker {
        static Running start() {
            if (!org.testcontainers.DockerClientFactory.instance().isDockerAvailable()) {
                throw new IllegalStateException("-Dtest.broker=testcontainers needs a Docker engine, and none is reachable here; "
                        + "run without it to use the embedded broker");
            }
            org.testcontainers.kafka.KafkaContainer container =
                    new org.testcontainers.kafka.KafkaContainer("apache/kafka-native:4.1.0");
            container.start();
            return new Running(new KafkaBroker(container.getBootstrapServers()), container::stop);
        }
    }

}
