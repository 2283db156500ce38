package io.connectreactive.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka's config providers resolve {@code ${provider:path:key}} before the connector and its tasks
 * see their config, while REST keeps showing the placeholders.
 */
@ExtendWith(KafkaBroker.class)
class ConfigProvidersTest {

    @Test
    void placeholdersAreResolvedForTheConnectorButShownUnresolved(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("provided");
        Path secrets = dir.resolve("secrets.properties");
        Files.writeString(secrets, "topic=" + topic + "\n");
        Path secretDir = Files.createDirectories(dir.resolve("secret-dir"));
        Path in = dir.resolve("in.txt");
        Files.writeString(secretDir.resolve("file"), in.toString());
        Files.write(in, List.of("hello"));
        Map<String, String> worker = Map.of(
                "config.providers", "file,dir,env",
                "config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider",
                "config.providers.dir.class", "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
                "config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                "value.converter", "org.apache.kafka.connect.storage.StringConverter");
        Map<String, String> config = Map.of(
                "connector.class", "FileStreamSource",
                "topic", "${file:" + secrets + ":topic}",
                "file", "${dir:" + secretDir + ":file}",
                "batch.size", "2000");
        try (TestWorker w = TestWorker.start(kafka, dir, worker)) {
            w.create("provided", config);
            assertThat(kafka.consume(topic, 1, Duration.ofSeconds(30)))
                    .extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("hello");

            JsonObject shown = w.get("/connectors/provided/config").json();
            assertThat(shown.getString("topic")).isEqualTo("${file:" + secrets + ":topic}");
            assertThat(shown.getString("file")).isEqualTo("${dir:" + secretDir + ":file}");
            JsonObject taskConfig = new io.vertx.core.json.JsonArray(w.get("/connectors/provided/tasks").body())
                    .getJsonObject(0).getJsonObject("config");
            assertThat(taskConfig.getString("topic")).as("task configs keep the placeholder").startsWith("${file:");
        }
    }

    @Test
    void unknownProviderClassStopsTheWorkerNamingTheKey(KafkaBroker kafka, @TempDir Path dir) {
        Map<String, String> worker = new HashMap<>(Map.of(
                "config.providers", "vault",
                "config.providers.vault.class", "org.example.NoSuchProvider"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestWorker.start(kafka, dir, worker).close())
                .hasMessageContaining("config.providers.vault.class");
    }
}
