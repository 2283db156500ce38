package io.connectreactive.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.connectreactive.runtime.glue.ConverterChain;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The source pipeline's per-record hot path: a FileStreamSource line as a {@link SourceRecord}
 * (string schema, source partition and offset) through {@link ConverterChain#toProducerRecord}
 * with JsonConverter, schemas enabled, for key and value — what connect-reactive does for every
 * record before it reaches the producer. (There is no transform chain in the runtime yet; with
 * none configured Kafka Connect's is a no-op too.) Baseline: the raw client's work, the same
 * envelope bytes built by hand.
 *
 * <p>Run: {@code benchmarks/run --jmh ConverterChain} (adds {@code -prof gc}: see
 * {@code gc.alloc.rate.norm}, bytes allocated per record).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class ConverterChainBenchmark {

    private static final byte[] HEAD = "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAIL = "\"}".getBytes(StandardCharsets.US_ASCII);

    private ConverterChain chain;
    private Map<String, ?> partition;
    private String line;
    private byte[] lineBytes;
    private long position;

    @Setup
    public void setup() {
        JsonConverter key = new JsonConverter();
        key.configure(Map.of("schemas.enable", "true"), true);
        JsonConverter value = new JsonConverter();
        value.configure(Map.of("schemas.enable", "true"), false);
        SimpleHeaderConverter headers = new SimpleHeaderConverter();
        headers.configure(Map.of());
        chain = new ConverterChain(key, value, headers);
        partition = Map.of("filename", "/data/lines-1000000.txt");
        StringBuilder sb = new StringBuilder("000000042 ");
        while (sb.length() < 100) {
            sb.append((char) ('a' + sb.length() % 26));
        }
        line = sb.toString();
        lineBytes = line.getBytes(StandardCharsets.US_ASCII);
    }

    /** Convert only: one prepared SourceRecord to a ProducerRecord. */
    @Benchmark
    public ProducerRecord<byte[], byte[]> toProducerRecord(RecordState state) {
        return chain.toProducerRecord(state.record);
    }

    /** The whole per-record path: the task's SourceRecord (new offset map) and its conversion. */
    @Benchmark
    public ProducerRecord<byte[], byte[]> sourceRecordToProducerRecord() {
        position += 101;
        SourceRecord record = new SourceRecord(partition, Map.of("position", position), "bench", null,
                null, null, Schema.STRING_SCHEMA, line);
        return chain.toProducerRecord(record);
    }

    /** Baseline, the raw client's work: the same value bytes concatenated by hand. */
    @Benchmark
    public ProducerRecord<byte[], byte[]> rawEnvelope() {
        byte[] out = new byte[HEAD.length + lineBytes.length + TAIL.length];
        System.arraycopy(HEAD, 0, out, 0, HEAD.length);
        System.arraycopy(lineBytes, 0, out, HEAD.length, lineBytes.length);
        System.arraycopy(TAIL, 0, out, HEAD.length + lineBytes.length, TAIL.length);
        return new ProducerRecord<>("bench", null, out);
    }

    /** A prepared record, so that {@link #toProducerRecord} measures the conversion alone. */
    @State(Scope.Thread)
    public static class RecordState {
        SourceRecord record;

        @Setup
        public void setup() {
            record = new SourceRecord(Map.of("filename", "/data/lines-1000000.txt"), Map.of("position", 4242L), "bench",
                    null, null, null, Schema.STRING_SCHEMA, "000000042 abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmn");
        }
    }
}
