package io.connectreactive.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.connectreactive.cli.ConnectWorker;
import io.connectreactive.config.WorkerConfig;
import io.vertx.core.json.JsonObject;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A standalone worker for tests, against the shared test broker, with its files in a given
 * directory and REST on a free port. Vert.x runs with a low {@code maxEventLoopExecuteTime}; closing
 * the worker fails the test if any event loop was blocked.
 */
public final class TestWorker implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TestWorker.class);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final ConnectWorker worker;
    private BlockedEventLoops blocked;

    private TestWorker(ConnectWorker worker) {
        this.worker = worker;
    }

    /** Starts a worker; {@code extra} overrides the defaults (flush interval 200 ms). */
    public static TestWorker start(KafkaBroker broker, Path dir, Map<String, String> extra) {
        return start(broker.bootstrapServers(), dir, extra);
    }

    /**
     * The settings of a clustered worker that is its cluster's only member: group {@code group}, its
     * internal topics named after it, and a free cluster port. A mutable map, for the test's own settings.
     */
    public static Map<String, String> singleMemberCluster(String group) {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> w = new HashMap<>();
        w.put("group.id", group);
        w.put("config.storage.topic", group + "-configs");
        w.put("offset.storage.topic", group + "-offsets");
        w.put("status.storage.topic", group + "-status");
        w.put("offset.storage.partitions", "5");
        w.put("status.storage.partitions", "2");
        w.put("runtime.cluster.host", "127.0.0.1");
        w.put("runtime.cluster.port", String.valueOf(port));
        w.put("runtime.cluster.members", "127.0.0.1:" + port);
        return w;
    }

    /** Starts a worker against the brokers at {@code bootstrapServers} (a broker of the test's own). */
    public static TestWorker start(String bootstrapServers, Path dir, Map<String, String> extra) {
        Map<String, String> props = new HashMap<>();
        props.put(WorkerConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        props.put(WorkerConfig.DATA_DIR, dir.toString());
        props.put(WorkerConfig.LISTENERS, "http://127.0.0.1:0");
        props.put(WorkerConfig.OFFSET_FLUSH_INTERVAL_MS, "200");
        props.putAll(extra);
        ConnectWorker w = new ConnectWorker(BlockedEventLoops.options());
        TestWorker tw = new TestWorker(w);
        w.start(new WorkerConfig(props));
        tw.blocked = BlockedEventLoops.watch(w.vertx());
        return tw;
    }

    public ConnectWorker worker() {
        return worker;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + worker.restPort() + path;
    }

    public Response get(String path) {
        return send("GET", path, null);
    }

    public Response send(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers().firstValue("Location").orElse(null));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Creates a connector through {@code POST /connectors} and asserts 201. */
    public void create(String name, Map<String, String> config) {
        JsonObject body = new JsonObject().put("name", name).put("config", new JsonObject(new HashMap<>(config)));
        Response r = send("POST", "/connectors", body.encode());
        assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    /** The connector's status JSON. */
    public JsonObject status(String name) {
        return new JsonObject(get("/connectors/" + name + "/status").body());
    }

    /** Stops the worker and asserts that no event loop was blocked while it ran. */
    @Override
    public void close() {
        worker.close();
        assertThat(blocked.events()).as("blocked event-loop threads").isEmpty();
    }

    /** An HTTP answer. */
    public record Response(int status, String body, String location) {
        public JsonObject json() {
            return new JsonObject(body);
        }
    }
}
