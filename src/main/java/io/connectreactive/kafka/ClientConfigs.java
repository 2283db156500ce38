package io.connectreactive.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.model.TaskId;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings of every Kafka client that a worker creates for itself or for a connector: the
 * worker's shared producer and admin, a source task's own producer, a sink task's consumer, a task's
 * dead-letter-queue producer and a connector's offsets admin.
 *
 * <p>Kafka Connect's layering ({@code Worker.baseProducerConfigs}, {@code baseConsumerConfigs},
 * {@code adminConfigs}): the runtime's defaults for that client, then {@code bootstrap.servers}, the
 * worker's top-level security settings and its {@code producer.*}, {@code consumer.*} or
 * {@code admin.*} keys ({@link WorkerConfig#clientConfig}), then, for a connector's clients, its
 * {@code producer.override.*}, {@code consumer.override.*} or {@code admin.override.*} keys. Those
 * are checked here against {@code connector.client.config.override.policy}: every connector client
 * is built through {@link #overrides}, which refuses what the policy forbids with a
 * {@link ConnectException} naming the key, in the words validation uses. A client kind gets only its
 * own prefix's overrides: the dead-letter-queue producer the connector's producer overrides, as in
 * Kafka Connect.
 *
 * <p>Immutable, over an immutable {@link WorkerConfig}; any thread. The methods return fresh mutable
 * maps.
 */
public final class ClientConfigs {

    private static final Logger LOG = LoggerFactory.getLogger(ClientConfigs.class);

    /** Client id of the worker's shared producer, unless {@code producer.client.id} names another. */
    public static final String SHARED_PRODUCER_CLIENT_ID = "connect-reactive-producer";
    /** Client id of the worker's admin, unless {@code admin.client.id} names another. */
    public static final String WORKER_ADMIN_CLIENT_ID = "connect-reactive-admin";

    /** The clients a connector may override settings of, each with its prefix in the connector's config. */
    public enum Kind {
        PRODUCER(ClientConfigOverridePolicy.PRODUCER_OVERRIDE),
        CONSUMER(ClientConfigOverridePolicy.CONSUMER_OVERRIDE),
        ADMIN(ClientConfigOverridePolicy.ADMIN_OVERRIDE);

        private final String overridePrefix;

        Kind(String overridePrefix) {
            this.overridePrefix = overridePrefix;
        }

        /** {@code producer.override.}, {@code consumer.override.} or {@code admin.override.}. */
        public String overridePrefix() {
            return overridePrefix;
        }
    }

    private final WorkerConfig worker;
    private final ClientConfigOverridePolicy policy;

    public ClientConfigs(WorkerConfig worker) {
        this.worker = worker;
        this.policy = worker.clientOverridePolicy();
    }

    /** The worker's {@code connector.client.config.override.policy}. */
    public ClientConfigOverridePolicy policy() {
        return policy;
    }

    // --- the worker's own clients ---

    /**
     * The worker's shared producer: Kafka Connect's source-producer defaults
     * ({@link #withSourceProducerDefaults}), the worker's producer settings over them. Connectors'
     * {@code producer.override.*} never reach it: such a connector's tasks get their own
     * ({@link #taskProducer}). {@link SharedProducer} sets {@code max.block.ms=0} over all.
     */
    public Map<String, String> sharedProducer() {
        return withSourceProducerDefaults(workerSettings("producer.", ProducerConfig.configNames()));
    }

    /** The worker's admin (topic creation, the DLQ topics, cluster checks): the worker's admin settings. */
    public Map<String, Object> workerAdmin() {
        Map<String, Object> props = worker.clientConfig("admin.", AdminClientConfig.configNames());
        props.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, WORKER_ADMIN_CLIENT_ID);
        return props;
    }

    // --- a connector's clients: its overrides, as the policy allows ---

    /**
     * A source task's own producer, for a connector with {@code producer.override.*}: the shared
     * producer's settings, {@code client.id=connector-producer-<task>}, the connector's producer
     * overrides over them.
     *
     * @throws ConnectException when the policy forbids one of the overrides
     */
    public Map<String, String> taskProducer(TaskId id, Map<String, String> connectorConfig) {
        Map<String, String> overrides = overrides(Kind.PRODUCER, connectorConfig);
        Map<String, String> props = sharedProducer();
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "connector-producer-" + id);
        props.putAll(overrides);
        return props;
    }

    /**
     * An exactly-once source task's transactional producer: the task producer's settings
     * ({@link #taskProducer}), then idempotence and the task's {@link #transactionalId} over them, as
     * Kafka Connect forces them (a connector's override of either is replaced, with a warning).
     *
     * @throws ConnectException when the policy forbids one of the producer overrides
     */
    public Map<String, String> exactlyOnceTaskProducer(TaskId id, Map<String, String> connectorConfig) {
        Map<String, String> props = taskProducer(id, connectorConfig);
        String transactionalId = transactionalId(worker.groupId(), id.connector(), id.task());
        forced(props, id, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        forced(props, id, ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        return props;
    }

    /** Kafka Connect's transactional id of an exactly-once source task: {@code <group.id>-<connector>-<task>}. */
    public static String transactionalId(String groupId, String connector, int task) {
        return groupId + "-" + connector + "-" + task;
    }

    /**
     * Kafka Connect's transactional id of the leader's writes to the config topic while exactly-once source
     * support is preparing or enabled: {@code connect-cluster-<group.id>}, the same on every worker of the
     * group, so that a new leader's producer fences the last one's.
     */
    public static String leaderTransactionalId(String groupId) {
        return "connect-cluster-" + groupId;
    }

    private static void forced(Map<String, String> props, TaskId id, String key, String value) {
        String given = props.put(key, value);
        if (given != null && !given.equals(value)) {
            LOG.warn("Task {} runs exactly once: its producer's {} is {}, not {} as configured", id, key, value, given);
        }
    }

    /**
     * A task's dead-letter-queue producer: {@code client.id=connector-dlq-producer-<task>} unless the
     * worker's or the connector's settings name one, the worker's producer settings, the connector's
     * producer overrides, {@code acks=all} over all.
     *
     * @throws ConnectException when the policy forbids one of the producer overrides
     */
    public Map<String, Object> dlqProducer(TaskId id, Map<String, String> connectorConfig) {
        Map<String, String> overrides = overrides(Kind.PRODUCER, connectorConfig);
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "connector-dlq-producer-" + id);
        props.putAll(worker.clientConfig("producer.", ProducerConfig.configNames()));
        props.putAll(overrides);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }

    /**
     * A sink task's consumer: no auto-commit, {@code auto.offset.reset=earliest}, the worker's
     * consumer settings, group {@code connect-<connector>}, {@code client.id=connector-consumer-<task>},
     * in a clustered worker the static member id {@link #sinkGroupInstanceId}, then the connector's
     * consumer overrides.
     *
     * @throws ConnectException when the policy forbids one of the consumer overrides
     */
    public Map<String, Object> sinkConsumer(TaskId id, Map<String, String> connectorConfig) {
        Map<String, String> overrides = overrides(Kind.CONSUMER, connectorConfig);
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putAll(worker.clientConfig("consumer.", ConsumerConfig.configNames()));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "connect-" + id.connector());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "connector-consumer-" + id);
        if (worker.clustered()) {
            // static membership: when the task moves to another worker (a killed one's included), its new consumer
            // takes the old one's place at once instead of waiting session.timeout.ms for the group to notice
            props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, sinkGroupInstanceId(id));
        }
        props.putAll(overrides);
        return props;
    }

    /** A sink task's static member id in its consumer group, in clustered mode. */
    public static String sinkGroupInstanceId(TaskId id) {
        return "connect-" + id.connector() + "-" + id.task();
    }

    /**
     * The admin with which the worker reads and alters a connector's offsets and, for an exactly-once
     * source connector, fences its tasks' producers (Kafka Connect's one admin for both): the worker's admin
     * settings, the connector's admin overrides, then {@code client.id=connector-worker-adminclient-<connector>}
     * and {@code default.api.timeout.ms=apiTimeout}.
     *
     * @throws ConnectException when the policy forbids one of the admin overrides
     */
    public Map<String, Object> offsetsAdmin(String connector, Map<String, String> connectorConfig, Duration apiTimeout) {
        Map<String, String> overrides = overrides(Kind.ADMIN, connectorConfig);
        Map<String, Object> props = worker.clientConfig("admin.", AdminClientConfig.configNames());
        props.putAll(overrides);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "connector-worker-adminclient-" + connector);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) apiTimeout.toMillis());
        return props;
    }

    /**
     * The connector's overrides of one client kind, prefix removed, once the policy allows them all.
     *
     * @throws ConnectException naming each override the policy forbids, in the words validation reports
     */
    public Map<String, String> overrides(Kind kind, Map<String, String> connectorConfig) {
        Map<String, String> forbidden = policy.violations(connectorConfig, kind.overridePrefix());
        if (!forbidden.isEmpty()) {
            throw new ConnectException(String.join(" ", forbidden.values()));
        }
        return ClientConfigOverridePolicy.overrides(connectorConfig, kind.overridePrefix());
    }

    /** Whether the connector overrides any setting of that client kind. */
    public static boolean overridesAny(Kind kind, Map<String, String> connectorConfig) {
        return !ClientConfigOverridePolicy.overrides(connectorConfig, kind.overridePrefix()).isEmpty();
    }

    /**
     * Kafka Connect's defaults for source producers ({@code Worker.baseProducerConfigs}: {@code acks=all},
     * one request in flight, no idempotence, an unbounded {@code delivery.timeout.ms}), our
     * {@code linger.ms=5} and the shared producer's client id, with {@code settings} over them.
     */
    public static Map<String, String> withSourceProducerDefaults(Map<String, String> settings) {
        Map<String, String> props = new HashMap<>();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Integer.MAX_VALUE));
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, SHARED_PRODUCER_CLIENT_ID);
        props.putAll(settings);
        return props;
    }

    private Map<String, String> workerSettings(String prefix, Set<String> names) {
        Map<String, String> out = new HashMap<>();
        worker.clientConfig(prefix, names).forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }
}
