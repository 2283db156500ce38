package io.connectreactive.rest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import org.apache.kafka.connect.runtime.rest.entities.ActiveTopicsInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfos;
import org.apache.kafka.connect.runtime.rest.entities.ConfigKeyInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorOffsets;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.rest.entities.ErrorMessage;
import org.apache.kafka.connect.runtime.rest.entities.LoggerLevel;
import org.apache.kafka.connect.runtime.rest.entities.PluginInfo;
import org.apache.kafka.connect.runtime.rest.entities.ServerInfo;
import org.apache.kafka.connect.runtime.rest.entities.TaskInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every endpoint's answer has exactly the JSON shape Kafka Connect 4.3.1 gives: each body is read
 * with Kafka Connect's own REST entity class (connect-runtime, unknown keys refused) and written
 * back by it, and the key paths of both must be the same, so a key we add, lack or misname fails.
 */
@ExtendWith(KafkaBroker.class)
class KafkaConnectShapesTest {

    private static final ObjectMapper KAFKA_CONNECT = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    private static final String IDLE = IdleSourceConnector.class.getName();

    @Test
    void everyEndpointAnswersWithKafkaConnectsShape(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            String created = worker.send("POST", "/connectors", "{\"name\":\"shape\",\"config\":{\"connector.class\":\""
                    + IDLE + "\",\"tasks.max\":\"2\"}}").body();
            sameShape(created, new TypeReference<ConnectorInfo>() { });
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    worker.status("shape").getJsonArray("tasks").stream().allMatch(t -> t.toString().contains("RUNNING")));

            sameShape(worker.get("/").body(), new TypeReference<ServerInfo>() { });
            sameShape(worker.get("/connectors/shape").body(), new TypeReference<ConnectorInfo>() { });
            sameShape(worker.get("/connectors/shape/config").body(), new TypeReference<Map<String, String>>() { });
            sameShape(worker.get("/connectors/shape/status").body(), new TypeReference<ConnectorStateInfo>() { });
            sameShape(worker.get("/connectors/shape/tasks").body(), new TypeReference<List<TaskInfo>>() { });
            sameShape(worker.get("/connectors/shape/tasks/0/status").body(), new TypeReference<ConnectorStateInfo.TaskState>() { });
            // Kafka Connect only writes ActiveTopicsInfo: build it from ours and compare what it writes
            String topics = worker.get("/connectors/shape/topics").body();
            Map<String, Map<String, List<String>>> parsedTopics = KAFKA_CONNECT.readValue(topics, new TypeReference<>() { });
            assertThat(paths(KAFKA_CONNECT.readTree(topics), "")).isEqualTo(paths(KAFKA_CONNECT.valueToTree(Map.of("shape",
                    new ActiveTopicsInfo("shape", parsedTopics.get("shape").get("topics")))), ""));
            sameShape(worker.get("/connectors?expand=status&expand=info").body(),
                    new TypeReference<Map<String, Map<String, JsonNode>>>() { });
            sameShape(worker.get("/connectors/shape/offsets").body(), new TypeReference<ConnectorOffsets>() { });
            sameShape(worker.get("/connector-plugins?connectorsOnly=false").body(), new TypeReference<List<PluginInfo>>() { });
            sameShape(worker.get("/connector-plugins/" + IDLE + "/config").body(), new TypeReference<List<ConfigKeyInfo>>() { });
            sameShape(worker.send("PUT", "/connector-plugins/" + IDLE + "/config/validate",
                    "{\"connector.class\":\"" + IDLE + "\",\"tasks.max\":\"0\"}").body(), new TypeReference<ConfigInfos>() { });
            sameShape(worker.get("/admin/loggers/root").body(), new TypeReference<LoggerLevel>() { });
            sameShape(worker.get("/admin/loggers").body(), new TypeReference<Map<String, LoggerLevel>>() { });
            sameShape(worker.send("POST", "/connectors/shape/restart?includeTasks=true", null).body(),
                    new TypeReference<ConnectorStateInfo>() { });
            sameShape(worker.get("/connectors/missing").body(), new TypeReference<ErrorMessage>() { });
        }
    }

    /** Reads {@code body} as Kafka Connect's entity does and checks that writing it back gives the same key paths. */
    private static <T> void sameShape(String body, TypeReference<T> entity) throws Exception {
        T parsed = KAFKA_CONNECT.readValue(body, entity);
        JsonNode ours = KAFKA_CONNECT.readTree(body);
        JsonNode theirs = KAFKA_CONNECT.valueToTree(parsed);
        assertThat(paths(ours, "")).as("key paths of %s against Kafka Connect's %s", body, entity.getType())
                .isEqualTo(paths(theirs, ""));
    }

    private static TreeSet<String> paths(JsonNode node, String at) {
        TreeSet<String> out = new TreeSet<>();
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String path = at + "/" + e.getKey();
                out.add(path);
                out.addAll(paths(e.getValue(), path));
            }
        } else if (node.isArray()) {
            node.forEach(element -> out.addAll(paths(element, at + "[]")));
        }
        return out;
    }
}
