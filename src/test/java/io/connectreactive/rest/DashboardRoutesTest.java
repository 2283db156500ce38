package io.connectreactive.rest;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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

/** {@code /ui/} and {@code /ui/events} over plain HTTP: the assets, the redirect, and the feed's events. */
@ExtendWith(KafkaBroker.class)
class DashboardRoutesTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void servesThePageAndItsAssetsFromTheJarWithAStrictContentSecurityPolicy(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            HttpResponse<String> redirect = HTTP.send(HttpRequest.newBuilder(URI.create(worker.url("/ui"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(redirect.statusCode()).isEqualTo(302);
            assertThat(redirect.headers().firstValue("Location")).contains("ui/");

            HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(worker.url("/ui/"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("Content-Security-Policy")).get().asString().startsWith("default-src 'self'");
            assertThat(page.body()).contains("<script type=\"module\" src=\"dashboard.js\">").doesNotContain("http://", "https://");

            for (String asset : new String[] {"dashboard.js", "create.js", "dashboard.css", "favicon.svg"}) {
                assertThat(worker.get("/ui/" + asset).status()).as(asset).isEqualTo(200);
            }
            TestWorker.Response missing = worker.get("/ui/other.js");
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.json().getInteger("error_code")).isEqualTo(404);
        }
    }

    @Test
    void eventsCarryConnectorsStatusesAndRatesAndTheFirstOneTheHistory(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            worker.create("idle", Map.of("connector.class", IdleSourceConnector.class.getName(), "tasks.max", "2"));
            HttpResponse<InputStream> events = HTTP.send(HttpRequest.newBuilder(URI.create(worker.url("/ui/events"))).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(events.statusCode()).isEqualTo(200);
            assertThat(events.headers().firstValue("Content-Type")).contains("text/event-stream; charset=utf-8");
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
                JsonObject first = nextEvent(lines);
                JsonObject idle = first.getJsonArray("connectors").getJsonObject(0);
                assertThat(idle.getString("name")).isEqualTo("idle");
                assertThat(idle.getString("type")).isEqualTo("source");
                assertThat(idle.getString("class")).isEqualTo(IdleSourceConnector.class.getName());
                assertThat(idle.getString("state")).isEqualTo("RUNNING");
                assertThat(idle.getString("worker_id")).isEqualTo(worker.status("idle").getJsonObject("connector").getString("worker_id"));
                assertThat(idle.getJsonArray("tasks")).hasSize(2);
                assertThat(idle.getJsonArray("history")).isNotEmpty();

                JsonObject second = nextEvent(lines);
                JsonObject again = second.getJsonArray("connectors").getJsonObject(0);
                assertThat(again.containsKey("history")).isFalse();
                assertThat(again.getDouble("rate")).isZero();
                assertThat(second.getLong("time")).isGreaterThan(first.getLong("time"));
            }
        }
    }

    private static JsonObject nextEvent(BufferedReader lines) throws java.io.IOException {
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.startsWith("data: ")) {
                return new JsonObject(line.substring("data: ".length()));
            }
        }
        throw new AssertionError("the event stream ended");
    }
}
