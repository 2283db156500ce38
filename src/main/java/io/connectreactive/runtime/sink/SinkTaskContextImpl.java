package io.connectreactive.runtime.sink;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import io.vertx.core.Context;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkTaskContext;

/**
 * Kafka Connect's context for one sink task. The task calls it from its own thread (classic) or
 * its context (reactive); every request hops onto the task's Vert.x context, where the
 * {@link Requests} apply it, in call order. {@link #assignment()} answers at once from a snapshot.
 */
final class SinkTaskContextImpl implements SinkTaskContext {

    /** What the task may ask; called on the task's Vert.x context. */
    interface Requests {
        void rewind(Map<TopicPartition, Long> offsets);

        void retryBackoff(long ms);

        void pause(Set<TopicPartition> partitions, boolean pause);

        void requestCommit();

        Set<TopicPartition> assignment();

        PluginMetrics pluginMetrics();

        /** The task's reporter, or null when neither a dead-letter queue nor the error log is configured. */
        ErrantRecordReporter errantRecordReporter();
    }

    private final Context context;
    private final Map<String, String> configs;
    private final Requests requests;

    SinkTaskContextImpl(Context context, Map<String, String> configs, Requests requests) {
        this.context = context;
        this.configs = configs;
        this.requests = requests;
    }

    @Override
    public Map<String, String> configs() {
        return configs;
    }

    @Override
    public void offset(Map<TopicPartition, Long> offsets) {
        Map<TopicPartition, Long> copy = Map.copyOf(offsets);
        context.runOnContext(v -> requests.rewind(copy));
    }

    @Override
    public void offset(TopicPartition tp, long offset) {
        offset(Map.of(tp, offset));
    }

    @Override
    public void timeout(long timeoutMs) {
        context.runOnContext(v -> requests.retryBackoff(timeoutMs));
    }

    @Override
    public Set<TopicPartition> assignment() {
        return requests.assignment();
    }

    @Override
    public void pause(TopicPartition... partitions) {
        Set<TopicPartition> set = new HashSet<>(Arrays.asList(partitions));
        context.runOnContext(v -> requests.pause(set, true));
    }

    @Override
    public void resume(TopicPartition... partitions) {
        Set<TopicPartition> set = new HashSet<>(Arrays.asList(partitions));
        context.runOnContext(v -> requests.pause(set, false));
    }

    @Override
    public void requestCommit() {
        context.runOnContext(v -> requests.requestCommit());
    }

    /**
     * As in Kafka Connect: a reporter when {@code errors.deadletterqueue.topic.name} or
     * {@code errors.log.enable} is set, else null. Available from the task's {@code start()} on.
     */
    @Override
    public ErrantRecordReporter errantRecordReporter() {
        return requests.errantRecordReporter();
    }

    @Override
    public PluginMetrics pluginMetrics() {
        return requests.pluginMetrics();
    }
}
