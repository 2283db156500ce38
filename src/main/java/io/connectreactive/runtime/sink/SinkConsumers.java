package io.connectreactive.runtime.sink;

import java.time.Duration;
import java.util.HashMap;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import io.connectreactive.metrics.ConnectMetrics;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.exec.LogContext;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Where the worker's sink tasks get their consumers ({@code runtime.sink.consumers}): a consumer and a
 * thread of its own per task ({@code task}: Kafka Connect's layout, one group member per task), or one
 * per connector on this worker, shared by its tasks ({@code connector}: one group member, one polling
 * thread and one heartbeat thread however many tasks; the loop splits the member's partitions among
 * them). Thread-safe.
 */
public final class SinkConsumers {

    private final boolean shared;
    private final ConnectMetrics metrics;
    private final Map<Key, SinkConsumerLoop> loops = new HashMap<>();

    private SinkConsumers(boolean shared, ConnectMetrics metrics) {
        this.shared = shared;
        this.metrics = metrics;
    }

    /**
     * The layout a setting (checked by {@code WorkerConfig}) means: {@code auto} is {@code connector} on a
     * standalone worker and {@code task} on a clustered one, where each task's static group membership is
     * what moves a killed worker's partitions at once.
     */
    public static SinkConsumers of(String setting, boolean clustered, ConnectMetrics metrics) {
        String value = setting == null ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
        return new SinkConsumers(value.equals("connector") || (value.equals("auto") && !clustered), metrics);
    }

    /** Whether a connector's tasks share one consumer. */
    public boolean shared() {
        return shared;
    }

    /**
     * The consumer side of one sink task: its own loop, or a member of its connector's shared loop
     * (created with the first task of those settings; a task of another config gets another).
     *
     * @param props the task's consumer settings ({@code ClientConfigs#sinkConsumer})
     * @param handEmpty whether empty polls are handed to the task (classic tasks: Kafka Connect calls put with none)
     */
    SinkConsumer member(TaskId id, Map<String, Object> props, String topics, String topicsRegex, Duration pollTimeout,
                        boolean handEmpty, SinkConsumer.Handler handler) {
        if (!shared) {
            return new SinkConsumerLoop(id.toString(), LogContext.of(id), props, topics, topicsRegex, pollTimeout, false)
                    .member(id.toString(), handEmpty, handler);
        }
        Map<String, Object> common = new HashMap<>(props);
        if (("connector-consumer-" + id).equals(common.get(ConsumerConfig.CLIENT_ID_CONFIG))) {
            common.put(ConsumerConfig.CLIENT_ID_CONFIG, "connector-consumer-" + id.connector());
        }
        Key key = new Key(id.connector(), topics, topicsRegex, pollTimeout, common);
        synchronized (loops) {
            SinkConsumerLoop loop = loops.get(key);
            SinkConsumer member = loop == null ? null : loop.member(id.toString(), handEmpty, handler);
            if (member == null) {
                loop = open(key);
                member = loop.member(id.toString(), handEmpty, handler);
            }
            return member;
        }
    }

    private SinkConsumerLoop open(Key key) {
        SinkConsumerLoop loop = new SinkConsumerLoop(key.connector(), "[" + key.connector() + "|sink-consumer] ",
                key.props(), key.topics(), key.topicsRegex(), key.pollTimeout(), true);
        loops.put(key, loop);
        loop.subscribed().thenAccept(consumer -> {
            AutoCloseable meters = metrics == null ? null : metrics.bindConnectorClient(consumer, key.connector());
            loop.closed().thenRun(() -> ConnectMetrics.closeQuietly(meters));
        });
        loop.closed().thenRun(() -> {
            synchronized (loops) {
                loops.remove(key, loop);
            }
        });
        return loop;
    }

    /** Tasks share a consumer when they are of one connector and ask for the same consumer. */
    private record Key(String connector, String topics, String topicsRegex, Duration pollTimeout, Map<String, Object> props) {
        Key {
            Objects.requireNonNull(connector);
            props = Collections.unmodifiableMap(new HashMap<>(props));
        }
    }
}
