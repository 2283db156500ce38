package io.connectreactive.storage.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.connectreactive.model.State;
import io.connectreactive.model.TargetState;
import io.connectreactive.storage.ConfigStore;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;

/**
 * Kafka Connect's record formats in the config and status topics, byte for byte: the same key
 * strings, and values serialized from the same Connect schemas by a JsonConverter with
 * {@code schemas.enable=false} (Kafka Connect's internal converter), as written by connect-runtime
 * 4.3.1's {@code KafkaConfigBackingStore} and {@code KafkaStatusBackingStore}. Stateless and
 * thread-safe.
 */
final class ConnectFormat {

    // config topic keys (KafkaConfigBackingStore)
    static final String CONNECTOR_PREFIX = "connector-";
    static final String TARGET_STATE_PREFIX = "target-state-";
    static final String TASK_PREFIX = "task-";
    static final String COMMIT_TASKS_PREFIX = "commit-";
    static final String RESTART_PREFIX = "restart-connector-";
    /** A source connector's task count at its last round of zombie fencing (KIP-618). */
    static final String TASK_COUNT_PREFIX = "tasks-fencing-";
    /** Kafka Connect's records we keep in the topic but do not use: session keys, logger levels. */
    static final String[] IGNORED_CONFIG_PREFIXES = {"session-key", "logger-cluster-"};

    // status topic keys (KafkaStatusBackingStore)
    static final String CONNECTOR_STATUS_PREFIX = "status-connector-";
    static final String TASK_STATUS_PREFIX = "status-task-";
    static final String TOPIC_STATUS_PREFIX = "status-topic-";
    static final String TOPIC_STATUS_SEPARATOR = ":connector-";

    static final Schema CONNECTOR_CONFIGURATION_V0 = SchemaBuilder.struct()
            .field("properties", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).build())
            .build();
    static final Schema CONNECTOR_TASKS_COMMIT_V0 = SchemaBuilder.struct().field("tasks", Schema.INT32_SCHEMA).build();
    static final Schema TARGET_STATE_V1 = SchemaBuilder.struct()
            .field("state", Schema.STRING_SCHEMA)
            .field("state.v2", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    static final Schema TASK_COUNT_RECORD_V0 = SchemaBuilder.struct().field("task-count", Schema.INT32_SCHEMA).build();
    static final Schema RESTART_REQUEST_V0 = SchemaBuilder.struct()
            .field("include-tasks", Schema.BOOLEAN_SCHEMA)
            .field("only-failed", Schema.BOOLEAN_SCHEMA)
            .build();
    static final Schema STATUS_SCHEMA_V0 = SchemaBuilder.struct()
            .field("state", Schema.STRING_SCHEMA)
            .field("trace", SchemaBuilder.string().optional().build())
            .field("worker_id", Schema.STRING_SCHEMA)
            .field("generation", Schema.INT32_SCHEMA)
            .field("version", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    static final Schema TOPIC_STATUS_VALUE_SCHEMA_V0 = SchemaBuilder.struct()
            .field("name", Schema.STRING_SCHEMA)
            .field("connector", Schema.STRING_SCHEMA)
            .field("task", Schema.INT32_SCHEMA)
            .field("discoverTimestamp", Schema.INT64_SCHEMA)
            .build();
    static final Schema TOPIC_STATUS_SCHEMA_V0 = SchemaBuilder.map(Schema.STRING_SCHEMA, TOPIC_STATUS_VALUE_SCHEMA_V0).build();

    private final JsonConverter converter = new JsonConverter();
    private final String topic;

    ConnectFormat(String topic) {
        this.topic = topic;
        converter.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), false);
    }

    static byte[] key(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    static String key(byte[] key) {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    /** {@code {"properties":{...}}}: a connector's or a task's config. */
    byte[] properties(Map<String, String> config) {
        Struct s = new Struct(CONNECTOR_CONFIGURATION_V0);
        s.put("properties", config);
        return converter.fromConnectData(topic, CONNECTOR_CONFIGURATION_V0, s);
    }

    /** {@code {"tasks":N}}. */
    byte[] commit(int tasks) {
        Struct s = new Struct(CONNECTOR_TASKS_COMMIT_V0);
        s.put("tasks", tasks);
        return converter.fromConnectData(topic, CONNECTOR_TASKS_COMMIT_V0, s);
    }

    /** {@code {"task-count":N}}: Kafka Connect's task-count record. */
    byte[] taskCount(int tasks) {
        Struct s = new Struct(TASK_COUNT_RECORD_V0);
        s.put("task-count", tasks);
        return converter.fromConnectData(topic, TASK_COUNT_RECORD_V0, s);
    }

    /** The v1 target state: {@code state} for older workers (STOPPED written as PAUSED), {@code state.v2} the real one. */
    byte[] targetState(TargetState state) {
        Struct s = new Struct(TARGET_STATE_V1);
        s.put("state", state == TargetState.STOPPED ? TargetState.PAUSED.name() : state.name());
        s.put("state.v2", state.name());
        return converter.fromConnectData(topic, TARGET_STATE_V1, s);
    }

    byte[] restartRequest(ConfigStore.RestartRequest request) {
        Struct s = new Struct(RESTART_REQUEST_V0);
        s.put("include-tasks", request.includeTasks());
        s.put("only-failed", request.onlyFailed());
        return converter.fromConnectData(topic, RESTART_REQUEST_V0, s);
    }

    /** {@code {"state","trace","worker_id","generation","version"}}; we keep no plugin version, so it is null. */
    byte[] status(State state, String trace, String workerId, int generation) {
        Struct s = new Struct(STATUS_SCHEMA_V0);
        s.put("state", state.name());
        if (trace != null) {
            s.put("trace", trace);
        }
        s.put("worker_id", workerId);
        s.put("generation", generation);
        s.put("version", null);
        return converter.fromConnectData(topic, STATUS_SCHEMA_V0, s);
    }

    /** {@code {"topic":{"name","connector","task","discoverTimestamp"}}}. */
    byte[] topicStatus(String topicName, String connector, int task, long discoverTimestamp) {
        Struct s = new Struct(TOPIC_STATUS_VALUE_SCHEMA_V0);
        s.put("name", topicName);
        s.put("connector", connector);
        s.put("task", task);
        s.put("discoverTimestamp", discoverTimestamp);
        return converter.fromConnectData(topic, TOPIC_STATUS_SCHEMA_V0, Map.of("topic", s));
    }

    /** A value as schemaless data (maps, Longs, Strings, Booleans), null for a tombstone; throws DataException when not JSON. */
    Object read(byte[] value) {
        return value == null ? null : converter.toConnectData(topic, value).value();
    }

    static int intValue(Object value) {
        if (value instanceof Number n) {
            return n.intValue();
        }
        throw new DataException("Expected an integer, found " + (value == null ? "null" : value.getClass().getSimpleName()));
    }
}
