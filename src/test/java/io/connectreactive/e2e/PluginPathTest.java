package io.connectreactive.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.plugin.TestPlugins;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * plugin.path end to end on the real broker: unmodified plugin jars, each in its own class loader,
 * run by a worker and produce to Kafka.
 */
@ExtendWith(KafkaBroker.class)
class PluginPathTest {

    @Test
    void kafkasOwnFileSourceConnectorRunsUnmodifiedFromPluginPath(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("plugin-file");
        Path file = dir.resolve("input.txt");
        Files.writeString(file, "");
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of(
                WorkerConfig.PLUGIN_PATH, TestPlugins.kafkaPluginPath().toString(),
                "value.converter", "org.apache.kafka.connect.storage.StringConverter"))) {
            worker.create("kafka-file-source", Map.of(
                    "connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector",
                    "file", file.toString(), "topic", topic, "tasks.max", "1"));
            Files.writeString(file, "a line through Kafka's own connector\n", StandardOpenOption.APPEND);

            List<ConsumerRecord<byte[], byte[]>> records = kafka.consume(topic, 1, Duration.ofSeconds(30));
            assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("a line through Kafka's own connector");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(worker.status("kafka-file-source").getJsonArray("tasks").getJsonObject(0).getString("state"))
                            .isEqualTo("RUNNING"));
            // it is Kafka's class, not our built-in stand-in
            assertThat(worker.get("/connectors/kafka-file-source").json().getString("type")).isEqualTo("source");
            assertThat(new io.vertx.core.json.JsonArray(worker.get("/connector-plugins").body()).getList())
                    .anySatisfy(p -> assertThat(p.toString()).contains("org.apache.kafka.connect.file.FileStreamSourceConnector")
                            .contains("4.3.1"));
        }
    }

    @Test
    void pluginsBundlingDifferentLibraryVersionsEachSeeTheirOwnInTheirTasks(KafkaBroker kafka, @TempDir Path dir) {
        String topic = KafkaBroker.uniqueTopic("plugin-libs");
        Path plugins = TestPlugins.buildLibraryVersionPlugins(dir.resolve("build"));
        try (TestWorker worker = TestWorker.start(kafka, dir.resolve("worker"), Map.of(
                WorkerConfig.PLUGIN_PATH, plugins.toString(),
                "value.converter", "org.apache.kafka.connect.storage.StringConverter"))) {
            worker.create("old-lib", Map.of("connector.class", TestPlugins.OLD_CONNECTOR, "topic", topic));
            worker.create("new-lib", Map.of("connector.class", TestPlugins.NEW_CONNECTOR, "topic", topic));

            List<String> values = kafka.consume(topic, 2, Duration.ofSeconds(30)).stream()
                    .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
            // the task's own loader and the thread's context loader both see the plugin's version
            assertThat(values).containsExactlyInAnyOrder("defining=4.7.5;context=4.7.5", "defining=4.7.6;context=4.7.6");
        }
    }

    @Test
    void pluginsBuiltOnConnectRuntimeClassesRunWhetherOrNotTheyBundleThem(KafkaBroker kafka, @TempDir Path dir) {
        Path plugins = TestPlugins.buildRuntimeConfigPlugins(dir.resolve("build"));
        String topic = KafkaBroker.uniqueTopic("runtime-config");
        try (TestWorker worker = TestWorker.start(kafka, dir.resolve("worker"), Map.of(WorkerConfig.PLUGIN_PATH, plugins.toString()))) {
            for (String connector : List.of(TestPlugins.BUNDLING_RUNTIME_CONNECTOR, TestPlugins.PLAIN_RUNTIME_CONNECTOR)) {
                TestWorker.Response keys = worker.get("/connector-plugins/" + connector + "/config");
                assertThat(keys.status()).as(keys.body()).isEqualTo(200);
                assertThat(keys.body()).contains("\"greeting\"").contains("\"tasks.max\"");
                String name = connector.substring("example.".length()).replace('.', '-');
                worker.create(name, Map.of("connector.class", connector, "topics", topic, "tasks.max", "1"));
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    io.vertx.core.json.JsonObject status = worker.status(name);
                    assertThat(status.getJsonObject("connector").getString("state")).as(status.encode()).isEqualTo("RUNNING");
                    assertThat(status.getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RUNNING");
                });
            }
        }
    }
}
