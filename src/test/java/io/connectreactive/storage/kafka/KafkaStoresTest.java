package io.connectreactive.storage.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.herder.ConflictException;
import io.connectreactive.model.State;
import io.connectreactive.model.TargetState;
import io.connectreactive.model.TaskId;
import io.connectreactive.storage.ConfigStore;
import io.connectreactive.storage.ConfigStore.RestartRequest;
import io.connectreactive.storage.StatusStore.Status;
import io.connectreactive.testing.BlockedEventLoops;
import io.connectreactive.testing.KafkaBroker;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.connectreactive.storage.kafka.StoreTesting.await;
import static io.connectreactive.storage.kafka.StoreTesting.config;
import static io.connectreactive.storage.kafka.StoreTesting.failureOn;
import static io.connectreactive.storage.kafka.StoreTesting.latest;
import static io.connectreactive.storage.kafka.StoreTesting.on;
import static io.connectreactive.storage.kafka.StoreTesting.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The Kafka backends of the three stores against the real broker: several "workers" on the same topics. */
@ExtendWith(KafkaBroker.class)
class KafkaStoresTest {

    private Vertx vertx;
    private BlockedEventLoops blocked;
    private final List<java.util.function.Supplier<Future<Void>>> stops = new ArrayList<>();

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx(BlockedEventLoops.options());
        blocked = BlockedEventLoops.watch(vertx);
    }

    @AfterEach
    void tearDown() {
        stops.forEach(s -> await(s.get()));
        assertThat(blocked.events()).as("blocked event loops").isEmpty();
        await(vertx.close());
    }

    private ConfigWorker configWorker(WorkerConfig config) {
        ConfigWorker worker = new ConfigWorker(vertx, config);
        stops.add(worker.store::stop);
        return worker;
    }

    private KafkaOffsetStore offsetStore(WorkerConfig config) {
        KafkaOffsetStore store = new KafkaOffsetStore(vertx, config);
        await(store.start());
        stops.add(store::stop);
        return store;
    }

    private KafkaStatusStore statusStore(WorkerConfig config, AtomicInteger generation) {
        KafkaStatusStore store = new KafkaStatusStore(vertx, config, generation::get);
        await(store.start());
        stops.add(store::stop);
        return store;
    }

    // ---------------------------------------------------------------- config store

    @Test
    void twoWorkersSeeEachOthersWritesAndTheListenerFiresInWriteOrder(KafkaBroker kafka) {
        WorkerConfig config = StoreTesting.workerConfig(kafka, StoreTesting.Topics.unique("two-workers"));
        ConfigWorker a = configWorker(config);
        ConfigWorker b = configWorker(config);
        Map<String, String> cfg = config("connector.class", "FileStreamSource", "tasks.max", "2", "file", "/tmp/in");

        a.call(() -> a.store.putConnector("src", cfg, TargetState.PAUSED));
        // a write completes once read back: the writer sees it at once
        assertThat(a.connectors()).containsOnlyKeys("src");
        assertThat(a.connectors().get("src").config()).isEqualTo(cfg);
        assertThat(a.connectors().get("src").targetState()).isEqualTo(TargetState.PAUSED);
        b.call(b.store::refresh);
        assertThat(b.connectors().get("src").config()).isEqualTo(cfg);
        assertThat(b.connectors().get("src").targetState()).isEqualTo(TargetState.PAUSED);

        b.call(() -> b.store.putTaskConfigs("src", List.of(config("task", "0"), config("task", "1"))));
        b.call(() -> b.store.putTargetState("src", TargetState.STOPPED));
        a.call(() -> a.store.putRestartRequest(new RestartRequest("src", true, false)));
        a.call(() -> a.store.putConnector("src", config("connector.class", "FileStreamSource", "tasks.max", "1"), null));
        b.call(() -> b.store.putTargetState("src", TargetState.STARTED));
        b.call(() -> b.store.removeConnector("src"));

        List<String> expected = List.of("config:src", "tasks:src:2", "state:src:STOPPED", "restart:src:true:false",
                "config:src", "state:src:STARTED", "config:src:removed");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(a.events).containsExactlyElementsOf(expected);
            assertThat(b.events).containsExactlyElementsOf(expected);
        });
        assertThat(a.connectors()).isEmpty();
        assertThat(b.connectors()).isEmpty();
    }

    @Test
    void aWorkerStartedLaterReadsTheWholeStateInCreationOrderWithoutListenerCalls(KafkaBroker kafka) {
        WorkerConfig config = StoreTesting.workerConfig(kafka, StoreTesting.Topics.unique("later"));
        ConfigWorker a = configWorker(config);
        for (String name : List.of("zeta", "alpha", "mid")) {
            a.call(() -> a.store.putConnector(name, config("connector.class", "X", "name", name), TargetState.STARTED));
            a.call(() -> a.store.putTaskConfigs(name, List.of(config("t", name + "-0"))));
        }
        a.call(() -> a.store.putTargetState("alpha", TargetState.STOPPED));
        a.call(() -> a.store.putRestartRequest(new RestartRequest("mid", false, true)));

        ConfigWorker later = configWorker(config);
        assertThat(later.connectors().keySet()).containsExactly("zeta", "alpha", "mid");
        assertThat(later.connectors().get("alpha").targetState()).isEqualTo(TargetState.STOPPED);
        assertThat(later.connectors().get("mid").taskConfigs()).containsExactly(Map.of("t", "mid-0"));
        assertThat(later.events).as("old records are state, not news").isEmpty();
    }

    @Test
    void withExactlyOnceSourceSupportTheConfigTopicIsReadCommittedAndAnAbortedLeaderWriteIsNeverApplied(KafkaBroker kafka)
            throws Exception {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("eos-configs");
        String group = "eos-configs-" + System.nanoTime();
        WorkerConfig config = StoreTesting.exactlyOnceConfig(kafka, topics, group, "preparing");
        ConfigWorker first = configWorker(config); // creates the topic
        // a Kafka Connect leader writing transactionally: one connector in an aborted transaction, one in a committed one
        java.util.Properties p = new java.util.Properties();
        p.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(org.apache.kafka.clients.producer.ProducerConfig.TRANSACTIONAL_ID_CONFIG, "connect-cluster-" + group);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(p,
                new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topics.configs(), "connector-aborted",
                    "{\"properties\":{\"connector.class\":\"X\",\"name\":\"aborted\"}}")).get();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topics.configs(), "connector-kept",
                    "{\"properties\":{\"connector.class\":\"X\",\"name\":\"kept\"}}")).get();
            producer.commitTransaction();
        }
        await().atMost(java.time.Duration.ofSeconds(30)).until(() -> first.connectors().containsKey("kept"));
        ConfigWorker later = configWorker(config);
        assertThat(later.connectors().keySet()).containsExactly("kept");
        assertThat(first.connectors().keySet()).containsExactly("kept");
    }

    @Test
    void withExactlyOnceSourceSupportOnlyTheLeaderWritesInTransactionsAndANewLeaderFencesTheLastOne(KafkaBroker kafka)
            throws Exception {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("leader-writes");
        String group = "leader-writes-" + System.nanoTime();
        WorkerConfig config = StoreTesting.exactlyOnceConfig(kafka, topics, group, "enabled");
        ConfigWorker a = configWorker(config);
        ConfigWorker b = configWorker(config);
        Map<String, String> cfg = config("connector.class", "FileStreamSource", "tasks.max", "2", "file", "/tmp/in");

        // told it does not lead: connector configs, task configs, task-count records and restarts are refused
        on(a.context, () -> {
            a.store.leader(false);
            return Future.succeededFuture();
        });
        assertThat(failureOn(a.context, () -> a.store.putConnector("early", cfg, null)))
                .isInstanceOf(ConflictException.class).hasMessageContaining("only the leader of the cluster writes " + topics.configs());
        assertThat(failureOn(a.context, () -> a.store.putTaskCountRecord("early", 1))).hasMessageContaining("not the leader");

        // before a worker knows whether it leads (its first rebalance), a write waits for it
        ConfigWorker c = configWorker(config);
        CompletableFuture<Void> waiting = started(c.context, () -> c.store.putConnector("first", cfg, TargetState.PAUSED));
        Thread.sleep(300);
        assertThat(waiting).isNotDone();
        on(c.context, () -> {
            c.store.leader(false); // another worker leads now: c gives up nothing, a takes the privileges
            return Future.succeededFuture();
        });
        assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(ConflictException.class)
                .hasMessageContaining("not the leader");
        ConfigWorker d = configWorker(config);
        CompletableFuture<Void> held = started(d.context, () -> d.store.putConnector("held", cfg, null));
        Thread.sleep(200);
        on(d.context, () -> {
            d.store.leader(true);
            return Future.succeededFuture();
        });
        held.get(30, TimeUnit.SECONDS); // written once it learnt that it leads
        d.call(() -> d.store.removeConnector("held"));
        on(d.context, () -> {
            d.store.leader(false);
            return Future.succeededFuture();
        });

        on(a.context, () -> {
            a.store.leader(true);
            return Future.succeededFuture();
        });
        a.call(() -> a.store.putConnector("first", cfg, TargetState.PAUSED));
        a.call(() -> a.store.putTaskConfigs("first", List.of(config("task", "0"), config("task", "1"))));
        a.call(() -> a.store.putTaskCountRecord("first", 2));
        a.call(() -> a.store.putRestartRequest(new RestartRequest("first", false, true)));
        b.call(b.store::refresh);
        assertThat(b.connectors().get("first").taskConfigs()).hasSize(2);
        assertThat(b.connectors().get("first").targetState()).isEqualTo(TargetState.PAUSED);
        assertThat(b.store.taskCountRecord("first")).isEqualTo(2);
        // a target state is not a leader's write: any worker writes it
        b.call(() -> b.store.putTargetState("first", TargetState.STARTED));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            assertThat(admin.describeTransactions(List.of("connect-cluster-" + group)).all().get(30, TimeUnit.SECONDS))
                    .as("Kafka Connect's transactional id of the leader").containsKey("connect-cluster-" + group);
        }

        // a new leader takes the privileges: the old leader's next write is fenced and never applied anywhere
        on(b.context, () -> {
            b.store.leader(true);
            return Future.succeededFuture();
        });
        b.call(() -> b.store.putConnector("second", cfg, null));
        assertThat(failureOn(a.context, () -> a.store.putConnector("zombie", cfg, null))).isNotNull();
        assertThat(failureOn(a.context, () -> a.store.putTaskConfigs("first", List.of(config("task", "reclaimed"))))).isNull();
        b.call(b.store::refresh);
        ConfigWorker later = configWorker(config);
        for (ConfigWorker reader : List.of(a, b, later)) {
            assertThat(reader.connectors().keySet()).containsExactly("first", "second");
            assertThat(reader.connectors().get("first").targetState()).isEqualTo(TargetState.STARTED);
        }
        // ... it took the privileges back for its next write (Kafka Connect's leader reclaims them too): b's writer is fenced now
        assertThat(a.connectors().get("first").taskConfigs()).containsExactly(config("task", "reclaimed"));
        assertThat(failureOn(b.context, () -> b.store.putConnector("third", cfg, null))).isNotNull();
        on(a.context, () -> {
            a.store.leader(false);
            return Future.succeededFuture();
        });
        assertThat(failureOn(a.context, () -> a.store.removeConnector("first"))).hasMessageContaining("not the leader");
        later.call(later.store::refresh);
        assertThat(later.connectors().keySet()).containsExactly("first", "second");
    }

    @Test
    void taskConfigsAreInvisibleUntilCommittedAndAnIncompleteCommitLeavesNoTasks(KafkaBroker kafka) {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("commit");
        ConfigWorker a = configWorker(StoreTesting.workerConfig(kafka, topics));
        a.call(() -> a.store.putConnector("c", config("connector.class", "X"), null));
        a.call(() -> a.store.putTaskConfigs("c", List.of(config("gen", "1"))));

        Map<String, String> tasks = new LinkedHashMap<>();
        tasks.put("task-c-0", "{\"properties\":{\"gen\":\"2\"}}");
        tasks.put("task-c-1", "{\"properties\":{\"gen\":\"2\"}}");
        produce(kafka, topics.configs(), tasks);
        a.call(a.store::refresh);
        assertThat(a.connectors().get("c").taskConfigs()).as("not committed yet").containsExactly(Map.of("gen", "1"));

        produce(kafka, topics.configs(), Map.of("commit-c", "{\"tasks\":2}"));
        a.call(a.store::refresh);
        assertThat(a.connectors().get("c").taskConfigs()).containsExactly(Map.of("gen", "2"), Map.of("gen", "2"));

        // a commit naming tasks that were not all written (Kafka Connect's "inconsistent" connector)
        produce(kafka, topics.configs(), Map.of("task-c-0", "{\"properties\":{\"gen\":\"3\"}}"));
        produce(kafka, topics.configs(), Map.of("commit-c", "{\"tasks\":2}"));
        a.call(a.store::refresh);
        assertThat(a.connectors().get("c").taskConfigs()).isEmpty();

        a.call(() -> a.store.putTaskConfigs("c", List.of(config("gen", "4"))));
        assertThat(a.connectors().get("c").taskConfigs()).containsExactly(Map.of("gen", "4"));
        assertThat(a.events).containsExactly("config:c", "tasks:c:1", "tasks:c:2", "tasks:c:0", "tasks:c:1");
    }

    @Test
    void targetStatesOfOlderWorkersWithoutStateV2AreRead(KafkaBroker kafka) {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("v0-state");
        ConfigWorker a = configWorker(StoreTesting.workerConfig(kafka, topics));
        a.call(() -> a.store.putConnector("c", config("connector.class", "X"), null));
        // Kafka Connect before 3.5 (v0: "state" only)
        produce(kafka, topics.configs(), Map.of("target-state-c", "{\"state\":\"PAUSED\"}"));
        a.call(a.store::refresh);
        assertThat(a.connectors().get("c").targetState()).isEqualTo(TargetState.PAUSED);
        // a target state tombstone while the connector still exists falls back to STARTED, silently (as Kafka Connect)
        Map<String, String> tombstone = new HashMap<>();
        tombstone.put("target-state-c", null);
        produce(kafka, topics.configs(), tombstone);
        a.call(a.store::refresh);
        assertThat(a.connectors().get("c").targetState()).isEqualTo(TargetState.STARTED);
        assertThat(a.events).containsExactly("config:c", "state:c:PAUSED");
    }

    @Test
    void restartRequestsRoundTripBetweenWorkers(KafkaBroker kafka) {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("restart");
        WorkerConfig config = StoreTesting.workerConfig(kafka, topics);
        ConfigWorker a = configWorker(config);
        ConfigWorker b = configWorker(config);
        a.call(() -> a.store.putConnector("c", config("connector.class", "X"), null));
        b.call(() -> b.store.putRestartRequest(new RestartRequest("c", false, true)));
        b.call(() -> b.store.putRestartRequest(new RestartRequest("c", true, true)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(a.events).containsExactly("config:c", "restart:c:false:true", "restart:c:true:true"));
        assertThat(latest(kafka, topics.configs())).containsEntry("restart-connector-c", "{\"include-tasks\":true,\"only-failed\":true}");
    }

    @Test
    void writesKafkaConnectsRecordsExactly(KafkaBroker kafka) {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("format");
        ConfigWorker a = configWorker(StoreTesting.workerConfig(kafka, topics));
        a.call(() -> a.store.putConnector("my-conn", config("k", "v"), TargetState.STOPPED));
        a.call(() -> a.store.putTaskConfigs("my-conn", List.of(config("t", "0"))));
        List<String> records = new ArrayList<>();
        StoreTesting.records(kafka, topics.configs()).forEach(r -> records.add(r.key() + "=" + r.value()));
        assertThat(records).containsExactly(
                "target-state-my-conn={\"state\":\"PAUSED\",\"state.v2\":\"STOPPED\"}",
                "connector-my-conn={\"properties\":{\"k\":\"v\"}}",
                "task-my-conn-0={\"properties\":{\"t\":\"0\"}}",
                "commit-my-conn={\"tasks\":1}");

        a.call(() -> a.store.removeConnector("my-conn"));
        Map<String, String> last = latest(kafka, topics.configs());
        assertThat(last).containsEntry("connector-my-conn", null).containsEntry("target-state-my-conn", null);
    }

    @Test
    void configValuesAreStoredAsGivenAndOtherRecordsOfTheTopicAreLeftAlone(KafkaBroker kafka) {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("secrets");
        WorkerConfig config = StoreTesting.workerConfig(kafka, topics);
        ConfigWorker a = configWorker(config);
        Map<String, String> records = new LinkedHashMap<>();
        records.put("session-key", "{\"key\":\"a2V5\",\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":1}");
        records.put("tasks-fencing-c", "{\"task-count\":1}");
        records.put("logger-cluster-org.apache", "{\"level\":\"DEBUG\"}");
        records.put("connector-broken", "not json");
        records.put("something-else", "{}");
        produce(kafka, topics.configs(), records);
        Map<String, String> secret = config("connector.class", "X", "password", "${file:/etc/secrets.properties:password}");
        a.call(() -> a.store.putConnector("c", secret, null));
        assertThat(a.connectors()).containsOnlyKeys("c");
        assertThat(a.connectors().get("c").config()).isEqualTo(secret);
        assertThat(latest(kafka, topics.configs())).containsKeys("session-key", "tasks-fencing-c", "logger-cluster-org.apache");
        ConfigWorker b = configWorker(config);
        assertThat(b.connectors().get("c").config()).containsEntry("password", "${file:/etc/secrets.properties:password}");
    }

    @Test
    void writesToAnUnknownConnectorFailAndTheStoreStaysUsable(KafkaBroker kafka) {
        ConfigWorker a = configWorker(StoreTesting.workerConfig(kafka, StoreTesting.Topics.unique("unknown")));
        assertThat(failureOn(a.context, () -> a.store.putTargetState("nope", TargetState.PAUSED))).hasMessageContaining("nope");
        assertThat(failureOn(a.context, () -> a.store.putTaskConfigs("nope", List.of()))).hasMessageContaining("nope");
        a.call(() -> a.store.putConnector("c", config("connector.class", "X"), null));
        assertThat(a.connectors()).containsOnlyKeys("c");
    }

    @Test
    void anExistingTopicThatIsNotCompactedIsRefused(KafkaBroker kafka) throws Exception {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("delete-policy");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topics.configs(), 1, (short) 1).configs(Map.of("cleanup.policy", "delete"))))
                    .all().get(30, TimeUnit.SECONDS);
        }
        KafkaConfigStore store = new KafkaConfigStore(vertx, StoreTesting.workerConfig(kafka, topics));
        Context context = vertx.getOrCreateContext();
        Throwable failure = failureOn(context, store::start);
        assertThat(failure).isInstanceOf(ConfigException.class)
                .hasMessageContaining(topics.configs()).hasMessageContaining("config.storage.topic")
                .hasMessageContaining("cleanup.policy=compact");
        await(store.stop());
    }

    @Test
    void createsTheTopicsCompactedWithTheConfiguredPartitions(KafkaBroker kafka) throws Exception {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("created");
        WorkerConfig config = StoreTesting.workerConfig(kafka, topics);
        configWorker(config);
        offsetStore(config);
        statusStore(config, new AtomicInteger());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Map<String, TopicDescription> described = admin.describeTopics(List.of(topics.configs(), topics.offsets(), topics.statuses()))
                    .allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(described.get(topics.configs()).partitions()).hasSize(1);
            assertThat(described.get(topics.offsets()).partitions()).hasSize(5);
            assertThat(described.get(topics.statuses()).partitions()).hasSize(3);
            for (String topic : List.of(topics.configs(), topics.offsets(), topics.statuses())) {
                ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                assertThat(admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r).get("cleanup.policy").value())
                        .isEqualTo("compact");
            }
        }
    }

    // ---------------------------------------------------------------- offset store

    @Test
    void offsetsSurviveANewStoreInstanceAndTombstonesRemoveThem(KafkaBroker kafka) {
        WorkerConfig config = StoreTesting.workerConfig(kafka, StoreTesting.Topics.unique("offsets"));
        KafkaOffsetStore first = offsetStore(config);
        Map<String, Object> p1 = new LinkedHashMap<>();
        p1.put("file", "/a");
        p1.put("shard", 1);
        Map<Map<String, ?>, Map<String, ?>> write = new HashMap<>();
        write.put(p1, Map.of("position", 42L));
        write.put(Map.of("file", "/b"), Map.of("position", 7L, "inode", "x"));
        await(first.write("conn", write));
        assertThat(first.offset("conn", p1)).isEqualTo(Map.of("position", 42L));

        KafkaOffsetStore second = offsetStore(config);
        // the partition's fields in another order find the same offset
        Map<String, Object> reordered = new LinkedHashMap<>();
        reordered.put("shard", 1L);
        reordered.put("file", "/a");
        assertThat(second.offset("conn", reordered)).isEqualTo(Map.of("position", 42L));
        assertThat(second.offsets("conn")).hasSize(2);
        assertThat(second.offsets("other")).isEmpty();

        Map<Map<String, ?>, Map<String, ?>> removal = new HashMap<>();
        removal.put(reordered, null);
        await(second.write("conn", removal));
        assertThat(second.offset("conn", p1)).isNull();
        await(first.refresh());
        assertThat(first.offset("conn", p1)).isNull();

        KafkaOffsetStore third = offsetStore(config);
        assertThat(third.offset("conn", p1)).isNull();
        assertThat(third.offset("conn", Map.of("file", "/b"))).isEqualTo(Map.of("position", 7L, "inode", "x"));
    }

    @Test
    void offsetsWrittenByOneWorkerAreReadByAnotherAfterRefresh(KafkaBroker kafka) {
        WorkerConfig config = StoreTesting.workerConfig(kafka, StoreTesting.Topics.unique("offsets-shared"));
        KafkaOffsetStore a = offsetStore(config);
        KafkaOffsetStore b = offsetStore(config);
        for (long i = 1; i <= 20; i++) {
            await(a.write("conn", Map.of(Map.of("p", i % 4), Map.of("o", i))));
        }
        await(b.refresh());
        assertThat(b.offsets("conn")).hasSize(4);
        assertThat(b.offset("conn", Map.of("p", 0L))).isEqualTo(Map.of("o", 20L));
        assertThat(b.offset("conn", Map.of("p", 1L))).isEqualTo(Map.of("o", 17L));
    }

    // ---------------------------------------------------------------- status store

    @Test
    void aLocalPutIsVisibleAtOnceAndOtherWorkersReadIt(KafkaBroker kafka) {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("status");
        WorkerConfig config = StoreTesting.workerConfig(kafka, topics);
        KafkaStatusStore a = statusStore(config, new AtomicInteger(4));
        KafkaStatusStore b = statusStore(config, new AtomicInteger(4));
        a.putConnector("c", new Status(State.RUNNING, null, "w1:8083"));
        a.putTask(new TaskId("c", 1), new Status(State.FAILED, "trace", "w1:8083"));
        a.putTask(new TaskId("c", 0), new Status(State.RUNNING, null, "w1:8083"));
        assertThat(a.connector("c")).isEqualTo(new Status(State.RUNNING, null, "w1:8083"));
        assertThat(a.tasks("c")).extracting(t -> t.id().task()).containsExactly(0, 1);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            await(b.refresh());
            assertThat(b.connector("c")).isEqualTo(new Status(State.RUNNING, null, "w1:8083"));
            assertThat(b.task(new TaskId("c", 1))).isEqualTo(new Status(State.FAILED, "trace", "w1:8083"));
        });
        assertThat(latest(kafka, topics.statuses())).containsEntry("status-connector-c",
                "{\"state\":\"RUNNING\",\"trace\":null,\"worker_id\":\"w1:8083\",\"generation\":4,\"version\":null}");
    }

    @Test
    void anUnassignedOrFailedStatusOfAnOlderGenerationDoesNotReplaceAnotherWorkersNewerOne(KafkaBroker kafka) {
        WorkerConfig config = StoreTesting.workerConfig(kafka, StoreTesting.Topics.unique("put-safe"));
        AtomicInteger genA = new AtomicInteger(5);
        AtomicInteger genB = new AtomicInteger(3);
        KafkaStatusStore a = statusStore(config, genA);
        KafkaStatusStore b = statusStore(config, genB);
        TaskId task = new TaskId("c", 0);
        a.putTask(task, new Status(State.RUNNING, null, "a:8083"));
        a.putConnector("c", new Status(State.RUNNING, null, "a:8083"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            await(b.refresh());
            assertThat(b.task(task)).isEqualTo(new Status(State.RUNNING, null, "a:8083"));
        });

        // b is a generation behind: its UNASSIGNED and FAILED are dropped, locally and in the topic
        b.putTask(task, new Status(State.UNASSIGNED, null, "b:8083"));
        b.putConnector("c", new Status(State.FAILED, "boom", "b:8083"));
        assertThat(b.task(task)).isEqualTo(new Status(State.RUNNING, null, "a:8083"));
        assertThat(b.connector("c")).isEqualTo(new Status(State.RUNNING, null, "a:8083"));
        await(b.refresh());
        await(a.refresh());
        assertThat(a.task(task)).isEqualTo(new Status(State.RUNNING, null, "a:8083"));

        // with a newer generation they replace it, everywhere
        genB.set(6);
        b.putTask(task, new Status(State.UNASSIGNED, null, "b:8083"));
        assertThat(b.task(task)).isEqualTo(new Status(State.UNASSIGNED, null, "b:8083"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            await(a.refresh());
            assertThat(a.task(task)).isEqualTo(new Status(State.UNASSIGNED, null, "b:8083"));
        });
        // a plain put (RUNNING) is never held back, as Kafka Connect's put
        genB.set(1);
        b.putTask(task, new Status(State.RUNNING, null, "b:8083"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            await(a.refresh());
            assertThat(a.task(task)).isEqualTo(new Status(State.RUNNING, null, "b:8083"));
        });
    }

    @Test
    void removeAndRemoveTasksFromWriteTombstones(KafkaBroker kafka) {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("status-remove");
        WorkerConfig config = StoreTesting.workerConfig(kafka, topics);
        KafkaStatusStore a = statusStore(config, new AtomicInteger(1));
        a.putConnector("c", new Status(State.RUNNING, null, "w"));
        for (int i = 0; i < 3; i++) {
            a.putTask(new TaskId("c", i), new Status(State.RUNNING, null, "w"));
        }
        a.putConnector("d", new Status(State.RUNNING, null, "w"));
        a.removeTasksFrom("c", 1);
        assertThat(a.tasks("c")).hasSize(1);
        a.remove("c");
        assertThat(a.connector("c")).isNull();
        assertThat(a.tasks("c")).isEmpty();
        await(a.refresh());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, String> last = latest(kafka, topics.statuses());
            assertThat(last).containsEntry("status-connector-c", null).containsEntry("status-task-c-0", null)
                    .containsEntry("status-task-c-1", null).containsEntry("status-task-c-2", null);
            assertThat(last.get("status-connector-d")).contains("RUNNING");
        });
        KafkaStatusStore b = statusStore(config, new AtomicInteger(1));
        assertThat(b.connector("c")).isNull();
        assertThat(b.tasks("c")).isEmpty();
        assertThat(b.connector("d")).isEqualTo(new Status(State.RUNNING, null, "w"));
    }

    @Test
    void activeTopicsAreSharedAndAResetWritesTombstonesIntoTheSameLiveSet(KafkaBroker kafka) {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("active-topics");
        WorkerConfig config = StoreTesting.workerConfig(kafka, topics);
        KafkaStatusStore a = statusStore(config, new AtomicInteger(1));
        KafkaStatusStore b = statusStore(config, new AtomicInteger(1));
        Set<String> live = a.activeTopics("c");
        live.add("orders");
        live.add("orders");
        live.add("payments");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            await(b.refresh());
            assertThat(b.activeTopics("c")).containsExactlyInAnyOrder("orders", "payments");
        });
        assertThat(latest(kafka, topics.statuses()).get("status-topic-orders:connector-c"))
                .startsWith("{\"topic\":{\"name\":\"orders\",\"connector\":\"c\",\"task\":0,\"discoverTimestamp\":");

        a.resetActiveTopics("c");
        assertThat(live).isEmpty();
        live.add("refunds");
        assertThat(a.activeTopics("c")).isSameAs(live).containsExactly("refunds");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            await(b.refresh());
            assertThat(b.activeTopics("c")).containsExactly("refunds");
        });
        assertThat(latest(kafka, topics.statuses())).containsEntry("status-topic-orders:connector-c", null);
    }

    /** Starts {@code call} on {@code context} and returns at once with its outcome to come. */
    private static CompletableFuture<Void> started(Context context, java.util.function.Supplier<Future<Void>> call) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        context.runOnContext(v -> call.get().onComplete(ar -> {
            if (ar.succeeded()) {
                result.complete(null);
            } else {
                result.completeExceptionally(ar.cause());
            }
        }));
        return result;
    }
}
