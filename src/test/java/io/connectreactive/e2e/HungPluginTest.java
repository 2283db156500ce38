package io.connectreactive.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.rest.IdleSourceConnector;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestConnectors;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Plugins that hang (in a connector's {@code start}, a task's {@code start} or {@code stop}) or block
 * in a static initialiser hold up only themselves: REST keeps answering for every other connector, the
 * hung one is abandoned after the stop deadline, the worker stops in bounded time, and no event loop
 * is blocked.
 */
@ExtendWith(KafkaBroker.class)
class HungPluginTest {

    /** Released after each test, so abandoned plugin threads end. */
    static volatile CountDownLatch hang = new CountDownLatch(1);

    /** Short deadlines: a task or connector is abandoned 1.5 s after it was asked to stop. */
    private static final Map<String, String> SHORT_DEADLINES = Map.of(
            WorkerConfig.TASK_SHUTDOWN_TIMEOUT_MS, "1000",
            WorkerConfig.OFFSET_FLUSH_TIMEOUT_MS, "500");

    @AfterEach
    void release() {
        hang.countDown();
        hang = new CountDownLatch(1);
    }

    static void hangHere() {
        try {
            hang.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A connector whose start() hangs. */
    public static class HangingStartConnector extends TestConnectors.Source {
        @Override
        public void start(Map<String, String> props) {
            hangHere();
        }

        @Override
        public Class<? extends Task> taskClass() {
            return IdleSourceConnector.IdleTask.class;
        }
    }

    /** A source connector whose task hangs in start(). */
    public static class HangingTaskStartConnector extends TestConnectors.Source {
        @Override
        public Class<? extends Task> taskClass() {
            return HangingStartTask.class;
        }
    }

    public static class HangingStartTask extends SourceTask {
        @Override
        public String version() {
            return "1";
        }

        @Override
        public void start(Map<String, String> props) {
            hangHere();
        }

        @Override
        public List<SourceRecord> poll() {
            return null;
        }

        @Override
        public void stop() {
        }
    }

    /** A sink connector whose task hangs in stop(). */
    public static class HangingStopSinkConnector extends TestConnectors.Sink {
        @Override
        public Class<? extends Task> taskClass() {
            return HangingStopSinkTask.class;
        }
    }

    public static class HangingStopSinkTask extends SinkTask {
        @Override
        public String version() {
            return "1";
        }

        @Override
        public void start(Map<String, String> props) {
        }

        @Override
        public void put(Collection<SinkRecord> records) {
        }

        @Override
        public void stop() {
            hangHere();
        }
    }

    /** A source connector whose task class takes 2 s to initialise. */
    public static class SlowInitConnector extends TestConnectors.Source {
        @Override
        public Class<? extends Task> taskClass() {
            return SlowInitTask.class;
        }
    }

    public static class SlowInitTask extends IdleSourceConnector.IdleTask {
        static {
            spin(2);
        }
    }

    /** A source connector whose task takes 1 s to construct, with a converter that takes 1 s to configure. */
    public static class SlowConstructionConnector extends TestConnectors.Source {
        @Override
        public Class<? extends Task> taskClass() {
            return SlowConstructorTask.class;
        }
    }

    public static class SlowConstructorTask extends IdleSourceConnector.IdleTask {
        public SlowConstructorTask() {
            spin(1);
        }
    }

    public static class SlowConfigureConverter extends org.apache.kafka.connect.storage.StringConverter {
        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            spin(1);
            super.configure(configs, isKey);
        }
    }

    static void spin(int seconds) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aTaskWithASlowConstructorAndConverterDoesNotBlockAnEventLoop(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("slow-construction", Map.of("connector.class", SlowConstructionConnector.class.getName(), "tasks.max", "1",
                    "value.converter", SlowConfigureConverter.class.getName()));
            awaitTasksRunning(worker, "slow-construction", 1);
        } // close() fails the test on any blocked event loop
    }

    /** Where each call into a plugin ran: call name to thread name. */
    static final Map<String, String> THREADS = new java.util.concurrent.ConcurrentHashMap<>();

    static void ranHere(String call) {
        THREADS.put(call, Thread.currentThread().getName());
    }

    /** Records the thread of each of its calls, and of its task's. */
    public static class ThreadRecordingConnector extends TestConnectors.Source {
        @Override
        public org.apache.kafka.common.config.Config validate(Map<String, String> props) {
            ranHere("validate");
            return super.validate(props);
        }

        @Override
        public void start(Map<String, String> props) {
            ranHere("connector.start");
            super.start(props);
        }

        @Override
        public List<Map<String, String>> taskConfigs(int maxTasks) {
            ranHere("taskConfigs");
            return super.taskConfigs(maxTasks);
        }

        @Override
        public void stop() {
            ranHere("connector.stop");
        }

        @Override
        public Class<? extends Task> taskClass() {
            return ThreadRecordingTask.class;
        }
    }

    public static class ThreadRecordingTask extends IdleSourceConnector.IdleTask {
        public ThreadRecordingTask() {
            ranHere("task.constructor");
        }

        @Override
        public void start(Map<String, String> props) {
            ranHere("task.start");
        }

        @Override
        public void stop() {
            ranHere("task.stop");
            super.stop();
        }
    }

    @Test
    void pluginCallsRunOnNamedPluginThreadsNeverOnAnEventLoop(KafkaBroker kafka, @TempDir Path dir) {
        THREADS.clear();
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("threads", Map.of("connector.class", ThreadRecordingConnector.class.getName(), "tasks.max", "1"));
            awaitTasksRunning(worker, "threads", 1);
            assertThat(worker.send("DELETE", "/connectors/threads", null).status()).isEqualTo(204);
            await().atMost(Duration.ofSeconds(20)).until(() -> THREADS.containsKey("task.stop") && THREADS.containsKey("connector.stop"));
        }
        assertThat(THREADS.get("validate")).startsWith("cr-plugin-");
        assertThat(THREADS.get("connector.start")).isEqualTo("cr-connector-threads");
        assertThat(THREADS.get("taskConfigs")).isEqualTo("cr-connector-threads");
        assertThat(THREADS.get("connector.stop")).isEqualTo("cr-connector-threads");
        assertThat(THREADS.get("task.constructor")).isEqualTo("cr-task-threads-0");
        assertThat(THREADS.get("task.start")).isEqualTo("cr-task-threads-0");
        // called while poll() may be waiting on the task's thread, as Kafka Connect does
        assertThat(THREADS.get("task.stop")).startsWith("cr-plugin-");
    }

    @Test
    void aConnectorHangingInStartHoldsUpOnlyItself(KafkaBroker kafka, @TempDir Path dir) {
        TestWorker worker = TestWorker.start(kafka, dir, SHORT_DEADLINES);
        try {
            CompletableFuture<HttpResponse<String>> stuck = postAsync(worker, "stuck", Map.of(
                    "connector.class", HangingStartConnector.class.getName(), "tasks.max", "1"));
            await().atMost(Duration.ofSeconds(20)).until(() -> worker.get("/connectors").body().contains("stuck"));

            worker.create("healthy", Map.of("connector.class", IdleSourceConnector.class.getName(), "tasks.max", "2"));
            awaitTasksRunning(worker, "healthy", 2);
            assertThat(worker.send("PUT", "/connectors/healthy/pause", null).status()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    worker.status("healthy").getJsonObject("connector").getString("state").equals("PAUSED"));
            assertThat(worker.send("DELETE", "/connectors/healthy", null).status()).isEqualTo(204);
            assertThat(stuck).isNotDone();
        } finally {
            assertClosesWithin(worker, Duration.ofSeconds(15));
        }
    }

    @Test
    void aTaskHangingInStartIsAbandonedWhenItsConnectorIsDeleted(KafkaBroker kafka, @TempDir Path dir) {
        TestWorker worker = TestWorker.start(kafka, dir, SHORT_DEADLINES);
        try {
            CompletableFuture<HttpResponse<String>> created = postAsync(worker, "stuck-task", Map.of(
                    "connector.class", HangingTaskStartConnector.class.getName(), "tasks.max", "1"));
            await().atMost(Duration.ofSeconds(20)).until(() -> worker.get("/connectors").body().contains("stuck-task"));

            worker.create("healthy", Map.of("connector.class", IdleSourceConnector.class.getName(), "tasks.max", "1"));
            awaitTasksRunning(worker, "healthy", 1);

            long t0 = System.nanoTime();
            assertThat(created.join().statusCode()).isEqualTo(201);
            assertThat(worker.send("DELETE", "/connectors/stuck-task", null).status()).isEqualTo(204);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
            assertThat(worker.get("/connectors").body()).doesNotContain("stuck-task");
        } finally {
            assertClosesWithin(worker, Duration.ofSeconds(15));
        }
    }

    @Test
    void aTaskHangingInStopIsAbandonedAfterTheDeadline(KafkaBroker kafka, @TempDir Path dir) {
        TestWorker worker = TestWorker.start(kafka, dir, SHORT_DEADLINES);
        try {
            String topic = KafkaBroker.uniqueTopic("hung-stop");
            worker.create("stuck-stop", Map.of("connector.class", HangingStopSinkConnector.class.getName(),
                    "tasks.max", "1", "topics", topic));
            awaitTasksRunning(worker, "stuck-stop", 1);
            worker.create("healthy", Map.of("connector.class", IdleSourceConnector.class.getName(), "tasks.max", "1"));
            awaitTasksRunning(worker, "healthy", 1);

            CompletableFuture<HttpResponse<String>> deleted = sendAsync(worker, "DELETE", "/connectors/stuck-stop", null);
            // while the delete waits for the hung task, every other connector is served
            assertThat(worker.send("PUT", "/connectors/healthy/pause", null).status()).isEqualTo(202);
            assertThat(worker.get("/connectors/healthy/status").status()).isEqualTo(200);
            assertThat(deleted.orTimeout(15, TimeUnit.SECONDS).join().statusCode()).isEqualTo(204);
        } finally {
            assertClosesWithin(worker, Duration.ofSeconds(15));
        }
    }

    @Test
    void aWorkerWithATaskHangingInStopStillStops(KafkaBroker kafka, @TempDir Path dir) {
        TestWorker worker = TestWorker.start(kafka, dir, SHORT_DEADLINES);
        try {
            worker.create("stuck-stop", Map.of("connector.class", HangingStopSinkConnector.class.getName(),
                    "tasks.max", "1", "topics", KafkaBroker.uniqueTopic("hung-stop")));
            awaitTasksRunning(worker, "stuck-stop", 1);
        } finally {
            assertClosesWithin(worker, Duration.ofSeconds(15));
        }
    }

    @Test
    void aTaskClassWithASlowStaticInitialiserDoesNotBlockAnEventLoop(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("slow-init", Map.of("connector.class", SlowInitConnector.class.getName(), "tasks.max", "1"));
            awaitTasksRunning(worker, "slow-init", 1);
        } // close() fails the test on any blocked event loop
    }

    private static void awaitTasksRunning(TestWorker worker, String name, int tasks) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonObject status = worker.status(name);
            assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("RUNNING");
            assertThat(status.getJsonArray("tasks")).hasSize(tasks);
            for (int i = 0; i < tasks; i++) {
                assertThat(status.getJsonArray("tasks").getJsonObject(i).getString("state")).isEqualTo("RUNNING");
            }
        });
    }

    private static void assertClosesWithin(TestWorker worker, Duration bound) {
        long t0 = System.nanoTime();
        worker.close();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(bound);
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(TestWorker worker, String name, Map<String, String> config) {
        JsonObject body = new JsonObject().put("name", name).put("config", new JsonObject(new java.util.HashMap<>(config)));
        return sendAsync(worker, "POST", "/connectors", body.encode());
    }

    private static CompletableFuture<HttpResponse<String>> sendAsync(TestWorker worker, String method, String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(worker.url(path)))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }
}
