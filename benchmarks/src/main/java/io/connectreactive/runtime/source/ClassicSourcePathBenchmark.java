package io.connectreactive.runtime.source;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.connectreactive.kafka.SharedProducer;
import io.connectreactive.metrics.ConnectMetrics;
import io.connectreactive.model.TaskId;
import io.connectreactive.runtime.errors.ErrorHandler;
import io.connectreactive.runtime.errors.ErrorHandlingConfig;
import io.connectreactive.runtime.exec.TaskThread;
import io.connectreactive.runtime.glue.ConverterChain;
import io.connectreactive.runtime.glue.TransformChain;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.converters.ByteArrayConverter;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The runtime's own cost per record on a classic source task's path, the plugin taken out: a task
 * whose {@code poll()} hands back {@code perPoll} ready records (1, as Kafka's
 * {@code SchemaSourceTask}, or 500, as a batching source), ByteArrayConverter for key and value, and
 * kafka-clients' {@code MockProducer} (completing each send at once) in place of Kafka.
 *
 * <ul>
 *   <li>{@link #bareLoop}: the simplest correct loop on one thread, poll → convert → {@code send},
 *       the callback counting acknowledgements: the floor;</li>
 *   <li>{@link #classicSourceLoop}: the same task through {@link ClassicSourceLoop} on its task
 *       thread, with the offsets, the worker-wide bound, the error handler and the meters.</li>
 * </ul>
 * Scores are per record; the difference of the two is the runtime's own work per record (ns, and
 * with {@code -prof gc} bytes allocated per record: {@code gc.alloc.rate.norm}, all threads).
 * Run: {@code benchmarks/run --jmh ClassicSourcePath}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class ClassicSourcePathBenchmark {

    /** Records per benchmark invocation. */
    static final int RECORDS = 10_000;

    @Param({"1", "500"})
    public int perPoll;

    private Vertx vertx;
    private MockProducer<byte[], byte[]> mock;
    private ReadyTask task;
    private ClassicSourceLoop loop;
    private TaskThread thread;
    private final AtomicLong acked = new AtomicLong();
    private ConverterChain converters;

    @Setup(Level.Trial)
    public void setup() {
        vertx = Vertx.vertx();
        // completes every send at once, on the sending thread; its history is cleared per invocation
        mock = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        converters = new ConverterChain(new ByteArrayConverter(), new ByteArrayConverter(), new SimpleHeaderConverter());
        task = new ReadyTask(perPoll);
    }

    @Setup(Level.Invocation)
    public void clearHistory() {
        mock.clear();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (loop != null) {
            loop.close();
            thread.shutdown();
        }
        vertx.close().await();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long bareLoop() throws InterruptedException {
        long target = acked.get() + RECORDS;
        while (acked.get() < target) {
            for (SourceRecord r : task.poll()) {
                ProducerRecord<byte[], byte[]> converted = converters.toProducerRecord(r, ErrorHandler.DIRECT);
                mock.send(converted, (md, err) -> acked.incrementAndGet());
            }
        }
        return acked.get();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long classicSourceLoop() {
        if (loop == null) {
            startLoop();
        }
        long target = task.produced.get() + RECORDS;
        task.release(target);
        // watch the task's own counter, not the loop's offsets (their monitor is the task thread's)
        while (task.produced.get() < target) {
            Thread.onSpinWait();
        }
        while (loop.inFlight() > 0) {
            Thread.yield();
        }
        return task.produced.get();
    }

    private void startLoop() {
        Context context = vertx.getOrCreateContext();
        thread = new TaskThread("cr-task-bench-0");
        TaskId id = new TaskId("bench", 0);
        SharedProducer producer = SharedProducer.over(vertx, mock, new SharedProducer.QueueBound(100_000));
        loop = new ClassicSourceLoop(id, task, thread, context, TransformChain.empty(), converters,
                new ErrorHandler(id, ErrorHandlingConfig.NONE, null), producer, null, 10_000, null, false,
                t -> { }, new ConnectMetrics(false).task(id, true), topic -> { });
        context.runOnContext(v -> loop.start());
    }

    /**
     * Hands back {@code perPoll} records (the same ones: no plugin cost), one source partition; in
     * the loop, polls return nothing (after a short wait, as a source with no data does) once the
     * benchmark's records were produced, until it releases more.
     */
    static final class ReadyTask extends SourceTask {
        final AtomicLong produced = new AtomicLong();
        private volatile long allowed = Long.MAX_VALUE;
        private final List<SourceRecord> batch = new ArrayList<>();

        ReadyTask(int perPoll) {
            Map<String, ?> partition = Map.of("file", "/data/lines.txt");
            byte[] value = new byte[100];
            for (int i = 0; i < perPoll; i++) {
                batch.add(new SourceRecord(partition, Map.of("position", (long) i), "bench", 0, Schema.BYTES_SCHEMA,
                        new byte[8], Schema.BYTES_SCHEMA, value, 0L, new ConnectHeaders()));
            }
        }

        void release(long upTo) {
            allowed = upTo;
        }

        @Override
        public String version() {
            return "1";
        }

        @Override
        public void start(Map<String, String> props) {
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            if (produced.get() >= allowed) {
                Thread.onSpinWait();
                return null;
            }
            produced.addAndGet(batch.size());
            return batch;
        }

        @Override
        public void stop() {
        }
    }
}
