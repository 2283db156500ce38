package io.connectreactive.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.connectreactive.config.WorkerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the REST listeners answer while a worker starts beside its embedded broker, and the hand-over
 * to the real API on the same port, over real HTTP.
 */
class StartingRestTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void closeVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void answersTheRootAndHealthAndRefusesTheRestWith503(@TempDir Path dir) throws Exception {
        int port = freePort();
        StartingRest starting = bind(dir, port);

        HttpResponse<String> root = get(port, "/");
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(root.body()).getString("kafka_cluster_id")).isEqualTo("the-cluster-id");
        assertThat(new JsonObject(root.body()).getString("version")).isNotBlank();

        HttpResponse<String> health = get(port, "/health");
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(new JsonObject(health.body()).getMap()).containsEntry("status", "starting");

        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/connectors"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\",\"config\":{}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(503);
        assertThat(post.headers().firstValue("Retry-After")).contains("1");
        assertThat(new JsonObject(post.body()).getMap()).containsEntry("error_code", 503).containsKey("message");

        assertThat(get(port, "/connectors").statusCode()).isEqualTo(503);
        await(starting.close());
    }

    @Test
    void handsItsPortToTheRealApiWithoutRefusingAConnection(@TempDir Path dir) throws Exception {
        int port = freePort();
        StartingRest starting = bind(dir, port);
        HttpServer real = await(vertx.createHttpServer()
                .requestHandler(r -> r.response().setStatusCode(200).end("real"))
                .listen(port, "127.0.0.1"));

        await(starting.close());

        for (int i = 0; i < 5; i++) {
            HttpResponse<String> answer = get(port, "/connectors");
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("real");
        }
        await(real.close());
    }

    @Test
    void servesNoListenerThatNeedsTls(@TempDir Path dir) throws Exception {
        WorkerConfig config = new WorkerConfig(Map.of("runtime.data.dir", dir.toString(), "listeners", "https://127.0.0.1:8443"));
        assertThat(await(StartingRest.bind(vertx, config, config.listeners(), "the-cluster-id"))).isNull();
    }

    private StartingRest bind(Path dir, int port) throws Exception {
        WorkerConfig config = new WorkerConfig(Map.of("runtime.data.dir", dir.toString(), "listeners", "http://127.0.0.1:" + port));
        StartingRest starting = await(StartingRest.bind(vertx, config, List.copyOf(config.listeners()), "the-cluster-id"));
        assertThat(starting).isNotNull();
        return starting;
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
