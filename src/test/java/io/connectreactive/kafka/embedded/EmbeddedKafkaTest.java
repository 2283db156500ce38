package io.connectreactive.kafka.embedded;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded broker of a worker started with no {@code bootstrap.servers}. A controller port chosen
 * free that another process binds before the controller does halts the JVM (Kafka's fault handler; seen
 * on a busy CI machine as "Socket server failed to bind ... Address already in use" for CONTROLLER), so
 * the broker chooses it as it starts and outside the range the kernel hands out to connections and to
 * other programs' "any free port" listeners.
 */
class EmbeddedKafkaTest {

    @Test
    void theControllerListensBelowTheKernelsEphemeralRangeAndTheBrokerServes(@TempDir Path dir) throws Exception {
        int low = EmbeddedKafka.ephemeralLow();
        assertThat(low).as("this test runs where /proc tells the range").isGreaterThan(12_000);
        try (EmbeddedKafka kafka = new EmbeddedKafka(dir, 0).start()) {
            assertThat(kafka.controllerListenerPort()).isBetween(10_000, low - 1);
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
                assertThat(admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS)).isEqualTo(kafka.clusterId());
            }
            kafka.close();
            kafka.start(); // again on the same directory, its controller on a port chosen again
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
                assertThat(admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS)).isEqualTo(kafka.clusterId());
            }
        }
    }
}
