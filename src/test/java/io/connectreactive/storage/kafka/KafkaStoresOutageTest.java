package io.connectreactive.storage.kafka;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.model.State;
import io.connectreactive.model.TargetState;
import io.connectreactive.model.TaskId;
import io.connectreactive.storage.StatusStore.Status;
import io.connectreactive.testing.BlockedEventLoops;
import io.connectreactive.testing.BrokerProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.connectreactive.storage.kafka.StoreTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stores ride out a broker outage (a broker JVM killed with SIGKILL and started again): nothing
 * blocks the caller meanwhile, and what was written during the outage reaches the topics once the
 * broker is back.
 */
class KafkaStoresOutageTest {

    @Test
    void writesDuringABrokerOutageNeverBlockAndLandOnceItIsBack(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("broker");
        Path log = dir.resolve("broker.log");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        BrokerProcess[] broker = {BrokerProcess.start(data, port, log)};
        Vertx vertx = Vertx.vertx(BlockedEventLoops.options());
        BlockedEventLoops blocked = BlockedEventLoops.watch(vertx);
        try {
            WorkerConfig config = StoreTesting.workerConfig(broker[0].bootstrapServers(), StoreTesting.Topics.unique("outage"));
            ConfigWorker configs = new ConfigWorker(vertx, config);
            KafkaOffsetStore offsets = new KafkaOffsetStore(vertx, config);
            await(offsets.start());
            KafkaStatusStore statuses = new KafkaStatusStore(vertx, config, () -> 1);
            await(statuses.start());
            configs.call(() -> configs.store.putConnector("c", Map.of("connector.class", "X"), null));

            broker[0].kill9();

            long before = System.nanoTime();
            statuses.putConnector("c", new Status(State.RUNNING, null, "w:8083"));
            statuses.putTask(new TaskId("c", 0), new Status(State.RUNNING, null, "w:8083"));
            statuses.activeTopics("c").add("orders");
            Future<Void> offsetWrite = offsets.write("c", Map.of(Map.of("file", "/in"), Map.of("position", 99L)));
            CompletableFuture<Void> configRefresh = new CompletableFuture<>();
            configs.context.runOnContext(v -> configs.store.refresh().onComplete(ar -> configRefresh.complete(null)));
            assertThat(System.nanoTime() - before).as("calls during the outage return at once")
                    .isLessThan(TimeUnit.SECONDS.toNanos(1));
            assertThat(statuses.connector("c")).isEqualTo(new Status(State.RUNNING, null, "w:8083"));

            broker[0] = BrokerProcess.start(data, port, log);

            await(offsetWrite);
            configRefresh.get(120, TimeUnit.SECONDS);
            configs.call(() -> configs.store.putTargetState("c", TargetState.PAUSED));
            await(statuses.refresh());

            // a second worker, started after the outage, reads everything written during it
            ConfigWorker other = new ConfigWorker(vertx, config);
            assertThat(other.connectors().get("c").targetState()).isEqualTo(TargetState.PAUSED);
            KafkaOffsetStore otherOffsets = new KafkaOffsetStore(vertx, config);
            await(otherOffsets.start());
            assertThat(otherOffsets.offset("c", Map.of("file", "/in"))).isEqualTo(Map.of("position", 99L));
            KafkaStatusStore otherStatuses = new KafkaStatusStore(vertx, config, () -> 1);
            await(otherStatuses.start());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                await(otherStatuses.refresh());
                assertThat(otherStatuses.task(new TaskId("c", 0))).isEqualTo(new Status(State.RUNNING, null, "w:8083"));
                assertThat(otherStatuses.activeTopics("c")).containsExactly("orders");
            });
            for (Future<Void> stop : List.of(configs.store.stop(), other.store.stop(), offsets.stop(), otherOffsets.stop(),
                    statuses.stop(), otherStatuses.stop())) {
                await(stop);
            }
            assertThat(blocked.events()).as("blocked event loops").isEmpty();
        } finally {
            broker[0].close();
            await(vertx.close());
        }
    }

}
