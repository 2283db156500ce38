package io.connectreactive.cluster;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class QuorumTest {

    @Test
    void aMajorityOfTheLastViewHoldsAMinorityDoesNot() {
        List<String> view = List.of("a", "b", "c");
        assertThat(Quorum.holds(view, Set.of("a", "b", "c"))).isTrue();
        assertThat(Quorum.holds(view, Set.of("b", "c"))).isTrue();
        assertThat(Quorum.holds(view, Set.of("a", "c"))).isTrue();
        assertThat(Quorum.holds(view, Set.of("c"))).isFalse();
        assertThat(Quorum.holds(view, Set.of("a"))).as("the oldest alone is no majority of three").isFalse();
    }

    @Test
    void anExactHalfHoldsOnlyWithTheOldestMember() {
        assertThat(Quorum.holds(List.of("a", "b"), Set.of("a"))).isTrue();
        assertThat(Quorum.holds(List.of("a", "b"), Set.of("b"))).isFalse();
        assertThat(Quorum.holds(List.of("a", "b", "c", "d"), Set.of("a", "d"))).isTrue();
        assertThat(Quorum.holds(List.of("a", "b", "c", "d"), Set.of("b", "c"))).isFalse();
    }

    @Test
    void membersOutsideTheViewDoNotCount() {
        assertThat(Quorum.holds(List.of("a", "b", "c"), Set.of("c", "x", "y"))).isFalse();
    }

    @Test
    void aWorkerWithoutAViewOrAloneInItHolds() {
        assertThat(Quorum.holds(List.of(), Set.of("a"))).isTrue();
        assertThat(Quorum.holds(List.of("a"), Set.of("a"))).isTrue();
    }
}
