package io.connectreactive.storage.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.storage.ConnectorOffsetStore;
import io.connectreactive.storage.TransactionalOffsets;
import io.connectreactive.testing.KafkaBroker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link ConnectorOffsetStore} over a connector's own topic ({@link KafkaOffsetStore#forConnectorTopic}) and the
 * worker's offsets topic, against the real broker: reads fall back to the worker's offsets, writes go to the
 * connector's topic and are copied to the worker's, removals reach the worker's first; transactional offsets are
 * seen once committed, never when aborted.
 */
@ExtendWith(KafkaBroker.class)
class ConnectorOffsetStoreTest {

    private static final String CONNECTOR = "c";
    private static final Map<String, Object> P0 = Map.of("seq", "p0");
    private static final Map<String, Object> P1 = Map.of("seq", "p1");

    private Vertx vertx;
    private WorkerConfig config;
    /** The worker's offset store of the test, started by it. */
    private KafkaOffsetStore workerStore;
    private String ownTopic;

    @BeforeEach
    void setUp(KafkaBroker kafka) {
        vertx = Vertx.vertx();
        String prefix = KafkaBroker.uniqueTopic("own-store");
        ownTopic = prefix + "-own";
        Map<String, String> props = new HashMap<>();
        props.put(WorkerConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        props.put(WorkerConfig.GROUP_ID, prefix + "-group");
        props.put(WorkerConfig.CONFIG_STORAGE_TOPIC, prefix + "-configs");
        props.put(WorkerConfig.OFFSET_STORAGE_TOPIC, prefix + "-offsets");
        props.put(WorkerConfig.STATUS_STORAGE_TOPIC, prefix + "-status");
        props.put(WorkerConfig.OFFSET_STORAGE_PARTITIONS, "3");
        config = new WorkerConfig(props);
    }

    @AfterEach
    void tearDown() {
        done(vertx.close());
    }

    @Test
    void readsFallBackToTheWorkersOffsetsAndWritesGoToTheConnectorsTopicThenTheWorkers() {
        KafkaOffsetStore worker = new KafkaOffsetStore(vertx, config, false);
        workerStore = worker;
        done(worker.start());
        done(worker.write(CONNECTOR, Map.of(P0, Map.of("n", 1), P1, Map.of("n", 1))));

        ConnectorOffsetStore store = open("task");
        assertThat(store.topic()).isEqualTo(ownTopic);
        assertThat(store.offset(CONNECTOR, P1)).isEqualTo(Map.of("n", 1L)); // the worker's, as fallback
        done(store.write(CONNECTOR, Map.of(P0, Map.of("n", 5))));
        assertThat(store.offset(CONNECTOR, P0)).isEqualTo(Map.of("n", 5L));
        // the secondary copy is not waited for
        await().atMost(Duration.ofSeconds(30)).until(() -> Map.of("n", 5L).equals(worker.offset(CONNECTOR, P0)));
        assertThat(store.offsets(CONNECTOR)).containsOnlyKeys(P0, P1);

        // a removal reaches the worker's offsets too, so that the fallback does not bring it back
        done(store.write(CONNECTOR, new HashMap<>(Map.of(P1, Map.of("n", 2)))));
        Map<Map<String, ?>, Map<String, ?>> removal = new HashMap<>();
        removal.put(P1, null);
        done(store.write(CONNECTOR, removal));
        assertThat(store.offset(CONNECTOR, P1)).isNull();
        assertThat(worker.offset(CONNECTOR, P1)).isNull();
        done(store.stop());

        ConnectorOffsetStore reopened = open("task-again");
        assertThat(reopened.offset(CONNECTOR, P0)).isEqualTo(Map.of("n", 5L));
        assertThat(reopened.offset(CONNECTOR, P1)).isNull();
        done(reopened.stop());
        done(worker.stop());
    }

    @Test
    void anAbortedTransactionsOffsetsAreNeverSeenAndACommittedOnesAre(KafkaBroker kafka) throws Exception {
        KafkaOffsetStore worker = new KafkaOffsetStore(vertx, config, true);
        workerStore = worker;
        done(worker.start());
        ConnectorOffsetStore store = open("eos");
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, KafkaBroker.uniqueTopic("own-store-tx"));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            TransactionalOffsets.Staged committed = store.stage(CONNECTOR, Map.of(P0, Map.of("n", 1)));
            producer.beginTransaction();
            RecordMetadata m = producer.send(committed.records().get(0)).get();
            producer.commitTransaction();
            committed.committed(List.of(m));

            TransactionalOffsets.Staged aborted = store.stage(CONNECTOR, Map.of(P0, Map.of("n", 2)));
            producer.beginTransaction();
            producer.send(aborted.records().get(0)).get();
            producer.abortTransaction();
        }
        assertThat(committed(store)).isEqualTo(Map.of("n", 1L));
        done(store.stop());

        ConnectorOffsetStore reopened = open("eos-again");
        assertThat(reopened.offset(CONNECTOR, P0)).isEqualTo(Map.of("n", 1L));
        // the committed transaction's offsets were copied to the worker's offsets
        await().atMost(Duration.ofSeconds(30)).until(() -> Map.of("n", 1L).equals(worker.offset(CONNECTOR, P0)));
        done(reopened.stop());
        done(worker.stop());
    }

    private Map<String, Object> committed(ConnectorOffsetStore store) {
        done(store.refresh());
        return store.offset(CONNECTOR, P0);
    }

    /** A started store on the connector's topic, with {@link #workerStore} as the worker's. */
    private ConnectorOffsetStore open(String owner) {
        ConnectorOffsetStore store = new ConnectorOffsetStore(KafkaOffsetStore.forConnectorTopic(vertx, config, ownTopic, owner),
                workerStore, 10_000);
        done(store.start());
        return store;
    }

    private static <T> T done(Future<T> f) {
        try {
            return f.await(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("not completed within 60 s", e);
        }
    }
}
