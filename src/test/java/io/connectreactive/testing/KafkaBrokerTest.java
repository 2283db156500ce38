package io.connectreactive.testing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** The opt-in Testcontainers broker fails at once, with a clear message, where no Docker engine runs. */
class KafkaBrokerTest {

    @Test
    void testcontainersBrokerWithoutDockerFailsAtOnceSayingWhy() {
        assumeFalse(org.testcontainers.DockerClientFactory.instance().isDockerAvailable(), "a Docker engine is available here");
        assertThatThrownBy(KafkaBroker.TestcontainersBroker::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs a Docker engine")
                .hasMessageContaining("embedded broker");
    }
}
