package io.connectreactive.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Source connectors create their topics with the settings of the matching topic.creation group (KIP-158). */
@ExtendWith(KafkaBroker.class)
class TopicCreationTest {

    @Test
    void topicsAreCreatedWithTheirGroupsSettingsBeforeTheFirstRecord(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String plain = KafkaBroker.uniqueTopic("plain");
        String compacted = KafkaBroker.uniqueTopic("compact");
        Path a = dir.resolve("a.txt");
        Path b = dir.resolve("b.txt");
        Files.write(a, List.of("x"));
        Files.write(b, List.of("y"));
        Map<String, String> creation = Map.of(
                "topic.creation.groups", "compacted",
                "topic.creation.default.replication.factor", "1",
                "topic.creation.default.partitions", "3",
                "topic.creation.compacted.include", "compact-.*",
                "topic.creation.compacted.partitions", "2",
                "topic.creation.compacted.retention.ms", "123456789");
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of());
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<String, String> first = new HashMap<>(creation);
            first.putAll(Map.of("connector.class", "FileStreamSource", "file", a.toString(), "topic", plain));
            Map<String, String> second = new HashMap<>(creation);
            second.putAll(Map.of("connector.class", "FileStreamSource", "file", b.toString(), "topic", compacted));
            worker.create("plain-src", first);
            worker.create("compact-src", second);
            await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffset(plain) >= 1 && kafka.endOffset(compacted) >= 1);

            var described = admin.describeTopics(List.of(plain, compacted)).allTopicNames().get();
            assertThat(described.get(plain).partitions()).hasSize(3);
            assertThat(described.get(compacted).partitions()).hasSize(2);
            Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, compacted)))
                    .all().get().values().iterator().next();
            assertThat(config.get("retention.ms").value()).isEqualTo("123456789");
        }
    }

    @Test
    void incompleteTopicCreationSettingsAreRejectedWith400(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            TestWorker.Response r = worker.send("POST", "/connectors", new JsonObject().put("name", "half")
                    .put("config", new JsonObject().put("connector.class", "FileStreamSource").put("topic", "t")
                            .put("file", "x.txt").put("topic.creation.default.partitions", "0")).encode());
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.json().getString("message"))
                    .contains("topic.creation.default.replication.factor")
                    .contains("topic.creation.default.partitions");
        }
    }
}
