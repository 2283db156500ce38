package io.connectreactive.herder;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which stored source connector configs {@link ExactlyOnceSourceKeys#unsupported} refuses to run, and why. */
class ExactlyOnceSourceKeysTest {

    @Test
    void aStoredConfigWithAnExactlyOnceValueThisRuntimeCannotHonourIsRefusedNamingTheKey() {
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("exactly.once.support", " Required ")))
                .startsWith("Invalid value Required for configuration exactly.once.support: This worker does not have "
                        + "exactly-once source support enabled");
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("transaction.boundary", "interval")))
                .startsWith("Invalid value interval for configuration transaction.boundary: ");
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("transaction.boundary.interval.ms", "1000")))
                .startsWith("Invalid value 1000 for configuration transaction.boundary.interval.ms: ");
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("offsets.storage.topic", "own")))
                .startsWith("Invalid value own for configuration offsets.storage.topic: ");
    }

    @Test
    void theDefaultsAndPlaceholdersAreNotRefused() {
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of())).isNull();
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("exactly.once.support", "requested", "transaction.boundary", "POLL")))
                .isNull();
        assertThat(ExactlyOnceSourceKeys.unsupported(Map.of("transaction.boundary", "${file:/etc/eos.properties:boundary}")))
                .isNull();
    }
}
