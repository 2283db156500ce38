package io.connectreactive.runtime.source;

import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pending records of a source pipeline split where the worker-wide bound or a producer's
 * refusal cuts a batch, and joined again for a resend: records keep their order and every record's
 * offset entry is acknowledged exactly once, in parts when it straddles the cut.
 */
class OutboxTest {

    private static final Map<String, ?> A = Map.of("p", "a");
    private static final Map<String, ?> B = Map.of("p", "b");

    private final SubmittedOffsets offsets = new SubmittedOffsets();

    /** Adds a record of {@code partition} with offset {@code n}, extending the last entry when it is the same partition. */
    private SubmittedOffsets.Entry add(SourcePipeline.Outbox box, SubmittedOffsets.Entry last, Map<String, ?> partition, long n) {
        SourceRecord source = new SourceRecord(partition, Map.of("n", n), "t", null, null);
        box.add(new ProducerRecord<>("t", String.valueOf(n).getBytes()), source);
        if (last != null && last.samePartition(partition)) {
            offsets.extend(last, Map.of("n", n));
            box.extendLast();
            return last;
        }
        SubmittedOffsets.Entry e = offsets.submit(partition, Map.of("n", n));
        box.newEntry(e);
        return e;
    }

    private static String values(SourcePipeline.Outbox box) {
        StringBuilder sb = new StringBuilder();
        box.records.forEach(r -> sb.append(new String(r.value())).append(' '));
        return sb.toString().trim();
    }

    @Test
    void splittingInsideARunAndResendingTheTailCommitsEachOffsetOnlyWhenAllEarlierRecordsAreAcked() {
        SourcePipeline.Outbox pending = new SourcePipeline.Outbox(true);
        SubmittedOffsets.Entry last = null;
        for (long n = 0; n < 5; n++) {
            last = add(pending, last, A, n);
        }
        last = add(pending, last, B, 5);
        add(pending, last, B, 6);

        SourcePipeline.Outbox first = pending.takeFirst(3);
        assertThat(values(first)).isEqualTo("0 1 2");
        assertThat(values(pending)).isEqualTo("3 4 5 6");
        assertThat(first.sources).hasSize(3);

        // the producer took record 0 and 1 of the first batch, and handed 2 back; the second batch went through
        SourcePipeline.Outbox handedBack = new SourcePipeline.Outbox(true);
        handedBack.appendFrom(first, 2);
        first.ackFirst(offsets, 2);
        pending.ackFirst(offsets, pending.size());
        assertThat(offsets.takeCommittable()).as("A waits for record 2; B is done").containsExactly(Map.entry(B, Map.of("n", 6L)));

        assertThat(values(handedBack)).isEqualTo("2");
        handedBack.ackFirst(offsets, 1);
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(A, Map.of("n", 4L)));
        assertThat(offsets.inFlight()).isZero();
    }

    @Test
    void aResendGoesAheadOfNewerRecords() {
        SourcePipeline.Outbox sent = new SourcePipeline.Outbox(false);
        SubmittedOffsets.Entry last = null;
        for (long n = 0; n < 4; n++) {
            last = add(sent, last, A, n);
        }
        SourcePipeline.Outbox newer = new SourcePipeline.Outbox(false);
        SubmittedOffsets.Entry newest = add(newer, null, A, 4);
        add(newer, newest, A, 5);

        SourcePipeline.Outbox again = new SourcePipeline.Outbox(false);
        again.appendFrom(sent, 1);
        again.appendFrom(newer, 0);
        assertThat(values(again)).isEqualTo("1 2 3 4 5");
        sent.ackFirst(offsets, 1);
        assertThat(offsets.takeCommittable()).isEmpty();
        again.ackFirst(offsets, again.size());
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(A, Map.of("n", 5L)));
        assertThat(offsets.inFlight()).isZero();
    }
}
