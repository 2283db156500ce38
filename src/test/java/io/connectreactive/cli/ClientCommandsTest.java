package io.connectreactive.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.connectreactive.e2e.ClassicCounterSource;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The client commands of bin/connect-reactive, run in-process against a real worker: tables, --json, errors. */
@ExtendWith(KafkaBroker.class)
class ClientCommandsTest {

    record Run(int code, String out, String err) {
    }

    /** Runs a command with its own output streams (the worker in the same JVM logs to System.out). */
    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run ok(String... args) {
        Run r = run(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    @Test
    void everyCommandAgainstAWorker(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("cli");
        Path file = dir.resolve("cli-src.json");
        Files.writeString(file, new JsonObject().put("name", "cli-src").put("config", new JsonObject()
                .put("connector.class", ClassicCounterSource.class.getName()).put("topic", topic).put("count", "25")
                .put("value.converter", "org.apache.kafka.connect.storage.StringConverter")).encode());
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            String url = "http://127.0.0.1:" + worker.worker().restPort();

            assertThat(ok("connectors", "create", "-f", file.toString(), "--url", url).out()).isEqualTo("Created connector cli-src\n");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ok("connectors", "list", "--url", url).out())
                    .containsPattern("(?m)^NAME +TYPE +STATE +TASKS +CLASS$")
                    .containsPattern("(?m)^cli-src +source +RUNNING +1/1 running +" + ClassicCounterSource.class.getName() + "$"));
            JsonObject listed = new JsonObject(ok("connectors", "list", "--json", "--url", url).out());
            assertThat(listed.getJsonObject("cli-src").getJsonObject("status").getJsonObject("connector").getString("state"))
                    .isEqualTo("RUNNING");

            assertThat(ok("connectors", "get", "cli-src", "--url", url).out())
                    .contains("Connector cli-src (source), 1 task(s)")
                    .containsPattern("(?m)^topic +" + topic + "$");
            assertThat(new JsonObject(ok("connectors", "get", "cli-src", "--json", "--url", url).out()).getString("name"))
                    .isEqualTo("cli-src");

            assertThat(ok("connectors", "status", "cli-src", "--url", url).out())
                    .containsPattern("(?m)^cli-src +RUNNING +127\\.0\\.0\\.1:\\d+$")
                    .containsPattern("(?m)^task-0 +RUNNING +127\\.0\\.0\\.1:\\d+$");
            assertThat(new JsonObject(ok("connectors", "status", "cli-src", "--json", "--url", url).out())
                    .getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RUNNING");

            assertThat(ok("connectors", "pause", "cli-src", "--url", url).out()).isEqualTo("Paused connector cli-src\n");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ok("connectors", "status", "cli-src", "--url", url).out())
                    .containsPattern("(?m)^task-0 +PAUSED"));
            assertThat(ok("connectors", "resume", "cli-src", "--url", url).out()).isEqualTo("Resumed connector cli-src\n");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ok("connectors", "status", "cli-src", "--url", url).out())
                    .containsPattern("(?m)^task-0 +RUNNING"));

            Run restart = ok("connectors", "restart", "cli-src", "--include-tasks", "--url", url);
            assertThat(restart.out()).startsWith("Restarting connector cli-src\n").containsPattern("(?m)^task-0 +RESTARTING");
            assertThat(ok("connectors", "restart", "cli-src", "--url", url).out()).isEqualTo("Restarted connector cli-src\n");

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ok("connectors", "offsets", "cli-src", "--url", url).out())
                    .containsPattern("(?m)^PARTITION +OFFSET$")
                    .containsPattern("(?m)^\\{\"counter\":\"cli-src\"\\} +\\{\"n\":24\\}$"));
            JsonObject offsets = new JsonObject(ok("connectors", "offsets", "cli-src", "--json", "--url", url).out());
            assertThat(offsets.getJsonArray("offsets").getJsonObject(0).getJsonObject("offset").getInteger("n")).isEqualTo(24);

            assertThat(ok("connectors", "stop", "cli-src", "--url", url).out()).isEqualTo("Stopped connector cli-src\n");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ok("connectors", "status", "cli-src", "--url", url).out())
                    .containsPattern("(?m)^cli-src +STOPPED"));

            assertThat(ok("plugins", "--url", url).out())
                    .containsPattern("(?m)^CLASS +TYPE +VERSION$")
                    .containsPattern("(?m)^io\\.connectreactive\\.connectors\\.file\\.FileStreamSourceConnector +source +");
            assertThat(ok("plugins", "list", "--url", url).out()).contains("FileStreamSinkConnector");
            JsonArray plugins = new JsonArray(ok("plugins", "--json", "--url", url).out());
            assertThat(plugins.stream().map(o -> ((JsonObject) o).getString("type"))).contains("source", "sink", "converter");

            assertThat(ok("connectors", "delete", "cli-src", "--url", url).out()).isEqualTo("Deleted connector cli-src\n");
            assertThat(new JsonObject(ok("connectors", "list", "--json", "--url", url).out()).isEmpty()).isTrue();

            // errors: one line on standard error, exit code 1
            Run unknown = run("connectors", "status", "no-such-connector", "--url", url);
            assertThat(unknown.code()).isEqualTo(1);
            assertThat(unknown.out()).isEmpty();
            assertThat(unknown.err()).startsWith("Error 404: ").contains("no-such-connector").hasLineCount(1);
            Run missing = run("connectors", "create", "-f", dir.resolve("absent.json").toString(), "--url", url);
            assertThat(missing.code()).isEqualTo(1);
            assertThat(missing.err()).startsWith("Cannot read ").hasLineCount(1);
        }
        Run down = run("connectors", "list", "--url", "http://127.0.0.1:1");
        assertThat(down.code()).isEqualTo(1);
        assertThat(down.err()).startsWith("Cannot reach the worker at http://127.0.0.1:1").hasLineCount(1);
    }
}
