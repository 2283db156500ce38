package io.connectreactive.storage.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.testing.KafkaBroker;
import io.vertx.core.Context;
import io.vertx.core.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Helpers of the Kafka store tests: worker configs on unique topics, waiting on futures, raw topic access. */
final class StoreTesting {

    private StoreTesting() {
    }

    /** The three internal topics of one test's "cluster". */
    record Topics(String configs, String offsets, String statuses) {
        static Topics unique(String test) {
            return new Topics(KafkaBroker.uniqueTopic(test + "-configs"), KafkaBroker.uniqueTopic(test + "-offsets"),
                    KafkaBroker.uniqueTopic(test + "-status"));
        }
    }

    /** A config map of key, value, key, value, … in that order. */
    static Map<String, String> config(String... kv) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            out.put(kv[i], kv[i + 1]);
        }
        return out;
    }

    /** A worker config on {@code topics}, with small partition counts so that tests stay quick. */
    static WorkerConfig workerConfig(KafkaBroker kafka, Topics topics) {
        return workerConfig(kafka.bootstrapServers(), topics);
    }

    /** As {@link #workerConfig(KafkaBroker, Topics)}, of a clustered worker of {@code groupId} with exactly-once source {@code support}. */
    static WorkerConfig exactlyOnceConfig(KafkaBroker kafka, Topics topics, String groupId, String support) {
        Map<String, String> props = new HashMap<>(workerConfig(kafka, topics).originalsStrings());
        props.put(WorkerConfig.GROUP_ID, groupId);
        props.put(WorkerConfig.EXACTLY_ONCE_SOURCE_SUPPORT, support);
        return new WorkerConfig(props);
    }

    static WorkerConfig workerConfig(String bootstrapServers, Topics topics) {
        Map<String, String> props = new HashMap<>();
        props.put(WorkerConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        props.put(WorkerConfig.CONFIG_STORAGE_TOPIC, topics.configs());
        props.put(WorkerConfig.OFFSET_STORAGE_TOPIC, topics.offsets());
        props.put(WorkerConfig.STATUS_STORAGE_TOPIC, topics.statuses());
        props.put(WorkerConfig.OFFSET_STORAGE_PARTITIONS, "5");
        props.put(WorkerConfig.STATUS_STORAGE_PARTITIONS, "3");
        return new WorkerConfig(props);
    }

    static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("Future failed: " + e, e);
        }
    }

    /** Runs {@code call} on {@code context} and waits for its future. */
    static <T> T on(Context context, Supplier<Future<T>> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(v -> call.get().onComplete(ar -> {
            if (ar.succeeded()) {
                result.complete(ar.result());
            } else {
                result.completeExceptionally(ar.cause());
            }
        }));
        try {
            return result.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("Call failed: " + e, e);
        }
    }

    /** Runs {@code call} on {@code context} and returns how its future ended (the cause, or null). */
    static Throwable failureOn(Context context, Supplier<Future<?>> call) {
        CompletableFuture<Throwable> result = new CompletableFuture<>();
        context.runOnContext(v -> call.get().onComplete(ar -> result.complete(ar.failed() ? ar.cause() : null)));
        try {
            return result.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Writes raw records (a null value is a tombstone), as another writer of the topic would. */
    static void produce(KafkaBroker kafka, String topic, Map<String, String> records) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            records.forEach((k, v) -> producer.send(new ProducerRecord<>(topic, k, v)));
            producer.flush();
        }
    }

    /** Every record of {@code topic}, keys as strings, values as strings (null for tombstones), in partition order. */
    static List<ConsumerRecord<String, String>> records(KafkaBroker kafka, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(10)).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** The last value of each key of {@code topic} (null for a tombstone), as compaction would leave it. */
    static Map<String, String> latest(KafkaBroker kafka, String topic) {
        Map<String, String> out = new LinkedHashMap<>();
        records(kafka, topic).forEach(r -> out.put(r.key(), r.value()));
        return out;
    }
}
