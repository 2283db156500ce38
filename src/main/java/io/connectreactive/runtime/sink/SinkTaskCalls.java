package io.connectreactive.runtime.sink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.connectreactive.api.ReactiveSinkTask;
import io.connectreactive.plugin.LoaderSwap;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.errors.ErrorHandler;
import io.connectreactive.runtime.errors.PendingReports;
import io.connectreactive.runtime.exec.TaskThread;
import io.connectreactive.runtime.glue.ConverterChain;
import io.connectreactive.runtime.glue.TransformChain;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
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
    private final ErrorHandler errors;
    private final PendingReports reports;

    SinkTaskCalls(TaskId id, SinkTask task, TaskThread thread, Context context, ConverterChain converters,
                  TransformChain<SinkRecord> transforms, Supplier<LoaderSwap> swap, ErrorHandler errors, PendingReports reports) {
        this.errors = errors;
        this.reports = reports;
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

    /**
     * Converts the batch (once: a retry reuses it) and gives it to {@code put} / {@code write}. A
     * classic task's records are converted on its thread, where a retried stage waits; a reactive
     * task's on the context, where a retried stage is tried again on a timer.
     */
    Future<Void> put(SinkDelivery d) {
        if (task instanceof ReactiveSinkTask reactive) {
            if (d.converted != null) {
                return write(reactive, d.converted);
            }
            Promise<List<SinkRecord>> converted = Promise.promise();
            convertAsync(d.records, 0, false, new ArrayList<>(d.records.size()), converted);
            return converted.future().compose(batch -> {
                d.converted = batch;
                return write(reactive, batch);
            });
        }
        return thread.call(context, () -> {
            if (d.converted == null) {
                List<SinkRecord> batch = new ArrayList<>(d.records.size());
                for (ConsumerRecord<byte[], byte[]> r : d.records) {
                    errors.startRecord();
                    convertOne(true, r, batch);
                }
                d.converted = batch;
            }
            task.put(d.converted);
            return null;
        });
    }

    private Future<Void> write(ReactiveSinkTask reactive, List<SinkRecord> batch) {
        try (LoaderSwap s = swap.get()) {
            return reactive.write(batch);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    /** Converts records from {@code from} on the context; a stage to retry continues on a timer. */
    private void convertAsync(List<ConsumerRecord<byte[], byte[]>> records, int from, boolean resumed, List<SinkRecord> out,
                              Promise<List<SinkRecord>> done) {
        try (LoaderSwap s = swap.get()) {
            for (int i = from; i < records.size(); i++) {
                if (i > from || !resumed) {
                    errors.startRecord();
                }
                try {
                    convertOne(false, records.get(i), out);
                } catch (ErrorHandler.RetryLater later) {
                    int at = i;
                    context.owner().setTimer(Math.max(1, later.delayMs()), t -> convertAsync(records, at, true, out, done));
                    return;
                }
            }
        } catch (RuntimeException e) {
            done.fail(e);
            return;
        }
        done.complete(out);
    }

    /** One record through the converters and transforms (each a stage of the error handler). */
    private void convertOne(boolean blocking, ConsumerRecord<byte[], byte[]> r, List<SinkRecord> out) {
        SinkRecord transformed = errors.run(blocking, r, g -> {
            SinkRecord converted = converters.toSinkRecord(r, g);
            return transforms.isEmpty() ? converted : transforms.apply(converted, g);
        });
        if (transformed != null) {
            out.add(transformed);
            return;
        }
        CompletableFuture<Void> report = errors.takeReport();
        if (report != null) {
            reports.add(new TopicPartition(r.topic(), r.partition()), report);
        }
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

}
