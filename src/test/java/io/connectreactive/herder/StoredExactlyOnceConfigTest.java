package io.connectreactive.herder;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.connectreactive.runtime.source.SequenceSource;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.runtime.RestartRequest;
import org.apache.kafka.connect.runtime.SessionKey;
import org.apache.kafka.connect.runtime.TargetState;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.storage.ConfigBackingStore;
import org.apache.kafka.connect.storage.KafkaConfigBackingStore;
import org.apache.kafka.connect.util.ConnectorTaskId;
import org.apache.kafka.connect.util.TopicAdmin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A source connector whose config was stored, bypassing this runtime's validation, with an exactly-once
 * setting this runtime cannot honour ({@code exactly.once.support=required}) is not run when the worker
 * starts: it and its tasks end FAILED with a trace naming the key, one ERROR line is logged, and it
 * produces nothing; one stored with {@code exactly.once.support=requested} runs (at least once). In
 * standalone mode the config is in the worker's {@code connect-configs.json}; in clustered mode Kafka
 * Connect 4.3.1's own config store wrote it to the config topic, as a cluster moved from Kafka Connect has it.
 */
@ExtendWith(KafkaBroker.class)
class StoredExactlyOnceConfigTest {

    private static final String SEQUENCE = SequenceSource.class.getName();
    private static final String TASK = SequenceSource.SequenceTask.class.getName();
    private static final int COUNT = 20;
    private static final String REFUSED = "Connector eos-required and its tasks are not started: Invalid value required for "
            + "configuration exactly.once.support: This worker does not have exactly-once source support enabled.";

    @Test
    void aStandaloneConnectorStoredRequiringExactlyOnceEndsFailedNamingTheKeyAndProducesNothing(KafkaBroker kafka,
                                                                                               @TempDir Path dir) throws Exception {
        String requiredTopic = KafkaBroker.uniqueTopic("eos-required");
        String requestedTopic = KafkaBroker.uniqueTopic("eos-requested");
        JsonObject stored = new JsonObject()
                .put("eos-required", new JsonObject().put("config", new JsonObject(new HashMap<>(config("eos-required", requiredTopic, "required"))))
                        .put("targetState", "STARTED").put("tasks", List.of(taskConfig("eos-required", requiredTopic, "required"))))
                .put("eos-requested", new JsonObject().put("config", new JsonObject(new HashMap<>(config("eos-requested", requestedTopic, "requested"))))
                        .put("targetState", "STARTED").put("tasks", List.of()));
        Files.writeString(dir.resolve("connect-configs.json"), stored.encode());

        runAndCheck(kafka, dir, Map.of(), requiredTopic, requestedTopic);
    }

    @Test
    void aClusteredConnectorKafkaConnectStoredRequiringExactlyOnceEndsFailedNamingTheKeyAndProducesNothing(KafkaBroker kafka,
                                                                                                          @TempDir Path dir) throws Exception {
        String group = "cr-eos-" + System.nanoTime();
        String requiredTopic = KafkaBroker.uniqueTopic("eos-required");
        String requestedTopic = KafkaBroker.uniqueTopic("eos-requested");
        Map<String, String> topics = Map.of("config.storage.topic", group + "-configs", "offset.storage.topic", group + "-offsets",
                "status.storage.topic", group + "-status");

        // Kafka Connect's own config store writes both connectors and their task configs, as a Kafka Connect cluster did
        Map<String, String> connect = new HashMap<>(topics);
        connect.put("bootstrap.servers", kafka.bootstrapServers());
        connect.put("group.id", group);
        connect.put("config.storage.replication.factor", "1");
        connect.put("offset.storage.replication.factor", "1");
        connect.put("status.storage.replication.factor", "1");
        connect.put("key.converter", JsonConverter.class.getName());
        connect.put("value.converter", JsonConverter.class.getName());
        JsonConverter internal = new JsonConverter();
        internal.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), false);
        try (TopicAdmin topicAdmin = new TopicAdmin(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            KafkaConfigBackingStore store = new KafkaConfigBackingStore(internal, new DistributedConfig(connect), null,
                    () -> topicAdmin, "connect-cluster-");
            store.setUpdateListener(new Unheard());
            store.start();
            try {
                store.putConnectorConfig("eos-required", config("eos-required", requiredTopic, "required"), TargetState.STARTED);
                store.putTaskConfigs("eos-required", List.of(taskConfig("eos-required", requiredTopic, "required")));
                store.putConnectorConfig("eos-requested", config("eos-requested", requestedTopic, "requested"), TargetState.STARTED);
                store.putTaskConfigs("eos-requested", List.of(taskConfig("eos-requested", requestedTopic, "requested")));
            } finally {
                store.stop();
            }
        }

        int clusterPort = freePort();
        Map<String, String> worker = new HashMap<>(topics);
        worker.put("group.id", group);
        worker.put("offset.storage.partitions", "5");
        worker.put("status.storage.partitions", "2");
        worker.put("runtime.cluster.host", "127.0.0.1");
        worker.put("runtime.cluster.port", String.valueOf(clusterPort));
        worker.put("runtime.cluster.members", "127.0.0.1:" + clusterPort);
        runAndCheck(kafka, dir, worker, requiredTopic, requestedTopic);
    }

    /** Starts a worker on {@code dir} and checks what became of the two stored connectors. */
    private static void runAndCheck(KafkaBroker kafka, Path dir, Map<String, String> extra, String requiredTopic,
                                    String requestedTopic) throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        root.addAppender(log);
        try (TestWorker w = TestWorker.start(kafka, dir, extra)) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                JsonObject status = w.status("eos-requested");
                assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("RUNNING");
                assertThat(status.getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RUNNING");
                assertThat(kafka.endOffset(requestedTopic)).isEqualTo(COUNT);
            });
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonObject status = w.status("eos-required");
                assertThat(status.getJsonObject("connector").getString("state")).as(status.encode()).isEqualTo("FAILED");
                assertThat(status.getJsonObject("connector").getString("trace")).contains(REFUSED);
                assertThat(status.getJsonArray("tasks").size()).isEqualTo(1);
                assertThat(status.getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("FAILED");
                assertThat(status.getJsonArray("tasks").getJsonObject(0).getString("trace")).contains(REFUSED);
            });
            // the other connector's records are all there: had the refused one run, its task would have produced too
            assertThat(records(kafka, requiredTopic)).isZero();
        } finally {
            root.detachAppender(log);
        }
        List<ILoggingEvent> lines;
        synchronized (log.list) {
            lines = log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)
                    && e.getFormattedMessage().contains("eos-required")).toList();
        }
        assertThat(lines).as("warnings and errors about the refused connector").singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.ERROR);
            assertThat(e.getFormattedMessage()).startsWith(REFUSED);
            assertThat(e.getThrowableProxy()).as("no stack trace").isNull();
        });
    }

    private static Map<String, String> config(String name, String topic, String exactlyOnce) {
        return Map.of("name", name, "connector.class", SEQUENCE, "tasks.max", "1", "topic", topic,
                "count", String.valueOf(COUNT), "exactly.once.support", exactlyOnce);
    }

    /** The task config Kafka Connect stored for the connector's task 0 (SequenceSource's, with task.class). */
    private static Map<String, String> taskConfig(String name, String topic, String exactlyOnce) {
        Map<String, String> task = new HashMap<>(config(name, topic, exactlyOnce));
        task.put("task.index", "0");
        task.put("task.class", TASK);
        return task;
    }

    /** How many records {@code topic} holds: none when it was never created. */
    private static long records(KafkaBroker kafka, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            if (!admin.listTopics().names().get().contains(topic)) {
                return 0;
            }
        }
        return kafka.endOffset(topic);
    }

    /** Kafka Connect's config store needs a listener; what it hears does not matter here. */
    private static final class Unheard implements ConfigBackingStore.UpdateListener {
        @Override
        public void onConnectorConfigRemove(String connector) {
        }

        @Override
        public void onConnectorConfigUpdate(String connector) {
        }

        @Override
        public void onTaskConfigUpdate(Collection<ConnectorTaskId> tasks) {
        }

        @Override
        public void onConnectorTargetStateChange(String connector) {
        }

        @Override
        public void onSessionKeyUpdate(SessionKey sessionKey) {
        }

        @Override
        public void onRestartRequest(RestartRequest request) {
        }

        @Override
        public void onLoggingLevelUpdate(String namespace, String level) {
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
