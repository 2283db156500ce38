package io.connectreactive.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.plugin.TestPlugins;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several versions of one plugin on plugin.path (KIP-891): the newest runs by default (1.10.0 is
 * newer than 1.9.0), {@code connector.plugin.version}, {@code value.converter.plugin.version} and
 * {@code transforms.<alias>.plugin.version} pick one by version or range, a version nobody has is a
 * 400, and {@code /connector-plugins} shows every version and each version's config keys.
 */
@ExtendWith(KafkaBroker.class)
class PluginVersionsTest {

    @Test
    void theNewestVersionRunsUnlessAVersionOrRangeIsAskedFor(KafkaBroker kafka, @TempDir Path dir) {
        Path plugins = TestPlugins.buildVersionedPlugins(dir.resolve("build"), "1.9.0", "1.10.0");
        try (TestWorker worker = TestWorker.start(kafka, dir.resolve("worker"), Map.of(WorkerConfig.PLUGIN_PATH, plugins.toString()))) {
            String newest = KafkaBroker.uniqueTopic("versions-newest");
            worker.create("newest", config(newest, Map.of()));
            String pinned = KafkaBroker.uniqueTopic("versions-pinned");
            worker.create("pinned", config(pinned, Map.of("connector.plugin.version", "1.9.0",
                    "value.converter.plugin.version", "[1.0,1.10)", "transforms.mark.plugin.version", "1.9.0")));

            assertThat(value(kafka, newest)).isEqualTo("v1.10.0:connector=1.10.0|t1.10.0");
            assertThat(value(kafka, pinned)).isEqualTo("v1.9.0:connector=1.9.0|t1.9.0");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonObject status = worker.status("pinned");
                assertThat(status.getJsonObject("connector").getString("version")).isEqualTo("1.9.0");
                assertThat(status.getJsonArray("tasks").getJsonObject(0).getString("version")).isEqualTo("1.9.0");
            });

            TestWorker.Response missing = worker.send("POST", "/connectors", new JsonObject().put("name", "missing")
                    .put("config", new JsonObject(new HashMap<>(config(KafkaBroker.uniqueTopic("versions-missing"),
                            Map.of("connector.plugin.version", "[2.0,)"))))).encode());
            assertThat(missing.status()).as(missing.body()).isEqualTo(400);
            assertThat(missing.json().getString("message")).contains("not found that matches the version range [2.0,)")
                    .contains("1.9.0").contains("1.10.0");

            TestWorker.Response badConverter = worker.send("PUT", "/connector-plugins/" + TestPlugins.VERSIONED_CONNECTOR
                    + "/config/validate", new JsonObject(new HashMap<>(config("t", Map.of("value.converter.plugin.version", "3.0"))))
                    .put("name", "x").encode());
            assertThat(badConverter.status()).isEqualTo(200);
            assertThat(badConverter.json().getInteger("error_count")).isEqualTo(1);
            assertThat(badConverter.body()).contains("value.converter.plugin.version").contains("not found that matches");

            JsonArray listed = new JsonArray(worker.get("/connector-plugins").body());
            assertThat(listed.stream().map(p -> (JsonObject) p).filter(p -> p.getString("class").equals(TestPlugins.VERSIONED_CONNECTOR))
                    .map(p -> p.getString("version")).toList()).containsExactlyInAnyOrder("1.9.0", "1.10.0");
            String oldKeys = worker.get("/connector-plugins/" + TestPlugins.VERSIONED_CONNECTOR + "/config?version=1.9.0").body();
            assertThat(oldKeys).contains("only.in.1.9.0").doesNotContain("only.in.1.10.0");
            String newKeys = worker.get("/connector-plugins/" + TestPlugins.VERSIONED_CONNECTOR + "/config").body();
            assertThat(newKeys).contains("only.in.1.10.0").doesNotContain("only.in.1.9.0");
        }
    }

    private static Map<String, String> config(String topic, Map<String, String> extra) {
        Map<String, String> c = new HashMap<>(Map.of("connector.class", TestPlugins.VERSIONED_CONNECTOR, "topic", topic,
                "tasks.max", "1", "value.converter", TestPlugins.VERSIONED_CONVERTER,
                "transforms", "mark", "transforms.mark.type", TestPlugins.VERSIONED_TRANSFORMATION));
        c.putAll(extra);
        return c;
    }

    private static String value(KafkaBroker kafka, String topic) {
        return new String(kafka.consume(topic, 1, Duration.ofSeconds(30)).get(0).value(), StandardCharsets.UTF_8);
    }
}
