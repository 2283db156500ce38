package io.connectreactive.runtime.source;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SubmittedOffsetsTest {

    private static final Map<String, ?> FILE_A = Map.of("filename", "a.txt");
    private static final Map<String, ?> FILE_B = Map.of("filename", "b.txt");

    private final SubmittedOffsets offsets = new SubmittedOffsets();

    private static Map<String, ?> pos(long position) {
        return Map.of("position", position);
    }

    @Test
    void anExtendedEntryStandsForItsRecordsUntilAckedAndCommitsTheNewestOffset() {
        SubmittedOffsets.Entry first = offsets.submit(FILE_A, pos(1));
        SubmittedOffsets.Entry run = offsets.submit(FILE_A, pos(2));
        offsets.extend(run, pos(3));
        offsets.extend(run, pos(4));
        assertThat(offsets.inFlight()).isEqualTo(4);

        offsets.ack(run);
        assertThat(offsets.inFlight()).isEqualTo(1);
        assertThat(offsets.takeCommittable()).as("held back by the first record").isEmpty();

        offsets.ack(first);
        assertThat(offsets.inFlight()).isZero();
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(4)));
        assertThat(run.samePartition(Map.of("filename", "a.txt"))).isTrue();
        assertThat(run.samePartition(FILE_B)).isFalse();
    }

    @Test
    void anEntrySentInTwoPartsIsAckedOnlyOnceBothPartsAre() {
        SubmittedOffsets.Entry run = offsets.submit(FILE_A, pos(1));
        offsets.extend(run, pos(2));
        offsets.extend(run, pos(3));
        SubmittedOffsets.Entry next = offsets.submit(FILE_A, pos(4));

        // the first two records' batch was acknowledged; the third was handed back and is resent
        offsets.ack(run, 2);
        offsets.ack(next);
        assertThat(offsets.inFlight()).isEqualTo(1);
        assertThat(run.acked()).isFalse();
        assertThat(offsets.takeCommittable()).as("record 3 is not acknowledged yet").isEmpty();

        offsets.ack(run, 1);
        assertThat(run.acked()).isTrue();
        assertThat(offsets.inFlight()).isZero();
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(4)));
        offsets.ack(run, 1);
        assertThat(offsets.inFlight()).as("a further ack of a done entry is ignored").isZero();
    }

    @Test
    void nothingIsCommittableBeforeAnyAck() {
        offsets.submit(FILE_A, pos(1));
        offsets.submit(FILE_A, pos(2));

        assertThat(offsets.takeCommittable()).isEmpty();
    }

    @Test
    void inOrderAcksMakeTheLastAckedOffsetCommittable() {
        SubmittedOffsets.Entry r1 = offsets.submit(FILE_A, pos(1));
        SubmittedOffsets.Entry r2 = offsets.submit(FILE_A, pos(2));
        offsets.submit(FILE_A, pos(3));

        offsets.ack(r1);
        offsets.ack(r2);

        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(2)));
    }

    @Test
    void outOfOrderAckIsNotCommittableUntilEveryEarlierRecordIsAcked() {
        SubmittedOffsets.Entry r1 = offsets.submit(FILE_A, pos(1));
        SubmittedOffsets.Entry r2 = offsets.submit(FILE_A, pos(2));
        SubmittedOffsets.Entry r3 = offsets.submit(FILE_A, pos(3));

        offsets.ack(r3);
        offsets.ack(r2);
        assertThat(offsets.takeCommittable()).as("record 1 is still in flight").isEmpty();

        offsets.ack(r1);
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(3)));
    }

    @Test
    void gapInTheMiddleHoldsBackLaterAcks() {
        SubmittedOffsets.Entry r1 = offsets.submit(FILE_A, pos(1));
        SubmittedOffsets.Entry r2 = offsets.submit(FILE_A, pos(2));
        SubmittedOffsets.Entry r3 = offsets.submit(FILE_A, pos(3));

        offsets.ack(r1);
        offsets.ack(r3);
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(1)));

        offsets.ack(r2);
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(3)));
    }

    @Test
    void partitionsAdvanceIndependently() {
        SubmittedOffsets.Entry a1 = offsets.submit(FILE_A, pos(1));
        SubmittedOffsets.Entry b1 = offsets.submit(FILE_B, pos(10));
        SubmittedOffsets.Entry a2 = offsets.submit(FILE_A, pos(2));
        SubmittedOffsets.Entry b2 = offsets.submit(FILE_B, pos(20));

        offsets.ack(a2);
        offsets.ack(b1);
        assertThat(offsets.takeCommittable())
                .as("a is blocked by its first record; b's first record is acked")
                .containsExactly(Map.entry(FILE_B, pos(10)));

        offsets.ack(a1);
        offsets.ack(b2);
        assertThat(offsets.takeCommittable()).containsOnly(Map.entry(FILE_A, pos(2)), Map.entry(FILE_B, pos(20)));
    }

    @Test
    void equalPartitionMapsAreTheSamePartition() {
        SubmittedOffsets.Entry r1 = offsets.submit(new java.util.HashMap<>(Map.of("filename", "a.txt")), pos(1));
        SubmittedOffsets.Entry r2 = offsets.submit(new java.util.TreeMap<>(Map.of("filename", "a.txt")), pos(2));

        offsets.ack(r2);
        assertThat(offsets.takeCommittable()).isEmpty();
        offsets.ack(r1);
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(2)));
    }

    @Test
    void recordsWithoutPartitionAreCountedInFlightButNeverCommitted() {
        SubmittedOffsets.Entry untracked = offsets.submit(null, null);
        SubmittedOffsets.Entry a1 = offsets.submit(FILE_A, pos(1));
        assertThat(offsets.inFlight()).isEqualTo(2);

        offsets.ack(a1);
        assertThat(offsets.takeCommittable())
                .as("an unacked record without partition does not hold back other partitions")
                .containsExactly(Map.entry(FILE_A, pos(1)));
        assertThat(offsets.inFlight()).isEqualTo(1);

        offsets.ack(untracked);
        assertThat(offsets.inFlight()).isZero();
        assertThat(untracked.acked()).isTrue();
        assertThat(offsets.takeCommittable()).isEmpty();
    }

    @Test
    void inFlightCountsSubmittedMinusAcked() {
        SubmittedOffsets.Entry r1 = offsets.submit(FILE_A, pos(1));
        SubmittedOffsets.Entry r2 = offsets.submit(FILE_B, pos(1));
        offsets.submit(FILE_A, pos(2));
        assertThat(offsets.inFlight()).isEqualTo(3);

        offsets.ack(r2);
        assertThat(offsets.inFlight()).isEqualTo(2);
        offsets.ack(r1);
        assertThat(offsets.inFlight()).isEqualTo(1);
    }

    @Test
    void secondAckOfTheSameRecordIsIgnored() {
        SubmittedOffsets.Entry r1 = offsets.submit(FILE_A, pos(1));
        SubmittedOffsets.Entry r2 = offsets.submit(FILE_A, pos(2));

        offsets.ack(r1);
        offsets.ack(r1);

        assertThat(offsets.inFlight()).isEqualTo(1);
        assertThat(r2.acked()).isFalse();
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(1)));
        offsets.ack(r1);
        assertThat(offsets.takeCommittable()).as("a late duplicate ack does not re-offer the offset").isEmpty();
    }

    @Test
    void takeCommittableClearsWhatItReturned() {
        SubmittedOffsets.Entry r1 = offsets.submit(FILE_A, pos(1));
        offsets.ack(r1);

        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(1)));
        assertThat(offsets.takeCommittable()).isEmpty();
    }

    @Test
    void offsetsAckedAfterATakeAreOfferedByTheNextTake() {
        SubmittedOffsets.Entry r1 = offsets.submit(FILE_A, pos(1));
        SubmittedOffsets.Entry r2 = offsets.submit(FILE_A, pos(2));
        offsets.ack(r1);
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(1)));

        offsets.ack(r2);
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(2)));
    }

    @Test
    void theNewestOffsetOfEachPartitionIsCommittableWhenAcksAlternateBetweenPartitions() {
        SubmittedOffsets.Entry a1 = offsets.submit(FILE_A, pos(1));
        SubmittedOffsets.Entry b1 = offsets.submit(FILE_B, pos(10));
        SubmittedOffsets.Entry a2 = offsets.submit(FILE_A, pos(2));
        SubmittedOffsets.Entry a3 = offsets.submit(FILE_A, pos(3));
        SubmittedOffsets.Entry b2 = offsets.submit(FILE_B, pos(20));

        offsets.ack(a1);
        offsets.ack(b1);
        offsets.ack(a2);
        offsets.ack(a3);
        assertThat(offsets.takeCommittable()).containsOnly(Map.entry(FILE_A, pos(3)), Map.entry(FILE_B, pos(10)));

        offsets.ack(b2);
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_B, pos(20)));
        assertThat(offsets.takeCommittable()).isEmpty();
    }

    @Test
    void restorePutsBackOffsetsWhoseWriteFailed() {
        SubmittedOffsets.Entry r1 = offsets.submit(FILE_A, pos(1));
        offsets.ack(r1);
        Map<Map<String, ?>, Map<String, ?>> taken = offsets.takeCommittable();

        offsets.restore(taken);

        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(1)));
    }

    @Test
    void restoreKeepsANewerOffsetOfTheSamePartition() {
        SubmittedOffsets.Entry a1 = offsets.submit(FILE_A, pos(1));
        SubmittedOffsets.Entry b1 = offsets.submit(FILE_B, pos(1));
        SubmittedOffsets.Entry a2 = offsets.submit(FILE_A, pos(2));
        offsets.ack(a1);
        offsets.ack(b1);
        Map<Map<String, ?>, Map<String, ?>> failedWrite = offsets.takeCommittable();

        offsets.ack(a2);
        offsets.restore(failedWrite);

        assertThat(offsets.takeCommittable())
                .as("a's newer offset wins; b's failed offset comes back")
                .containsOnly(Map.entry(FILE_A, pos(2)), Map.entry(FILE_B, pos(1)));
    }

    @Test
    void newSubmissionsAfterAFullyAckedPartitionStartANewRun() {
        SubmittedOffsets.Entry r1 = offsets.submit(FILE_A, pos(1));
        offsets.ack(r1);
        SubmittedOffsets.Entry r2 = offsets.submit(FILE_A, pos(2));
        SubmittedOffsets.Entry r3 = offsets.submit(FILE_A, pos(3));

        offsets.ack(r3);
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(1)));
        offsets.ack(r2);
        assertThat(offsets.takeCommittable()).containsExactly(Map.entry(FILE_A, pos(3)));
        assertThat(offsets.inFlight()).isZero();
    }

    @Test
    void partitionsWhoseRecordsWereAllAckedAreForgotten() throws Exception {
        SubmittedOffsets offsets = new SubmittedOffsets();
        for (int i = 0; i < 1_000; i++) {
            offsets.ack(offsets.submit(Map.of("file", "f" + i), Map.of("pos", (long) i)));
        }
        java.lang.reflect.Field pending = SubmittedOffsets.class.getDeclaredField("pending");
        pending.setAccessible(true);
        assertThat((Map<?, ?>) pending.get(offsets)).as("partitions tracked with nothing in flight").hasSizeLessThanOrEqualTo(1);
        assertThat(offsets.takeCommittable()).hasSize(1_000);
    }
}
