package io.connectreactive.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.connectreactive.model.TaskId;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AssignorTest {

    private static final List<String> THREE = List.of("a", "b", "c");

    @Test
    void spreadsTasksOfOneConnectorEvenly() {
        Assignment a = Assignor.assign(Assignment.EMPTY, THREE, Map.of("src", 6), "a");
        assertThat(a.generation()).isEqualTo(1);
        assertThat(counts(a.tasks().values())).containsOnly(Map.entry("a", 2L), Map.entry("b", 2L), Map.entry("c", 2L));
        assertThat(a.connectors()).containsOnlyKeys("src");
        assertThat(Assignor.assign(Assignment.EMPTY, THREE, Map.of("src", 6), "a")).isEqualTo(a);
    }

    @Test
    void aLeavingMembersWorkGoesToTheOthersAndNothingElseMoves() {
        Assignment before = Assignor.assign(Assignment.EMPTY, THREE, Map.of("src", 6, "other", 3), "a");
        Assignment after = Assignor.assign(before, List.of("a", "c"), Map.of("src", 6, "other", 3), "a");
        assertThat(after.generation()).isEqualTo(2);
        before.tasks().forEach((task, owner) -> {
            if (!owner.equals("b")) {
                assertThat(after.taskOwner(task)).as("%s stays", task).isEqualTo(owner);
            }
        });
        assertThat(counts(after.tasks().values()).values()).allMatch(n -> n == 4L || n == 5L);
        assertThat(after.tasks().values()).doesNotContain("b");
    }

    @Test
    void aJoiningMemberTakesOnlyItsFairShare() {
        Map<String, Integer> hundred = new LinkedHashMap<>();
        for (int i = 0; i < 100; i++) {
            hundred.put("c" + i, 1);
        }
        Assignment three = Assignor.assign(Assignment.EMPTY, THREE, hundred, "a");
        Assignment four = Assignor.assign(three, List.of("a", "b", "c", "d"), hundred, "a");
        assertThat(counts(four.tasks().values()).values()).containsOnly(25L);
        assertThat(counts(four.connectors().values()).values()).containsOnly(25L);
        assertThat(moved(three.tasks(), four.tasks())).isEqualTo(25);
        assertThat(moved(three.connectors(), four.connectors())).isEqualTo(25);
        // and leaving again moves only the leaver's share
        Assignment back = Assignor.assign(four, THREE, hundred, "a");
        assertThat(moved(four.tasks(), back.tasks())).isEqualTo(25);
        assertThat(counts(back.tasks().values()).values()).allMatch(n -> n == 33L || n == 34L);
    }

    @Test
    void newAndRemovedTasksFillTheLeastLoadedMembers() {
        Assignment before = Assignor.assign(Assignment.EMPTY, THREE, Map.of("x", 3), "a");
        Assignment grown = Assignor.assign(before, THREE, Map.of("x", 3, "y", 4), "a");
        before.tasks().forEach((task, owner) -> assertThat(grown.taskOwner(task)).isEqualTo(owner));
        assertThat(counts(grown.tasks().values()).values()).allMatch(n -> n == 2L || n == 3L);
        Assignment shrunk = Assignor.assign(grown, THREE, Map.of("y", 4), "a");
        assertThat(shrunk.tasks()).doesNotContainKeys(new TaskId("x", 0), new TaskId("x", 1), new TaskId("x", 2));
        assertThat(counts(shrunk.tasks().values()).values()).allMatch(n -> n == 1L || n == 2L);
    }

    @Test
    void survivesTheRoundTripThroughTheClusterMap() {
        Assignment a = Assignor.assign(Assignment.EMPTY, THREE, Map.of("my-conn-2", 3, "b", 1), "a");
        assertThat(Assignment.fromJson(a.toJson())).isEqualTo(a);
    }

    private static Map<String, Long> counts(Collection<String> owners) {
        return owners.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    private static <K> int moved(Map<K, String> before, Map<K, String> after) {
        List<K> out = new ArrayList<>();
        new HashMap<>(before).forEach((k, v) -> {
            if (after.containsKey(k) && !after.get(k).equals(v)) {
                out.add(k);
            }
        });
        return out.size();
    }
}
