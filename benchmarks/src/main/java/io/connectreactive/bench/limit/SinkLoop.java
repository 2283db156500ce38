package io.connectreactive.bench.limit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.sink.SinkTaskContext;

/**
 * One sink task driven by the simplest correct loop, on its own thread: {@code KafkaConsumer.poll}
 * → converters → transforms → {@code task.put(batch)}; every {@code offset.flush.interval.ms}, on
 * revocation and at the end {@code task.preCommit} (which flushes) and {@code commitSync} of what it
 * returns. The task's own consumer, in the group {@code connect-<connector>} with Kafka Connect's
 * {@code Worker.baseConsumerConfigs}. Built and stopped by {@link LimitLoop}'s main thread;
 * {@link #run()} is the loop thread, which alone touches the consumer and the task (the rebalance
 * callbacks run inside its poll); {@link #stop()} only wakes the consumer up.
 */
public final class SinkLoop implements Runnable {

    private final SinkTask task;
    private final Glue<SinkRecord> glue;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final long commitIntervalMs;
    private final AtomicLong delivered;
    private final AtomicReference<Throwable> failure;
    private final Map<TopicPartition, OffsetAndMetadata> consumed = new HashMap<>();
    private Map<String, String> taskConfig;
    private PluginMetrics metrics;
    private volatile boolean stopping;
    /** Set on the loop thread once {@code task.stop()} was called: the rebalance callbacks of close() then leave the task alone. */
    private boolean taskStopped;

    SinkLoop(SinkTask task, Glue<SinkRecord> glue, Map<String, Object> consumerConfig, long commitIntervalMs, AtomicLong delivered,
             AtomicReference<Throwable> failure) {
        this.task = task;
        this.glue = glue;
        this.consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.commitIntervalMs = commitIntervalMs;
        this.delivered = delivered;
        this.failure = failure;
    }

    /** Initializes and starts the task (on the main thread, as the loop has not started yet). */
    void start(Map<String, String> config, PluginMetrics metrics) {
        this.taskConfig = config;
        this.metrics = metrics;
        task.initialize(new Context());
        task.start(config);
    }

    @Override
    public void run() {
        try {
            ConsumerRebalanceListener listener = new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    task.open(partitions);
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (taskStopped) {
                        return;
                    }
                    commit();
                    task.close(partitions);
                    partitions.forEach(consumed::remove);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    if (taskStopped) {
                        return;
                    }
                    task.close(partitions);
                    partitions.forEach(consumed::remove);
                }
            };
            String regex = taskConfig.get(SinkTask.TOPICS_REGEX_CONFIG);
            if (regex != null && !regex.isBlank()) {
                consumer.subscribe(Pattern.compile(regex), listener);
            } else {
                consumer.subscribe(Arrays.asList(taskConfig.get(SinkTask.TOPICS_CONFIG).trim().split("\\s*,\\s*")), listener);
            }
            long nextCommit = System.currentTimeMillis() + commitIntervalMs;
            while (!stopping && failure.get() == null) {
                ConsumerRecords<byte[], byte[]> polled;
                try {
                    polled = consumer.poll(Duration.ofMillis(Math.max(1, nextCommit - System.currentTimeMillis())));
                } catch (WakeupException e) {
                    break;
                }
                List<SinkRecord> batch = new ArrayList<>(polled.count());
                for (ConsumerRecord<byte[], byte[]> msg : polled) {
                    SinkRecord record = glue.transform(glue.toSinkRecord(msg));
                    if (record != null) {
                        batch.add(record);
                    }
                    consumed.put(new TopicPartition(msg.topic(), msg.partition()), new OffsetAndMetadata(msg.offset() + 1));
                }
                task.put(batch);
                delivered.addAndGet(polled.count());
                if (System.currentTimeMillis() >= nextCommit) {
                    commit();
                    nextCommit = System.currentTimeMillis() + commitIntervalMs;
                }
            }
            commit();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        } finally {
            try {
                taskStopped = true;
                task.stop();
            } finally {
                consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(10)));
                glue.close();
            }
        }
    }

    /** preCommit (by default: flush) of the consumed offsets, then commitSync of what the task says may be committed. */
    private void commit() {
        if (consumed.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committable = task.preCommit(new HashMap<>(consumed));
        if (committable != null && !committable.isEmpty()) {
            try {
                consumer.commitSync(committable);
            } catch (WakeupException e) {
                // stop()'s wakeup came while put or preCommit ran, and hit this call instead of poll: it is spent now
                consumer.commitSync(committable);
            }
        }
    }

    /** Called on the main thread: the loop commits, stops the task and closes the consumer on its own thread. */
    void stop() {
        stopping = true;
        consumer.wakeup();
    }

    /** The minimal sink context: configuration, assignment, pause/resume on the loop thread; offset resets and commit requests are ignored. */
    private final class Context implements SinkTaskContext {
        @Override
        public Map<String, String> configs() {
            return taskConfig;
        }

        @Override
        public void offset(Map<TopicPartition, Long> offsets) {
            offsets.forEach((tp, o) -> consumer.seek(tp, o));
        }

        @Override
        public void offset(TopicPartition tp, long offset) {
            consumer.seek(tp, offset);
        }

        @Override
        public void timeout(long timeoutMs) {
            // no redelivery: a RetriableException from put fails the run
        }

        @Override
        public Set<TopicPartition> assignment() {
            return consumer.assignment();
        }

        @Override
        public void pause(TopicPartition... partitions) {
            consumer.pause(Arrays.asList(partitions));
        }

        @Override
        public void resume(TopicPartition... partitions) {
            consumer.resume(Arrays.asList(partitions));
        }

        @Override
        public PluginMetrics pluginMetrics() {
            return metrics;
        }

        @Override
        public void requestCommit() {
            // commits happen every offset.flush.interval.ms
        }
    }
}
