package io.connectreactive.rest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import static io.connectreactive.rest.StopAndOffsetsApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /health} (KIP-1017) while a worker starts and once it has, and {@code /admin/loggers}
 * (KIP-495) changing the test JVM's logback levels at run time, over real HTTP against real workers.
 */
@ExtendWith(KafkaBroker.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthAndLoggersApiTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestWorker worker;

    @BeforeAll
    void startWorker(KafkaBroker kafka, @TempDir Path dir) {
        worker = TestWorker.start(kafka, dir, Map.of());
    }

    @AfterAll
    void stopWorker() {
        if (worker != null) {
            worker.close();
        }
    }

    // ---------------------------------------------------------------- health

    @Test
    void healthIs200HealthyOnceTheWorkerStarted() {
        TestWorker.Response r = worker.get("/health");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(new JsonObject().put("status", "healthy")
                .put("message", "Worker has completed startup and is ready to handle requests."));
    }

    @Test
    void healthIs503StartingWhileStoredConnectorsAreStillStarting(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        int port = freePort();
        Map<String, String> props = Map.of(WorkerConfig.LISTENERS, "http://127.0.0.1:" + port);
        try (TestWorker first = TestWorker.start(kafka, dir, props)) {
            first.create("gated", Map.of("connector.class", GatedStartSourceConnector.class.getName()));
        }
        CountDownLatch gate = new CountDownLatch(1);
        GatedStartSourceConnector.gate = gate;
        CompletableFuture<TestWorker> starting = CompletableFuture.supplyAsync(() -> TestWorker.start(kafka, dir, props));
        try {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                HttpResponse<String> r = get(port, "/health");
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(new JsonObject(r.body())).isEqualTo(new JsonObject().put("status", "starting")
                        .put("message", "Worker is still starting up."));
            });
            assertThat(starting).isNotDone();
        } finally {
            gate.countDown();
            GatedStartSourceConnector.gate = null;
        }
        try (TestWorker started = starting.get(60, TimeUnit.SECONDS)) {
            HttpResponse<String> r = get(port, "/health");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(new JsonObject(r.body()).getString("status")).isEqualTo("healthy");
        }
    }

    // ---------------------------------------------------------------- loggers

    @Test
    void listShowsLoggersWithAnExplicitLevel() {
        TestWorker.Response r = worker.get("/admin/loggers");
        assertThat(r.status()).isEqualTo(200);
        JsonObject all = r.json();
        // from src/test/resources/logback-test.xml
        assertThat(all.getJsonObject("root")).isEqualTo(new JsonObject().put("level", "WARN").putNull("last_modified"));
        assertThat(all.getJsonObject("io.connectreactive").getString("level")).isEqualTo("INFO");
        assertThat(all.fieldNames()).doesNotContain("io.connectreactive.rest.RestServer"); // no level of its own
    }

    @Test
    void getShowsALoggersOwnOrEffectiveLevel() {
        assertThat(worker.get("/admin/loggers/root").json()).isEqualTo(new JsonObject().put("level", "WARN").putNull("last_modified"));
        assertThat(worker.get("/admin/loggers/io.connectreactive").json().getString("level")).isEqualTo("INFO");
        TestWorker.Response inherited = worker.get("/admin/loggers/" + RestServer.class.getName());
        assertThat(inherited.status()).isEqualTo(200);
        assertThat(inherited.json()).isEqualTo(new JsonObject().put("level", "INFO").putNull("last_modified"));
    }

    @Test
    void getOfAnUnknownLoggerIs404() {
        String name = "no.such.logger." + UUID.randomUUID().toString().substring(0, 8);
        TestWorker.Response r = worker.get("/admin/loggers/" + name);
        assertError(r, 404);
        assertThat(r.json().getString("message")).isEqualTo("Logger " + name + " not found.");
    }

    @Test
    void putSetsTheNamespaceAndItsChildrenAndAnswersTheAffectedLoggers() {
        String ns = "io.connectreactive.test" + UUID.randomUUID().toString().substring(0, 8);
        LoggerFactory.getLogger(ns + ".a");
        LoggerFactory.getLogger(ns + ".b.c");
        assertThat(LoggerFactory.getLogger(ns + ".a").isDebugEnabled()).isFalse();

        TestWorker.Response r = worker.send("PUT", "/admin/loggers/" + ns, "{\"level\": \"debug\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(new JsonArray(r.body()).getList()).containsExactly(ns, ns + ".a", ns + ".b", ns + ".b.c");
        assertThat(LoggerFactory.getLogger(ns + ".b.c").isDebugEnabled()).isTrue();

        JsonObject level = worker.get("/admin/loggers/" + ns + ".a").json();
        assertThat(level.getString("level")).isEqualTo("DEBUG");
        assertThat(level.getLong("last_modified")).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
        assertThat(worker.get("/admin/loggers").json().getJsonObject(ns).getString("level")).isEqualTo("DEBUG");

        // nothing changes the second time
        TestWorker.Response again = worker.send("PUT", "/admin/loggers/" + ns, "{\"level\": \"DEBUG\"}");
        assertThat(new JsonArray(again.body())).isEmpty();
    }

    @Test
    void putWithClusterScopeAnswers204AndSetsTheLevel() {
        String ns = "io.connectreactive.cluster" + UUID.randomUUID().toString().substring(0, 8);
        TestWorker.Response r = worker.send("PUT", "/admin/loggers/" + ns + "?scope=cluster", "{\"level\": \"TRACE\"}");
        assertThat(r.status()).isEqualTo(204);
        assertThat(LoggerFactory.getLogger(ns).isTraceEnabled()).isTrue();
    }

    @Test
    void putWithAnUnknownScopeActsOnTheWorker() {
        String ns = "io.connectreactive.scope" + UUID.randomUUID().toString().substring(0, 8);
        TestWorker.Response r = worker.send("PUT", "/admin/loggers/" + ns + "?scope=galaxy", "{\"level\": \"ERROR\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(new JsonArray(r.body()).getList()).containsExactly(ns);
    }

    @Test
    void putWithoutALevelIs400() {
        TestWorker.Response r = worker.send("PUT", "/admin/loggers/io.connectreactive.nolevel", "{\"lvl\": \"DEBUG\"}");
        assertError(r, 400);
        assertThat(r.json().getString("message")).isEqualTo("Desired 'level' parameter was not specified in request.");
    }

    @Test
    void putWithAnInvalidLevelIs404AsInKafkaConnect() {
        TestWorker.Response r = worker.send("PUT", "/admin/loggers/io.connectreactive.loud", "{\"level\": \"LOUD\"}");
        assertError(r, 404);
        assertThat(r.json().getString("message")).isEqualTo("invalid log level 'LOUD'.");
    }

    @Test
    void putWithAMalformedBodyIs400() {
        assertError(worker.send("PUT", "/admin/loggers/io.connectreactive.bad", "{level"), 400);
        assertError(worker.send("PUT", "/admin/loggers/io.connectreactive.bad", "{\"level\": {\"x\": 1}}"), 400);
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
