package io.connectreactive.storage.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.model.State;
import io.connectreactive.model.TaskId;
import io.connectreactive.storage.ConfigStore;
import io.connectreactive.storage.StatusStore.Status;
import io.connectreactive.testing.BlockedEventLoops;
import io.connectreactive.testing.KafkaBroker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.runtime.AbstractStatus;
import org.apache.kafka.connect.runtime.ConnectorStatus;
import org.apache.kafka.connect.runtime.RestartRequest;
import org.apache.kafka.connect.runtime.SessionKey;
import org.apache.kafka.connect.runtime.TargetState;
import org.apache.kafka.connect.runtime.TaskStatus;
import org.apache.kafka.connect.runtime.TopicStatus;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.storage.ClusterConfigState;
import org.apache.kafka.connect.storage.ConfigBackingStore;
import org.apache.kafka.connect.storage.KafkaConfigBackingStore;
import org.apache.kafka.connect.storage.KafkaOffsetBackingStore;
import org.apache.kafka.connect.storage.KafkaStatusBackingStore;
import org.apache.kafka.connect.storage.OffsetStorageReaderImpl;
import org.apache.kafka.connect.storage.OffsetStorageWriter;
import org.apache.kafka.connect.storage.PrivilegedWriteException;
import org.apache.kafka.connect.util.ConnectorTaskId;
import org.apache.kafka.connect.util.TopicAdmin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.connectreactive.storage.kafka.StoreTesting.await;
import static io.connectreactive.storage.kafka.StoreTesting.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * In-place migration, both ways: the config, offset and status topics written by Kafka Connect
 * 4.3.1's own {@code KafkaConfigBackingStore}, {@code KafkaOffsetBackingStore} (through its
 * {@code OffsetStorageWriter}) and {@code KafkaStatusBackingStore}, configured from a
 * {@link DistributedConfig}, are read by our stores with the same meaning; and the topics our stores
 * write are read by Kafka Connect's stores the same way. Both run side by side on the same topics,
 * as during a rolling migration, and each is told of the other's changes.
 */
@ExtendWith(KafkaBroker.class)
class KafkaConnectMigrationTest {

    private static final String CLIENT_ID_BASE = "connect-cluster-";

    private Vertx vertx;
    private BlockedEventLoops blocked;
    private TopicAdmin topicAdmin;
    private final JsonConverter internalKey = new JsonConverter();
    private final JsonConverter internalValue = new JsonConverter();
    private final List<Runnable> stops = new ArrayList<>();

    @BeforeEach
    void setUp(KafkaBroker kafka) {
        vertx = Vertx.vertx(BlockedEventLoops.options());
        blocked = BlockedEventLoops.watch(vertx);
        topicAdmin = new TopicAdmin(Map.of("bootstrap.servers", kafka.bootstrapServers()));
        // Kafka Connect's internal converters (Worker: JsonConverter, schemas.enable=false)
        internalKey.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), true);
        internalValue.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), false);
    }

    @AfterEach
    void tearDown() {
        for (int i = stops.size() - 1; i >= 0; i--) {
            stops.get(i).run();
        }
        topicAdmin.close();
        assertThat(blocked.events()).as("blocked event loops").isEmpty();
        await(vertx.close());
    }

    // ---------------------------------------------------------------- Kafka Connect's side

    private DistributedConfig distributedConfig(KafkaBroker kafka, StoreTesting.Topics topics) {
        return distributedConfig(kafka, topics, Map.of());
    }

    private DistributedConfig distributedConfig(KafkaBroker kafka, StoreTesting.Topics topics, Map<String, String> extra) {
        Map<String, String> props = new HashMap<>();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("group.id", "connect-cluster");
        props.put("config.storage.topic", topics.configs());
        props.put("offset.storage.topic", topics.offsets());
        props.put("status.storage.topic", topics.statuses());
        props.put("config.storage.replication.factor", "1");
        props.put("offset.storage.replication.factor", "1");
        props.put("status.storage.replication.factor", "1");
        props.put("offset.storage.partitions", "5");
        props.put("status.storage.partitions", "3");
        props.put("key.converter", JsonConverter.class.getName());
        props.put("value.converter", JsonConverter.class.getName());
        props.putAll(extra);
        return new DistributedConfig(props);
    }

    /** Kafka Connect's config store, recording its update listener's calls. */
    private final class ConnectConfig implements ConfigBackingStore.UpdateListener {
        final KafkaConfigBackingStore store;
        final List<String> events = new CopyOnWriteArrayList<>();

        ConnectConfig(DistributedConfig config) {
            store = new KafkaConfigBackingStore(internalValue, config, null, () -> topicAdmin, CLIENT_ID_BASE);
            store.setUpdateListener(this);
            store.start();
            stops.add(store::stop);
        }

        ClusterConfigState snapshot() throws Exception {
            store.refresh(30, TimeUnit.SECONDS);
            return store.snapshot();
        }

        @Override
        public void onConnectorConfigRemove(String connector) {
            events.add("removed:" + connector);
        }

        @Override
        public void onConnectorConfigUpdate(String connector) {
            events.add("config:" + connector);
        }

        @Override
        public void onTaskConfigUpdate(Collection<ConnectorTaskId> tasks) {
            tasks.stream().map(ConnectorTaskId::toString).sorted().forEach(t -> events.add("task:" + t));
        }

        @Override
        public void onConnectorTargetStateChange(String connector) {
            events.add("state:" + connector);
        }

        @Override
        public void onSessionKeyUpdate(SessionKey sessionKey) {
        }

        @Override
        public void onRestartRequest(RestartRequest request) {
            events.add("restart:" + request.connectorName() + ":" + request.onlyFailed() + ":" + request.includeTasks());
        }

        @Override
        public void onLoggingLevelUpdate(String namespace, String level) {
        }
    }

    private KafkaOffsetBackingStore connectOffsets(DistributedConfig config) {
        KafkaOffsetBackingStore store = new KafkaOffsetBackingStore(() -> topicAdmin, () -> CLIENT_ID_BASE, internalKey);
        store.configure(config);
        store.start();
        stops.add(store::stop);
        return store;
    }

    private KafkaStatusBackingStore connectStatuses(DistributedConfig config) {
        KafkaStatusBackingStore store = new KafkaStatusBackingStore(Time.SYSTEM, internalValue, () -> topicAdmin, CLIENT_ID_BASE);
        store.configure(config);
        store.start();
        stops.add(store::stop);
        return store;
    }

    /** Stores offsets as a Kafka Connect source task's commit does: OffsetStorageWriter, then flush. */
    private void connectWriteOffsets(KafkaOffsetBackingStore store, String connector, Map<Map<String, Object>, Map<String, Object>> offsets)
            throws Exception {
        OffsetStorageWriter writer = new OffsetStorageWriter(store, connector, internalKey, internalValue);
        offsets.forEach(writer::offset);
        assertThat(writer.beginFlush()).isTrue();
        writer.doFlush((error, result) -> { }).get(30, TimeUnit.SECONDS);
    }

    private Map<String, Object> connectReadOffset(KafkaOffsetBackingStore store, String connector, Map<String, Object> partition) {
        return new OffsetStorageReaderImpl(store, connector, internalKey, internalValue).offset(partition);
    }

    // ---------------------------------------------------------------- our side

    private ConfigWorker ours(WorkerConfig config) {
        ConfigWorker worker = new ConfigWorker(vertx, config);
        stops.add(() -> await(worker.store.stop()));
        return worker;
    }

    private KafkaOffsetStore ourOffsets(WorkerConfig config) {
        KafkaOffsetStore store = new KafkaOffsetStore(vertx, config);
        await(store.start());
        stops.add(() -> await(store.stop()));
        return store;
    }

    private KafkaStatusStore ourStatuses(WorkerConfig config, Supplier<Integer> generation) {
        KafkaStatusStore store = new KafkaStatusStore(vertx, config, generation::get);
        await(store.start());
        stops.add(() -> await(store.stop()));
        return store;
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            out.put((String) kv[i], kv[i + 1]);
        }
        return out;
    }

    private static final Map<String, String> PLAIN = config("connector.class", "FileStreamSource", "tasks.max", "2", "file", "/in");
    private static final Map<String, String> PAUSED = config("connector.class", "FileStreamSink", "topics", "orders");
    private static final Map<String, String> STOPPED = config("connector.class", "FileStreamSource", "topic", "t");
    private static final Map<String, String> SECRET = config("connector.class", "X",
            "connection.password", "${file:/etc/kafka/secrets.properties:db.password}");
    private static final Map<String, String> DASHED = config("connector.class", "X", "tasks.max", "3");

    // ---------------------------------------------------------------- exactly-once source: task-count records (KIP-618)

    @Test
    void taskCountRecordsOfKafkaConnectAreReadAndOursReadByKafkaConnect(KafkaBroker kafka) throws Exception {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("task-counts");
        DistributedConfig distributed = distributedConfig(kafka, topics);
        WorkerConfig ourConfig = StoreTesting.workerConfig(kafka, topics);

        ConnectConfig connect = new ConnectConfig(distributed);
        connect.store.putConnectorConfig("fenced", PLAIN, null);
        connect.store.putTaskConfigs("fenced", List.of(config("n", "0"), config("n", "1")));
        connect.store.putTaskCountRecord("fenced", 2);
        connect.store.putConnectorConfig("pending", PLAIN, null);
        connect.store.putTaskCountRecord("pending", 3);
        connect.store.putTaskConfigs("pending", List.of(config("n", "0"))); // reconfigured since its last round of fencing
        connect.store.putConnectorConfig("never", PLAIN, null);
        connect.store.putTaskConfigs("never", List.of(config("n", "0")));

        ConfigWorker ours = ours(ourConfig);
        record Fencing(Integer record, boolean pending) {
        }
        Map<String, Fencing> read = ours.call(() -> io.vertx.core.Future.succeededFuture(Map.of(
                "fenced", new Fencing(ours.store.taskCountRecord("fenced"), ours.store.pendingFencing("fenced")),
                "pending", new Fencing(ours.store.taskCountRecord("pending"), ours.store.pendingFencing("pending")),
                "never", new Fencing(ours.store.taskCountRecord("never"), ours.store.pendingFencing("never")))));
        assertThat(read).containsEntry("fenced", new Fencing(2, false)).containsEntry("pending", new Fencing(3, true))
                .containsEntry("never", new Fencing(null, true));

        // our leader's round of fencing for "pending" ends with its task-count record, which Kafka Connect reads
        ours.call(() -> ours.store.putTaskCountRecord("pending", 1));
        assertThat(StoreTesting.latest(kafka, topics.configs())).containsEntry("tasks-fencing-pending", "{\"task-count\":1}");
        ClusterConfigState state = connect.snapshot();
        assertThat(state.taskCountRecord("pending")).isEqualTo(1);
        assertThat(state.pendingFencing("pending")).isFalse();
        assertThat(state.taskCountRecord("fenced")).isEqualTo(2);
        assertThat(state.pendingFencing("never")).isTrue();
        assertThat(ours.call(() -> io.vertx.core.Future.succeededFuture(ours.store.pendingFencing("pending")))).isFalse();
    }

    @Test
    void withExactlyOnceTheLeadersOfBothRuntimesWriteInTransactionsOfOneIdAndEachFencesTheOther(KafkaBroker kafka)
            throws Exception {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("leader-migration");
        String group = "leader-migration-" + System.nanoTime();
        DistributedConfig distributed = distributedConfig(kafka, topics,
                Map.of("group.id", group, "exactly.once.source.support", "enabled"));
        WorkerConfig ourConfig = StoreTesting.exactlyOnceConfig(kafka, topics, group, "enabled");

        // Kafka Connect's leader, exactly once enabled: its writes go through its fencible (transactional) writer
        ConnectConfig connect = new ConnectConfig(distributed);
        connect.store.claimWritePrivileges();
        connect.store.putConnectorConfig("from-connect", PLAIN, null);
        connect.store.putTaskConfigs("from-connect", List.of(config("n", "0")));
        connect.store.putTaskCountRecord("from-connect", 1);

        ConfigWorker ours = ours(ourConfig);
        assertThat(ours.connectors().get("from-connect").taskConfigs()).containsExactly(config("n", "0"));
        assertThat(ours.call(() -> Future.succeededFuture(ours.store.taskCountRecord("from-connect")))).isEqualTo(1);
        assertThat(ours.call(() -> Future.succeededFuture(ours.store.pendingFencing("from-connect")))).isFalse();

        // ours becomes the leader: its writer takes the same transactional id, so Kafka Connect's is fenced
        ours.call(() -> {
            ours.store.leader(true);
            return Future.succeededFuture();
        });
        ours.call(() -> ours.store.putConnector("from-ours", DASHED, null));
        ours.call(() -> ours.store.putTaskConfigs("from-ours", List.of(config("n", "0"), config("n", "1"))));
        assertThatThrownBy(() -> connect.store.putConnectorConfig("zombie", PLAIN, null))
                .isInstanceOf(PrivilegedWriteException.class);
        ClusterConfigState state = connect.snapshot();
        assertThat(state.connectors()).containsExactlyInAnyOrder("from-connect", "from-ours");
        assertThat(state.taskCount("from-ours")).isEqualTo(2);
        assertThat(state.pendingFencing("from-ours")).isTrue();

        // and back: Kafka Connect's leader claims the id again; our writer is fenced, its write never applied
        connect.store.claimWritePrivileges();
        connect.store.putTaskCountRecord("from-ours", 2);
        Throwable fenced = StoreTesting.failureOn(ours.context, () -> ours.store.putConnector("fenced", PLAIN, null));
        assertThat(fenced).hasMessageContaining("Error writing the connector configuration of fenced");
        ours.call(ours.store::refresh);
        assertThat(ours.connectors()).containsOnlyKeys("from-connect", "from-ours");
        assertThat(ours.call(() -> Future.succeededFuture(ours.store.pendingFencing("from-ours")))).isFalse();
        assertThat(connect.snapshot().connectors()).containsExactlyInAnyOrder("from-connect", "from-ours");
    }

    // ---------------------------------------------------------------- Kafka Connect → us

    @Test
    void topicsWrittenByKafkaConnectAreReadByOurStoresWithTheSameMeaning(KafkaBroker kafka) throws Exception {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("from-connect");
        DistributedConfig distributed = distributedConfig(kafka, topics);
        WorkerConfig ourConfig = StoreTesting.workerConfig(kafka, topics);

        // a Kafka Connect cluster's history
        ConnectConfig connect = new ConnectConfig(distributed);
        connect.store.putConnectorConfig("plain", PLAIN, null);
        connect.store.putTaskConfigs("plain", List.of(config("task.file", "/in", "n", "0"), config("task.file", "/in", "n", "1")));
        connect.store.putConnectorConfig("paused", PAUSED, TargetState.PAUSED);
        connect.store.putTaskConfigs("paused", List.of(config("topics", "orders")));
        connect.store.putConnectorConfig("stopped", STOPPED, null);
        connect.store.putTaskConfigs("stopped", List.of(config("n", "0")));
        connect.store.putTargetState("stopped", TargetState.STOPPED);
        connect.store.putTaskConfigs("stopped", List.of()); // a STOPPED connector's tasks are removed (KIP-875)
        connect.store.putConnectorConfig("secret", SECRET, null);
        connect.store.putConnectorConfig("my-dashed-conn-2", DASHED, null);
        connect.store.putTaskConfigs("my-dashed-conn-2", List.of(config("n", "0"), config("n", "1"), config("n", "2")));
        connect.store.putTaskConfigs("my-dashed-conn-2", List.of(config("n", "0b"))); // reconfigured down to one task
        connect.store.putConnectorConfig("deleted", PLAIN, null);
        connect.store.putTaskConfigs("deleted", List.of(config("n", "0")));
        connect.store.removeConnectorConfig("deleted");
        connect.store.putRestartRequest(new RestartRequest("plain", true, true)); // an old request: not news to a new worker

        KafkaOffsetBackingStore connectOffsets = connectOffsets(distributed);
        Map<Map<String, Object>, Map<String, Object>> offsets = new LinkedHashMap<>();
        offsets.put(map("filename", "/in"), map("position", 1234L));
        offsets.put(map("db", "inventory", "table", "orders"), map("lsn", 987654321L, "snapshot", true, "txId", "tx-7"));
        offsets.put(map("filename", "/gone"), map("position", 5L));
        connectWriteOffsets(connectOffsets, "plain", offsets);
        Map<Map<String, Object>, Map<String, Object>> removal = new HashMap<>();
        removal.put(map("filename", "/gone"), null);
        connectWriteOffsets(connectOffsets, "plain", removal);
        connectWriteOffsets(connectOffsets, "other", Map.of(map("filename", "/in"), map("position", 1L)));

        KafkaStatusBackingStore connectStatuses = connectStatuses(distributed);
        connectStatuses.put(new ConnectorStatus("plain", AbstractStatus.State.RUNNING, "w1:8083", 3));
        connectStatuses.put(new TaskStatus(new ConnectorTaskId("plain", 0), AbstractStatus.State.RUNNING, "w1:8083", 3));
        connectStatuses.put(new TaskStatus(new ConnectorTaskId("plain", 1), AbstractStatus.State.FAILED, "w2:8083", 3,
                "java.lang.RuntimeException: boom\n\tat X.y(X.java:1)", "1.0"));
        connectStatuses.put(new ConnectorStatus("paused", AbstractStatus.State.PAUSED, "w2:8083", 3));
        connectStatuses.put(new ConnectorStatus("stopped", AbstractStatus.State.STOPPED, "w1:8083", 3));
        connectStatuses.put(new TaskStatus(new ConnectorTaskId("my-dashed-conn-2", 0), AbstractStatus.State.RUNNING, "w1:8083", 3));
        connectStatuses.put(new TopicStatus("orders", new ConnectorTaskId("plain", 1), 1_700_000_000_000L));
        connectStatuses.put(new TopicStatus("customers", new ConnectorTaskId("plain", 0), 1_700_000_000_001L));
        connectStatuses.put(new ConnectorStatus("deleted", AbstractStatus.State.RUNNING, "w1:8083", 2));
        connectStatuses.put(new TaskStatus(new ConnectorTaskId("deleted", 0), AbstractStatus.State.RUNNING, "w1:8083", 2));
        connectStatuses.put(new TaskStatus(new ConnectorTaskId("deleted", 0), AbstractStatus.State.DESTROYED, "w1:8083", 3));
        connectStatuses.put(new ConnectorStatus("deleted", AbstractStatus.State.DESTROYED, "w1:8083", 3));
        connectStatuses.deleteTopic("plain", "customers");
        connectStatuses.flush();

        // our worker joins and reads it all
        ConfigWorker ours = ours(ourConfig);
        Map<String, ConfigStore.ConnectorEntry> connectors = ours.connectors();
        assertThat(connectors.keySet()).containsExactly("plain", "paused", "stopped", "secret", "my-dashed-conn-2");
        assertThat(connectors.get("plain").config()).isEqualTo(PLAIN);
        assertThat(connectors.get("plain").targetState()).isEqualTo(io.connectreactive.model.TargetState.STARTED);
        assertThat(connectors.get("plain").taskConfigs()).containsExactly(config("task.file", "/in", "n", "0"), config("task.file", "/in", "n", "1"));
        assertThat(connectors.get("paused").targetState()).isEqualTo(io.connectreactive.model.TargetState.PAUSED);
        assertThat(connectors.get("paused").taskConfigs()).containsExactly(config("topics", "orders"));
        assertThat(connectors.get("stopped").targetState()).isEqualTo(io.connectreactive.model.TargetState.STOPPED);
        assertThat(connectors.get("stopped").taskConfigs()).isEmpty();
        assertThat(connectors.get("secret").config()).isEqualTo(SECRET);
        assertThat(connectors.get("secret").taskConfigs()).isEmpty();
        assertThat(connectors.get("my-dashed-conn-2").taskConfigs()).containsExactly(config("n", "0b"));
        assertThat(ours.events).isEmpty();

        KafkaOffsetStore ourOffsets = ourOffsets(ourConfig);
        assertThat(ourOffsets.offset("plain", map("filename", "/in"))).isEqualTo(map("position", 1234L));
        assertThat(ourOffsets.offset("plain", map("table", "orders", "db", "inventory")))
                .isEqualTo(map("lsn", 987654321L, "snapshot", true, "txId", "tx-7"));
        assertThat(ourOffsets.offset("plain", map("filename", "/gone"))).isNull();
        assertThat(ourOffsets.offsets("plain")).hasSize(2);
        assertThat(ourOffsets.offset("other", map("filename", "/in"))).isEqualTo(map("position", 1L));

        AtomicInteger ourGeneration = new AtomicInteger(2);
        KafkaStatusStore ourStatuses = ourStatuses(ourConfig, ourGeneration::get);
        assertThat(ourStatuses.connector("plain")).isEqualTo(new Status(State.RUNNING, null, "w1:8083"));
        assertThat(ourStatuses.task(new TaskId("plain", 0))).isEqualTo(new Status(State.RUNNING, null, "w1:8083"));
        assertThat(ourStatuses.task(new TaskId("plain", 1)))
                .isEqualTo(new Status(State.FAILED, "java.lang.RuntimeException: boom\n\tat X.y(X.java:1)", "w2:8083"));
        assertThat(ourStatuses.connector("paused")).isEqualTo(new Status(State.PAUSED, null, "w2:8083"));
        assertThat(ourStatuses.connector("stopped")).isEqualTo(new Status(State.STOPPED, null, "w1:8083"));
        assertThat(ourStatuses.tasks("my-dashed-conn-2")).extracting(t -> t.id()).containsExactly(new TaskId("my-dashed-conn-2", 0));
        assertThat(ourStatuses.connector("deleted")).isNull();
        assertThat(ourStatuses.tasks("deleted")).isEmpty();
        assertThat(ourStatuses.activeTopics("plain")).containsExactly("orders");
        // Kafka Connect's putSafe rule against Kafka Connect's own statuses: our generation 2 is older than its 3
        ourStatuses.putTask(new TaskId("plain", 0), new Status(State.UNASSIGNED, null, "ours:8083"));
        assertThat(ourStatuses.task(new TaskId("plain", 0))).isEqualTo(new Status(State.RUNNING, null, "w1:8083"));

        // side by side: Kafka Connect keeps writing, our worker is told in write order
        connect.store.putRestartRequest(new RestartRequest("plain", false, true));
        connect.store.putTargetState("paused", TargetState.STARTED);
        connect.store.putTaskConfigs("secret", List.of(config("n", "0")));
        connect.store.putConnectorConfig("plain", config("connector.class", "FileStreamSource", "tasks.max", "1"), null);
        connect.store.putTargetState("plain", TargetState.STOPPED);
        connect.store.removeConnectorConfig("my-dashed-conn-2");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ours.events).containsExactly(
                "restart:plain:false:true", "state:paused:STARTED", "tasks:secret:1", "config:plain", "state:plain:STOPPED",
                "config:my-dashed-conn-2:removed"));
        assertThat(ours.connectors().keySet()).containsExactly("plain", "paused", "stopped", "secret");
        assertThat(ours.connectors().get("plain").config()).containsEntry("tasks.max", "1");

        connectWriteOffsets(connectOffsets, "plain", Map.of(map("filename", "/in"), map("position", 2000L)));
        await(ourOffsets.refresh());
        assertThat(ourOffsets.offset("plain", map("filename", "/in"))).isEqualTo(map("position", 2000L));

        connectStatuses.put(new TaskStatus(new ConnectorTaskId("plain", 0), AbstractStatus.State.UNASSIGNED, "w1:8083", 4));
        connectStatuses.flush();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            await(ourStatuses.refresh());
            assertThat(ourStatuses.task(new TaskId("plain", 0))).isEqualTo(new Status(State.UNASSIGNED, null, "w1:8083"));
        });
    }

    // ---------------------------------------------------------------- us → Kafka Connect

    @Test
    void topicsWrittenByOurStoresAreReadByKafkaConnectsStoresTheSameWay(KafkaBroker kafka) throws Exception {
        StoreTesting.Topics topics = StoreTesting.Topics.unique("to-connect");
        DistributedConfig distributed = distributedConfig(kafka, topics);
        WorkerConfig ourConfig = StoreTesting.workerConfig(kafka, topics);

        ConfigWorker ours = ours(ourConfig);
        ours.call(() -> ours.store.putConnector("plain", PLAIN, io.connectreactive.model.TargetState.STARTED));
        ours.call(() -> ours.store.putTaskConfigs("plain", List.of(config("n", "0"), config("n", "1"))));
        ours.call(() -> ours.store.putConnector("paused", PAUSED, io.connectreactive.model.TargetState.PAUSED));
        ours.call(() -> ours.store.putTaskConfigs("paused", List.of(config("topics", "orders"))));
        ours.call(() -> ours.store.putConnector("stopped", STOPPED, io.connectreactive.model.TargetState.STARTED));
        ours.call(() -> ours.store.putTaskConfigs("stopped", List.of(config("n", "0"))));
        ours.call(() -> ours.store.putTargetState("stopped", io.connectreactive.model.TargetState.STOPPED));
        ours.call(() -> ours.store.putTaskConfigs("stopped", List.of()));
        ours.call(() -> ours.store.putConnector("created-stopped", STOPPED, io.connectreactive.model.TargetState.STOPPED));
        ours.call(() -> ours.store.putConnector("secret", SECRET, io.connectreactive.model.TargetState.STARTED));
        ours.call(() -> ours.store.putConnector("my-dashed-conn-2", DASHED, io.connectreactive.model.TargetState.STARTED));
        ours.call(() -> ours.store.putTaskConfigs("my-dashed-conn-2", List.of(config("n", "0"), config("n", "1"), config("n", "2"))));
        ours.call(() -> ours.store.putTaskConfigs("my-dashed-conn-2", List.of(config("n", "0b"))));
        ours.call(() -> ours.store.putConnector("deleted", PLAIN, io.connectreactive.model.TargetState.STARTED));
        ours.call(() -> ours.store.putTaskConfigs("deleted", List.of(config("n", "0"))));
        ours.call(() -> ours.store.removeConnector("deleted"));

        KafkaOffsetStore ourOffsets = ourOffsets(ourConfig);
        Map<Map<String, ?>, Map<String, ?>> offsets = new HashMap<>();
        offsets.put(map("filename", "/in"), map("position", 1234L));
        offsets.put(map("db", "inventory", "table", "orders"), map("lsn", 987654321L, "snapshot", true, "txId", "tx-7"));
        offsets.put(map("filename", "/gone"), map("position", 5L));
        await(ourOffsets.write("plain", offsets));
        Map<Map<String, ?>, Map<String, ?>> removal = new HashMap<>();
        removal.put(map("filename", "/gone"), null);
        await(ourOffsets.write("plain", removal));

        AtomicInteger ourGeneration = new AtomicInteger(7);
        KafkaStatusStore ourStatuses = ourStatuses(ourConfig, ourGeneration::get);
        ourStatuses.putConnector("plain", new Status(State.RUNNING, null, "ours:8083"));
        ourStatuses.putTask(new TaskId("plain", 0), new Status(State.RUNNING, null, "ours:8083"));
        ourStatuses.putTask(new TaskId("plain", 1), new Status(State.FAILED, "java.lang.RuntimeException: boom\n\tat X.y(X.java:1)", "ours:8083"));
        ourStatuses.putConnector("paused", new Status(State.PAUSED, null, "ours:8083"));
        ourStatuses.putConnector("stopped", new Status(State.STOPPED, null, "ours:8083"));
        ourStatuses.putConnector("deleted", new Status(State.RUNNING, null, "ours:8083"));
        ourStatuses.putTask(new TaskId("deleted", 0), new Status(State.RUNNING, null, "ours:8083"));
        ourStatuses.activeTopics("plain").add("orders");
        ourStatuses.activeTopics("deleted").add("orders");
        ourStatuses.remove("deleted");
        await(ourStatuses.refresh());

        // a Kafka Connect worker joins and reads it all
        ConnectConfig connect = new ConnectConfig(distributed);
        ClusterConfigState state = connect.snapshot();
        assertThat(state.connectors()).containsExactlyInAnyOrder("plain", "paused", "stopped", "created-stopped", "secret", "my-dashed-conn-2");
        assertThat(state.inconsistentConnectors()).isEmpty();
        assertThat(state.rawConnectorConfig("plain")).isEqualTo(PLAIN);
        assertThat(state.targetState("plain")).isEqualTo(TargetState.STARTED);
        assertThat(state.tasks("plain")).containsExactly(new ConnectorTaskId("plain", 0), new ConnectorTaskId("plain", 1));
        assertThat(state.rawTaskConfig(new ConnectorTaskId("plain", 1))).isEqualTo(config("n", "1"));
        assertThat(state.targetState("paused")).isEqualTo(TargetState.PAUSED);
        assertThat(state.tasks("paused")).hasSize(1);
        assertThat(state.targetState("stopped")).isEqualTo(TargetState.STOPPED);
        assertThat(state.tasks("stopped")).isEmpty();
        assertThat(state.targetState("created-stopped")).isEqualTo(TargetState.STOPPED);
        assertThat(state.rawConnectorConfig("secret")).isEqualTo(SECRET);
        assertThat(state.tasks("my-dashed-conn-2")).containsExactly(new ConnectorTaskId("my-dashed-conn-2", 0));
        assertThat(state.rawTaskConfig(new ConnectorTaskId("my-dashed-conn-2", 0))).isEqualTo(config("n", "0b"));
        assertThat(state.appliedConnectorConfig("plain")).isEqualTo(PLAIN);

        KafkaOffsetBackingStore connectOffsets = connectOffsets(distributed);
        assertThat(connectReadOffset(connectOffsets, "plain", map("filename", "/in"))).isEqualTo(map("position", 1234L));
        assertThat(connectReadOffset(connectOffsets, "plain", map("db", "inventory", "table", "orders")))
                .isEqualTo(map("lsn", 987654321L, "snapshot", true, "txId", "tx-7"));
        assertThat(connectReadOffset(connectOffsets, "plain", map("filename", "/gone"))).isNull();
        assertThat(connectOffsets.connectorPartitions("plain")).containsExactlyInAnyOrder(
                map("filename", "/in"), map("db", "inventory", "table", "orders"));

        KafkaStatusBackingStore connectStatuses = connectStatuses(distributed);
        ConnectorStatus plain = connectStatuses.get("plain");
        assertThat(plain.state()).isEqualTo(AbstractStatus.State.RUNNING);
        assertThat(plain.workerId()).isEqualTo("ours:8083");
        assertThat(plain.generation()).isEqualTo(7);
        TaskStatus failed = connectStatuses.get(new ConnectorTaskId("plain", 1));
        assertThat(failed.state()).isEqualTo(AbstractStatus.State.FAILED);
        assertThat(failed.trace()).isEqualTo("java.lang.RuntimeException: boom\n\tat X.y(X.java:1)");
        assertThat(connectStatuses.getAll("plain")).hasSize(2);
        assertThat(connectStatuses.get("paused").state()).isEqualTo(AbstractStatus.State.PAUSED);
        assertThat(connectStatuses.get("stopped").state()).isEqualTo(AbstractStatus.State.STOPPED);
        assertThat(connectStatuses.get("deleted")).isNull();
        assertThat(connectStatuses.getAll("deleted")).isEmpty();
        assertThat(connectStatuses.getAllTopics("plain")).extracting(TopicStatus::topic).containsExactly("orders");
        assertThat(connectStatuses.getAllTopics("deleted")).isEmpty();
        // Kafka Connect's putSafe honours our generation: its older UNASSIGNED from another worker is not written
        connectStatuses.putSafe(new TaskStatus(new ConnectorTaskId("plain", 0), AbstractStatus.State.UNASSIGNED, "w9:8083", 6));
        connectStatuses.flush();
        await(ourStatuses.refresh());
        assertThat(ourStatuses.task(new TaskId("plain", 0))).isEqualTo(new Status(State.RUNNING, null, "ours:8083"));

        // side by side: our writes reach Kafka Connect's listener, in write order
        ours.call(() -> ours.store.putRestartRequest(new ConfigStore.RestartRequest("plain", false, true)));
        ours.call(() -> ours.store.putTargetState("paused", io.connectreactive.model.TargetState.STOPPED));
        ours.call(() -> ours.store.putTaskConfigs("secret", List.of(config("n", "0"))));
        ours.call(() -> ours.store.putConnector("plain", config("connector.class", "FileStreamSource", "tasks.max", "1"), null));
        ours.call(() -> ours.store.removeConnector("my-dashed-conn-2"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(connect.events).containsExactly(
                "restart:plain:false:true", "state:paused", "task:secret-0", "config:plain", "removed:my-dashed-conn-2"));
        state = connect.snapshot();
        assertThat(state.targetState("paused")).isEqualTo(TargetState.STOPPED);
        assertThat(state.rawConnectorConfig("plain")).containsEntry("tasks.max", "1");
        assertThat(state.connectors()).doesNotContain("my-dashed-conn-2");

        // an offset Kafka Connect stored with its fields in one order, updated by us with them in another:
        // we write to Kafka Connect's key, so Kafka Connect reads the update
        connectWriteOffsets(connectOffsets, "mixed", Map.of(map("table", "t", "db", "d"), map("n", 1L)));
        await(ourOffsets.refresh());
        Map<Map<String, ?>, Map<String, ?>> update = new HashMap<>();
        update.put(map("db", "d", "table", "t"), map("n", 2L));
        await(ourOffsets.write("mixed", update));
        assertThat(connectReadOffset(connectOffsets, "mixed", map("table", "t", "db", "d"))).isEqualTo(map("n", 2L));
    }
}
