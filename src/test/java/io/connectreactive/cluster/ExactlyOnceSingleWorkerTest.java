package io.connectreactive.cluster;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import io.connectreactive.e2e.ClassicCounterSource;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.connectreactive.testing.WorkerProcess;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A one-worker cluster with exactly-once source support, in its own JVM: a connector created the moment
 * its REST API takes requests, before the worker has joined its cluster and learnt that it leads, is
 * written once it does (it was refused with a 500 before), as Kafka Connect holds requests until its
 * worker has joined.
 */
@ExtendWith(KafkaBroker.class)
class ExactlyOnceSingleWorkerTest {

    @Test
    void aConnectorCreatedBeforeTheWorkerHasJoinedItsClusterIsWrittenOnceItLeads(KafkaBroker kafka, @TempDir Path dir)
            throws Exception {
        int rest;
        try (ServerSocket s = new ServerSocket(0)) {
            rest = s.getLocalPort();
        }
        Map<String, String> props = TestWorker.singleMemberCluster("cr-eos-one-" + System.nanoTime());
        props.put("exactly.once.source.support", "enabled");
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("listeners", "http://127.0.0.1:" + rest);
        props.put("runtime.data.dir", dir.resolve("data").toString());
        Path worker = dir.resolve("worker.properties");
        Files.writeString(worker, props.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n")));
        JsonObject config = new JsonObject().put("connector.class", ClassicCounterSource.class.getName())
                .put("topic", KafkaBroker.uniqueTopic("eos-one")).put("count", "10").put("batch", "10");
        HttpRequest create = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rest + "/connectors"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("name", "first").put("config", config).encode()))
                .timeout(Duration.ofSeconds(30)).build();
        HttpClient http = HttpClient.newHttpClient();
        Path log = dir.resolve("worker.log");
        try (WorkerProcess w = WorkerProcess.start(worker, log)) {
            HttpResponse<String> r = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    r = http.send(create, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 503) { // 503: still starting (only GET / and /health answer)
                        break;
                    }
                } catch (java.io.IOException notListening) {
                    // not listening yet
                }
                Thread.sleep(20);
            }
            assertThat(r).isNotNull();
            assertThat(r.statusCode()).as(r.body() + "\n" + WorkerProcess.tail(log, 30)).isEqualTo(201);
        }
    }
}
