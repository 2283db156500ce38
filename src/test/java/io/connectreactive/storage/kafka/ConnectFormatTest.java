package io.connectreactive.storage.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.connectreactive.model.State;
import io.connectreactive.model.TargetState;
import io.connectreactive.storage.ConfigStore;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.storage.KafkaConfigBackingStore;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Our records are Kafka Connect's byte for byte: serialized from its own public schemas by its converter. */
class ConnectFormatTest {

    private final ConnectFormat format = new ConnectFormat("connect-configs");
    private final JsonConverter connect = new JsonConverter();

    ConnectFormatTest() {
        connect.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), false);
    }

    private byte[] connect(org.apache.kafka.connect.data.Schema schema, Map<String, Object> fields) {
        Struct s = new Struct(schema);
        fields.forEach(s::put);
        return connect.fromConnectData("connect-configs", schema, s);
    }

    @Test
    void configTopicValuesAreKafkaConnectsOwn() {
        Map<String, String> props = Map.of("connector.class", "X", "password", "${file:/p:k}");
        assertThat(format.properties(props))
                .isEqualTo(connect(KafkaConfigBackingStore.CONNECTOR_CONFIGURATION_V0, Map.of("properties", props)));
        assertThat(format.commit(3)).isEqualTo(connect(KafkaConfigBackingStore.CONNECTOR_TASKS_COMMIT_V0, Map.of("tasks", 3)));
        assertThat(format.restartRequest(new ConfigStore.RestartRequest("c", true, false)))
                .isEqualTo(connect(KafkaConfigBackingStore.RESTART_REQUEST_V0, Map.of("include-tasks", false, "only-failed", true)));
        // v1 target state: older workers read "state", which holds PAUSED for STOPPED
        assertThat(format.targetState(TargetState.STOPPED))
                .isEqualTo(connect(KafkaConfigBackingStore.TARGET_STATE_V1, Map.of("state", "PAUSED", "state.v2", "STOPPED")));
        assertThat(format.targetState(TargetState.PAUSED))
                .isEqualTo(connect(KafkaConfigBackingStore.TARGET_STATE_V1, Map.of("state", "PAUSED", "state.v2", "PAUSED")));
        assertThat(format.targetState(TargetState.STARTED))
                .isEqualTo(connect(KafkaConfigBackingStore.TARGET_STATE_V1, Map.of("state", "STARTED", "state.v2", "STARTED")));
    }

    @Test
    void statusTopicValuesAreKafkaConnectsJson() {
        assertThat(new String(format.status(State.FAILED, "boom", "w:8083", 12), StandardCharsets.UTF_8))
                .isEqualTo("{\"state\":\"FAILED\",\"trace\":\"boom\",\"worker_id\":\"w:8083\",\"generation\":12,\"version\":null}");
        assertThat(new String(format.topicStatus("orders", "c", 0, 17L), StandardCharsets.UTF_8))
                .isEqualTo("{\"topic\":{\"name\":\"orders\",\"connector\":\"c\",\"task\":0,\"discoverTimestamp\":17}}");
    }
}
