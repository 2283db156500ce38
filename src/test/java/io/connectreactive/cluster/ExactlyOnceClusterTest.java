package io.connectreactive.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import java.util.concurrent.TimeUnit;

import io.connectreactive.kafka.ClientConfigs;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A cluster of two in-process workers with {@code exactly.once.source.support=enabled} on the shared test
 * broker: connector validation asks the connector as Kafka Connect's does (400s and validation errors in
 * Kafka Connect's words), the leader fences the transactional producers of a source connector's previous
 * tasks before the next generation starts and keeps Kafka Connect's task-count record in the config topic,
 * and {@code PUT /connectors/{name}/fence} answers as Kafka Connect's, from the leader and through a follower.
 */
@ExtendWith(KafkaBroker.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExactlyOnceClusterTest {

    private static final String SOURCE = EosAnsweringSource.class.getName();

    private KafkaBroker kafka;
    private String group;
    private TestWorker leader;
    private TestWorker follower;

    @BeforeAll
    void startCluster(KafkaBroker kafka, @TempDir Path dir) throws IOException {
        this.kafka = kafka;
        group = "cr-eos-cluster-" + System.nanoTime();
        int portA = freePort();
        int portB = freePort();
        leader = TestWorker.start(kafka, dir.resolve("a"), worker(portA, portA, portB));
        follower = TestWorker.start(kafka, dir.resolve("b"), worker(portB, portA, portB));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(follower.worker().herder().leaderUrl()).isNotNull());
    }

    @AfterAll
    void stopCluster() {
        if (follower != null) {
            follower.close();
        }
        if (leader != null) {
            leader.close();
        }
    }

    private Map<String, String> worker(int clusterPort, int portA, int portB) throws IOException {
        Map<String, String> w = new HashMap<>();
        w.put("group.id", group);
        w.put("exactly.once.source.support", "enabled");
        w.put("config.storage.topic", group + "-configs");
        w.put("offset.storage.topic", group + "-offsets");
        w.put("status.storage.topic", group + "-status");
        w.put("offset.storage.partitions", "5");
        w.put("status.storage.partitions", "2");
        w.put("listeners", "http://127.0.0.1:" + freePort());
        w.put("runtime.cluster.host", "127.0.0.1");
        w.put("runtime.cluster.port", String.valueOf(clusterPort));
        w.put("runtime.cluster.members", "127.0.0.1:" + portA + ",127.0.0.1:" + portB);
        return w;
    }

    @Test
    void theLeaderFencesThePreviousTasksProducersBeforeTheNextGenerationAndKeepsKafkaConnectsTaskCountRecord() throws Exception {
        String name = "eos-fence";
        String topic = KafkaBroker.uniqueTopic("eos-zombie");
        TestWorker.Response created = leader.send("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", config(name).put("tasks.max", "2")).encode());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        awaitRunningTasks(name, 2);
        // the first generation with exactly-once support: nothing to fence, the task count recorded
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(configRecords()).containsEntry("tasks-fencing-" + name, "{\"task-count\":2}"));

        // a zombie of task 1 of that generation: a live transactional producer with its transactional id
        try (KafkaProducer<String, String> zombie = transactional(ClientConfigs.transactionalId(group, name, 1))) {
            zombie.initTransactions();
            commitOne(zombie, topic);

            // reconfigured from 2 tasks to 1, through the follower: the leader fences tasks 0 and 1 of the last generation
            TestWorker.Response put = follower.send("PUT", "/connectors/" + name + "/config", config(name).put("tasks.max", "1").encode());
            assertThat(put.status()).as(put.body()).isEqualTo(200);
            awaitRunningTasks(name, 1);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(configRecords()).containsEntry("tasks-fencing-" + name, "{\"task-count\":1}"));
            assertThatThrownBy(() -> commitOne(zombie, topic))
                    .satisfies(e -> assertThat(fenced(e)).as("fenced: %s", e).isTrue());
        }

        // Kafka Connect's internal endpoint: 204 on the leader and through the follower (nothing left to fence)
        assertThat(leader.send("PUT", "/connectors/" + name + "/fence", null).status()).isEqualTo(204);
        TestWorker.Response forwarded = follower.send("PUT", "/connectors/" + name + "/fence", null);
        assertThat(forwarded.status()).as(forwarded.body()).isEqualTo(204);
        TestWorker.Response unknown = follower.send("PUT", "/connectors/nope/fence", null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().getString("message")).isEqualTo("Connector nope not found");
    }

    @Test
    void onlyTheLeaderWritesTheConfigTopicAndAConnectorOnTheFollowerHasItsTasksWrittenThroughIt() throws Exception {
        List<String> names = List.of("eos-spread-0", "eos-spread-1", "eos-spread-2");
        for (String name : names) {
            TestWorker.Response created = leader.send("POST", "/connectors", new JsonObject().put("name", name)
                    .put("config", config(name)).encode());
            assertThat(created.status()).as(created.body()).isEqualTo(201);
        }
        names.forEach(name -> awaitRunningTasks(name, 1));
        // a follower's store refuses to write task configs (KafkaStoresTest), so the leader wrote these ...
        String onFollower = ":" + follower.worker().restPort();
        assertThat(names).as("a connector runs on the follower")
                .anyMatch(name -> leader.status(name).getJsonObject("connector").getString("worker_id").endsWith(onFollower));
        // ... in transactions of Kafka Connect's leader id
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            assertThat(admin.listTransactions().all().get(30, TimeUnit.SECONDS))
                    .anyMatch(t -> t.transactionalId().equals(ClientConfigs.leaderTransactionalId(group)));
        }
        // a connector reconfigured through the follower gets its new tasks too
        TestWorker.Response put = follower.send("PUT", "/connectors/" + names.get(1) + "/config",
                config(names.get(1)).put("tasks.max", "2").encode());
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        awaitRunningTasks(names.get(1), 2);
        for (String name : names) {
            assertThat(leader.send("DELETE", "/connectors/" + name, null).status()).isEqualTo(204);
        }
    }

    @Test
    void fencingASinkConnectorIsABadRequest(@TempDir Path dir) {
        String name = "eos-sink";
        TestWorker.Response created = leader.send("POST", "/connectors", new JsonObject().put("name", name).put("config",
                new JsonObject().put("connector.class", "io.connectreactive.connectors.file.FileStreamSinkConnector")
                        .put("topics", KafkaBroker.uniqueTopic("eos-sink")).put("file", dir.resolve("out.txt").toString())).encode());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        TestWorker.Response fence = leader.send("PUT", "/connectors/" + name + "/fence", null);
        assertThat(fence.status()).isEqualTo(400);
        assertThat(fence.json().getString("message")).isEqualTo("Connector " + name + " is not a source connector");
        assertThat(leader.send("DELETE", "/connectors/" + name, null).status()).isEqualTo(204);
    }

    @Test
    void requiredAndConnectorBoundariesAreAcceptedOnlyWhenTheConnectorSupportsThem() {
        assertCreated("eos-required-ok", config("eos-required-ok").put("exactly.once.support", "required"));
        assertCreated("eos-interval", config("eos-interval").put("transaction.boundary", "interval")
                .put("transaction.boundary.interval.ms", "500"));
        assertCreated("eos-interval-ignored", config("eos-interval-ignored").put("transaction.boundary.interval.ms", "500"));
        assertCreated("eos-connector-ok", config("eos-connector-ok").put("transaction.boundary", "connector"));

        assertRefused(config("eos-unsupported").put("exactly.once.support", "required").put("answer.exactly.once", "UNSUPPORTED"),
                "The connector does not support exactly-once semantics with the provided configuration.");
        assertRefused(config("eos-null").put("exactly.once.support", "REQUIRED").put("answer.exactly.once", "null"),
                "The connector does not implement the API required for preflight validation of exactly-once source support.");
        assertRefused(config("eos-boundary").put("transaction.boundary", "connector").put("answer.boundaries", "UNSUPPORTED"),
                "The connector does not support connector-defined transaction boundaries with the given configuration. "
                        + "Please reconfigure it to use a different transaction boundary definition.");
        assertRefused(config("eos-boundary-null").put("transaction.boundary", "connector").put("answer.boundaries", "null"),
                "This connector has returned a null value from its canDefineTransactionBoundaries method, which is not permitted.");
        // a clustered worker gives a connector its own offsets topic (ConnectorOffsetsTopicTest runs one)
        assertCreated("eos-offsets", config("eos-offsets").put("offsets.storage.topic", KafkaBroker.uniqueTopic("own-offsets")));
    }

    @Test
    void validationCountsTheConnectorsAnswersAsErrors() {
        JsonObject infos = leader.send("PUT", "/connector-plugins/" + SOURCE + "/config/validate",
                config("eos-validate").put("exactly.once.support", "required").put("answer.exactly.once", "UNSUPPORTED")
                        .put("transaction.boundary", "connector").put("answer.boundaries", "null").encode()).json();
        assertThat(infos.getInteger("error_count")).as(infos.encode()).isEqualTo(2);
        assertThat(errors(infos, "exactly.once.support")).containsExactly(
                "The connector does not support exactly-once semantics with the provided configuration.");
        assertThat(errors(infos, "transaction.boundary")).singleElement().asString()
                .startsWith("This connector has returned a null value from its canDefineTransactionBoundaries method");

        JsonObject supported = leader.send("PUT", "/connector-plugins/" + SOURCE + "/config/validate",
                config("eos-validate").put("exactly.once.support", "required").put("transaction.boundary", "interval")
                        .put("transaction.boundary.interval.ms", "100").encode()).json();
        assertThat(supported.getInteger("error_count")).as(supported.encode()).isZero();
    }

    private void assertCreated(String name, JsonObject config) {
        TestWorker.Response created = leader.send("POST", "/connectors", new JsonObject().put("name", name).put("config", config).encode());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(leader.send("DELETE", "/connectors/" + name, null).status()).isEqualTo(204);
    }

    private void assertRefused(JsonObject config, String expected) {
        TestWorker.Response r = follower.send("POST", "/connectors", new JsonObject().put("name", config.getString("name"))
                .put("config", config).encode());
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().getString("message")).contains(expected);
    }

    private static JsonObject config(String name) {
        return new JsonObject().put("connector.class", SOURCE).put("name", name).put("tasks.max", "1");
    }

    private void awaitRunningTasks(String name, int count) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonObject status = leader.status(name);
            JsonArray tasks = status.getJsonArray("tasks");
            assertThat(tasks.size()).as(status.encode()).isEqualTo(count);
            for (int i = 0; i < count; i++) {
                assertThat(tasks.getJsonObject(i).getString("state")).as(status.encode()).isEqualTo("RUNNING");
            }
        });
    }

    /** The latest value of each key of the config topic, as text. */
    private Map<String, String> configRecords() {
        Map<String, String> out = new LinkedHashMap<>();
        kafka.consumeFrom(Map.of(new TopicPartition(group + "-configs", 0), 0L)).forEach(r -> out.put(
                new String(r.key(), StandardCharsets.UTF_8), r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8)));
        return out;
    }

    private KafkaProducer<String, String> transactional(String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static void commitOne(KafkaProducer<String, String> producer, String topic) throws Exception {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, "k", "v")).get();
        producer.commitTransaction();
    }

    private static boolean fenced(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) {
                return true;
            }
        }
        return false;
    }

    private static List<Object> errors(JsonObject infos, String key) {
        JsonArray configs = infos.getJsonArray("configs");
        for (int i = 0; i < configs.size(); i++) {
            JsonObject value = configs.getJsonObject(i).getJsonObject("value");
            if (key.equals(value.getString("name"))) {
                return value.getJsonArray("errors").getList();
            }
        }
        throw new AssertionError("no entry for " + key + " in " + infos.encode());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
