package io.connectreactive.bench.jmh;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.connectreactive.runtime.source.SubmittedOffsets;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The committable-offset tracker ({@link SubmittedOffsets}) as the source pipeline drives it: a
 * batch of {@value #BATCH} records of one source partition submitted, acknowledged, then the
 * committable offsets taken (as the periodic flush does). Scores are per record.
 *
 * <ul>
 *   <li>{@link #inOrder}: acks arrive in send order, the usual case with one request in flight;</li>
 *   <li>{@link #reversed}: the last record is acked first, so nothing is committable until the
 *       batch's first record is: the longest pending queue;</li>
 *   <li>{@link #manyPartitions}: {@value #BATCH} records spread over 100 source partitions.</li>
 * </ul>
 * Run: {@code benchmarks/run --jmh SubmittedOffsets} ({@code -prof gc} included).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class SubmittedOffsetsBenchmark {

    static final int BATCH = 500;

    private SubmittedOffsets offsets;
    private Map<String, ?> partition;
    private Map<String, ?>[] partitions;
    private final SubmittedOffsets.Entry[] entries = new SubmittedOffsets.Entry[BATCH];
    private long position;

    @Setup
    @SuppressWarnings("unchecked")
    public void setup() {
        offsets = new SubmittedOffsets();
        partition = Map.of("filename", "/data/lines-1000000.txt");
        partitions = new Map[100];
        for (int i = 0; i < partitions.length; i++) {
            partitions[i] = Map.of("filename", "/data/file-" + i + ".txt");
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void inOrder(Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            entries[i] = offsets.submit(partition, Map.of("position", position += 101));
        }
        for (int i = 0; i < BATCH; i++) {
            offsets.ack(entries[i]);
        }
        bh.consume(offsets.takeCommittable());
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void reversed(Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            entries[i] = offsets.submit(partition, Map.of("position", position += 101));
        }
        for (int i = BATCH - 1; i >= 0; i--) {
            offsets.ack(entries[i]);
        }
        bh.consume(offsets.takeCommittable());
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void manyPartitions(Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            entries[i] = offsets.submit(partitions[i % partitions.length], Map.of("position", position += 101));
        }
        for (int i = 0; i < BATCH; i++) {
            offsets.ack(entries[i]);
        }
        bh.consume(offsets.takeCommittable());
    }
}
