package io.connectreactive.runtime.errors;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** runtime.task.restart.*: a failed task restarts by itself with backoff when enabled, stays FAILED when not. */
@ExtendWith(KafkaBroker.class)
class TaskAutoRestartTest {

    private static Map<String, String> flaky(String name) {
        return Map.of("connector.class", ErrorTestPlugins.FlakyStartSource.class.getName(), "topic", KafkaBroker.uniqueTopic(name),
                "fail.starts", "2");
    }

    private static String state(TestWorker worker, String name) {
        JsonObject status = worker.status(name);
        return status.getJsonArray("tasks") == null || status.getJsonArray("tasks").isEmpty() ? null
                : status.getJsonArray("tasks").getJsonObject(0).getString("state");
    }

    @Test
    void aTaskFailingInStartTwiceEndsRunningWithAutomaticRestarts(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of("runtime.task.restart.enable", "true",
                "runtime.task.restart.initial.backoff.ms", "100", "runtime.task.restart.max.backoff.ms", "1000"))) {
            worker.create("auto-restart", flaky("auto-restart"));
            await().atMost(Duration.ofSeconds(30)).until(() -> "RUNNING".equals(state(worker, "auto-restart")));
            assertThat(ErrorTestPlugins.STARTS.get("auto-restart").get()).isEqualTo(3);
        }
    }

    @Test
    void aFailedTaskStaysFailedWithoutAutomaticRestarts(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of("runtime.task.restart.initial.backoff.ms", "100"))) {
            worker.create("no-restart", flaky("no-restart"));
            await().atMost(Duration.ofSeconds(30)).until(() -> "FAILED".equals(state(worker, "no-restart")));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() ->
                    "FAILED".equals(state(worker, "no-restart")) && ErrorTestPlugins.STARTS.get("no-restart").get() == 1);
            assertThat(worker.status("no-restart").getJsonArray("tasks").getJsonObject(0).getString("trace"))
                    .contains("start attempt 1 fails");
        }
    }

    @Test
    void automaticRestartsStopAfterMaxAttempts(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of("runtime.task.restart.enable", "true",
                "runtime.task.restart.initial.backoff.ms", "50", "runtime.task.restart.max.attempts", "1"))) {
            worker.create("max-restarts", flaky("max-restarts"));
            await().atMost(Duration.ofSeconds(30)).until(() -> ErrorTestPlugins.STARTS.getOrDefault("max-restarts",
                    new java.util.concurrent.atomic.AtomicInteger()).get() == 2 && "FAILED".equals(state(worker, "max-restarts")));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() ->
                    "FAILED".equals(state(worker, "max-restarts")) && ErrorTestPlugins.STARTS.get("max-restarts").get() == 2);
        }
    }
}
