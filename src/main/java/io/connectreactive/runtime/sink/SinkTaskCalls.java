package io.connectreactive.runtime.sink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.connectreactive.api.ReactiveSinkTask;
import io.connectreactive.plugin.LoaderSwap;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.exec.TaskThread;
import io.connectreactive.runtime.glue.ConverterChain;
import io.connectreactive.runtime.glue.TransformChain;
import io.vertx.core.Context;
import io.vertx.core.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * Calls into one sink task, classic or reactive, with the task's plugin loader: a classic task's
 * calls (conversion and transforms of its records included: a converter may block) run on its
 * {@link TaskThread}, a {@link ReactiveSinkTask}'s on the context. Called on the task's Vert.x
 * context; every future completes there and no method throws.
 */
final class SinkTaskCalls {

    private final TaskId id;
    private final SinkTask task;
    /** Null for a reactive task. */
    private final TaskThread thread;
    private final Context context;
    private final ConverterChain converters;
    private final TransformChain<SinkRecord> transforms;
    private final Supplier<LoaderSwap> swap;

    SinkTaskCalls(TaskId id, SinkTask task, TaskThread thread, Context context, ConverterChain converters,
                  TransformChain<SinkRecord> transforms, Supplier<LoaderSwap> swap) {
        this.id = id;
        this.task = task;
        this.thread = thread;
        this.context = context;
        this.converters = converters;
        this.transforms = transforms;
        this.swap = swap;
    }

    boolean reactive() {
        return task instanceof ReactiveSinkTask;
    }

    /** Converts the batch (once: a retry reuses it) and gives it to {@code put} / {@code write}. */
    Future<Void> put(SinkDelivery d) {
        if (task instanceof ReactiveSinkTask reactive) {
            try (LoaderSwap s = swap.get()) {
                if (d.converted == null) {
                    d.converted = convert(d.records);
                }
                return reactive.write(d.converted);
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
        }
        return thread.call(context, () -> {
            if (d.converted == null) {
                d.converted = convert(d.records);
            }
            task.put(d.converted);
            return null;
        });
    }

    /** The task's {@code preCommit} (classic) or {@code flushOffsets} (reactive). */
    Future<Map<TopicPartition, OffsetAndMetadata>> preCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (task instanceof ReactiveSinkTask reactive) {
            try (LoaderSwap s = swap.get()) {
                return reactive.flushOffsets(offsets);
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
        }
        return thread.call(context, () -> task.preCommit(offsets));
    }

    /** Runs a call into the task ({@code open}, {@code close}): on its thread when classic, on the context when reactive. */
    Future<Void> call(Runnable call) {
        if (thread == null) {
            try (LoaderSwap s = swap.get()) {
                call.run();
                return Future.succeededFuture();
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
        }
        return thread.call(context, () -> {
            call.run();
            return null;
        });
    }

    /** {@code stop()} (classic) or {@code close()} (reactive). */
    Future<Void> stop() {
        if (task instanceof ReactiveSinkTask reactive) {
            try (LoaderSwap s = swap.get()) {
                return reactive.close();
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
        }
        return call(task::stop);
    }

    private List<SinkRecord> convert(List<ConsumerRecord<byte[], byte[]>> records) {
        List<SinkRecord> batch = new ArrayList<>(records.size());
        try {
            for (ConsumerRecord<byte[], byte[]> r : records) {
                SinkRecord converted = converters.toSinkRecord(r);
                SinkRecord transformed = transforms.isEmpty() ? converted : transforms.apply(converted);
                if (transformed != null) {
                    batch.add(transformed);
                }
            }
        } catch (RuntimeException e) {
            throw new DataException("Could not convert or transform a record consumed by task " + id + ": " + e.getMessage(), e);
        }
        return batch;
    }
}
