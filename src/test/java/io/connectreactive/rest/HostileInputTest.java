package io.connectreactive.rest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over a thousand bad requests, generated from a fixed seed, against every endpoint over real HTTP:
 * malformed, truncated and mutated JSON, wrong types, nulls and missing fields, deep nesting, invalid
 * UTF-8 (in bodies, and in paths over a raw socket), bodies over {@code rest.max.body.bytes}, bad
 * path encodings and unknown query parameters. Each gets a 4xx with Kafka Connect's error body (or a
 * 2xx where the request turns out to be valid), never a 5xx or a stack trace; the worker answers
 * normally afterwards and no event loop was blocked (the worker's close checks it).
 */
@ExtendWith(KafkaBroker.class)
class HostileInputTest {

    private static final long SEED = 20261201L;
    private static final int MAX_BODY = 64 * 1024;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String IDLE = IdleSourceConnector.class.getName();

    /** A route: method and path, {n} a connector name, {t} a task id, {p} a plugin, {l} a logger. */
    private record Route(String method, String path, boolean body) {
    }

    private static final List<Route> ROUTES = List.of(
            new Route("GET", "/", false),
            new Route("GET", "/connectors", false),
            new Route("POST", "/connectors", true),
            new Route("GET", "/connectors/{n}", false),
            new Route("DELETE", "/connectors/{n}", false),
            new Route("GET", "/connectors/{n}/config", false),
            new Route("PUT", "/connectors/{n}/config", true),
            new Route("PATCH", "/connectors/{n}/config", true),
            new Route("GET", "/connectors/{n}/status", false),
            new Route("GET", "/connectors/{n}/tasks", false),
            new Route("GET", "/connectors/{n}/tasks/{t}/status", false),
            new Route("POST", "/connectors/{n}/tasks/{t}/restart", false),
            new Route("PUT", "/connectors/{n}/pause", false),
            new Route("PUT", "/connectors/{n}/resume", false),
            new Route("PUT", "/connectors/{n}/stop", false),
            new Route("POST", "/connectors/{n}/restart", false),
            new Route("GET", "/connectors/{n}/offsets", false),
            new Route("PATCH", "/connectors/{n}/offsets", true),
            new Route("DELETE", "/connectors/{n}/offsets", false),
            new Route("GET", "/connectors/{n}/topics", false),
            new Route("PUT", "/connectors/{n}/topics/reset", false),
            new Route("GET", "/connector-plugins", false),
            new Route("GET", "/connector-plugins/{p}/config", false),
            new Route("PUT", "/connector-plugins/{p}/config/validate", true),
            new Route("GET", "/health", false),
            new Route("GET", "/admin/loggers", false),
            new Route("GET", "/admin/loggers/{l}", false),
            new Route("PUT", "/admin/loggers/{l}", true));

    private final Random random = new Random(SEED);
    private final List<String> failures = new ArrayList<>();
    private int sent;

    @Test
    void badRequestsGetKafkaConnectsErrorBodiesAndTheWorkerGoesOn(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of(WorkerConfig.REST_MAX_BODY_BYTES, String.valueOf(MAX_BODY)))) {
            worker.create("target", Map.of("connector.class", IDLE, "tasks.max", "1"));
            for (Route route : ROUTES) {
                for (int i = 0; i < 40; i++) {
                    httpRequest(worker, route);
                }
                for (int i = 0; i < 4; i++) {
                    rawRequest(worker, route);
                }
            }
            // a request line longer than the HTTP decoder takes: 414, still with the error body
            assertThat(raw(worker, "GET /connectors/<10000 characters>", "GET", utf8("/connectors/" + "n".repeat(10_000)), null,
                    new byte[0])).isEqualTo(414);
            // headers larger than the decoder takes: 431, with the error body
            assertThat(raw(worker, "GET /connectors with a 16 KiB header", "GET", utf8("/connectors"),
                    "application/json\r\nX-Big: " + "b".repeat(16 * 1024), new byte[0])).isEqualTo(431);
            assertThat(sent).isGreaterThanOrEqualTo(1000);
            assertThat(failures).as("bad answers").isEmpty();

            // over the limit: 413 with the error body
            String huge = "{\"name\":\"big\",\"config\":{\"x\":\"" + "a".repeat(MAX_BODY) + "\"}}";
            TestWorker.Response tooBig = worker.send("POST", "/connectors", huge);
            assertThat(tooBig.status()).isEqualTo(413);
            assertThat(tooBig.json().getInteger("error_code")).isEqualTo(413);
            assertThat(tooBig.json().getString("message")).contains(String.valueOf(MAX_BODY));

            // a non-JSON content type: 415
            assertThat(send(worker, "POST", "/connectors", "text/plain", "{}".getBytes(StandardCharsets.UTF_8)).status())
                    .isEqualTo(415);

            // the worker answers normally afterwards
            assertThat(worker.get("/connectors/target/status").json().getJsonObject("connector").getString("state"))
                    .isEqualTo("RUNNING");
            worker.create("after-storm", Map.of("connector.class", IDLE, "tasks.max", "1"));
            assertThat(worker.get("/connectors").body()).contains("after-storm");
        }
    }

    // ---------------------------------------------------------------- generation

    private void httpRequest(TestWorker worker, Route route) {
        String path = path(route, random.nextInt(4) == 0) + query();
        byte[] body = route.body() || random.nextInt(5) == 0 ? body(route) : null;
        String contentType = random.nextInt(10) == 0 ? null : random.nextBoolean() ? "application/json" : "application/json; charset=utf-8";
        String request = route.method() + " " + path + " " + describe(body);
        try {
            URI.create(worker.url(path));
        } catch (IllegalArgumentException notAUri) {
            // java.net.URI refuses malformed escapes: write those over a socket as they are
            raw(worker, request, route.method(), utf8(path), contentType, body == null ? new byte[0] : body);
            return;
        }
        TestWorker.Response r = send(worker, route.method(), path, contentType, body);
        check(request, r.status(), r.body());
    }

    /** Connector, plugin and logger names: existing ones (for bodies), unknown, or badly encoded. */
    private String path(Route route, boolean existing) {
        String p = route.path();
        p = p.replace("{n}", existing && route.body() ? "target" : name());
        p = p.replace("{t}", pick("0", "1", "-1", "x", "99999999999999999999", "%20", "0x1", "1.5", "%FF", ""));
        p = p.replace("{p}", existing ? IDLE : pick(name(), "IdleSource", "org.apache.kafka.connect.file.FileStreamSourceConnector"));
        p = p.replace("{l}", existing ? "io.connectreactive" : pick(name(), "root", "ROOT", "a..b", "."));
        return p;
    }

    private String name() {
        return switch (random.nextInt(12)) {
            case 0 -> "%ZZ";
            case 1 -> "%";
            case 2 -> "%C0%AF";
            case 3 -> "%00";
            case 4 -> "%E2%82";
            case 5 -> "..%2F..%2Fetc%2Fpasswd";
            case 6 -> "a".repeat(1 + random.nextInt(2000));
            case 7 -> "%F0%9F%98%80-%0A-%09";
            case 8 -> "%2e%2e";
            case 9 -> "n%20" + random.nextInt(1000);
            case 10 -> "%FF%FE";
            default -> "no-such-" + Integer.toHexString(random.nextInt());
        };
    }

    private String query() {
        return switch (random.nextInt(6)) {
            case 0 -> "";
            case 1 -> "?unknown=" + random.nextInt();
            case 2 -> "?expand=%ZZ&includeTasks=maybe&onlyFailed=&connectorsOnly=2";
            case 3 -> "?version=%5B%5D&scope=planet&expand";
            case 4 -> "?" + "q".repeat(random.nextInt(500)) + "=1&&&=";
            default -> "?%=%&a=%E2%82&b=%FF";
        };
    }

    private byte[] body(Route route) {
        String valid = validBody(route);
        return switch (random.nextInt(11)) {
            case 0 -> utf8(valid.substring(0, random.nextInt(valid.length())));       // truncated
            case 1 -> utf8(mutate(valid));                                            // malformed
            case 2 -> utf8(wrongTypes(route));                                         // wrong types
            case 3 -> utf8(pick("null", "{}", "[]", "\"text\"", "123", "true", "", " ", "{\"name\":null}",
                    "{\"config\":null}", "{\"name\":\"x\"}", "{\"offsets\":null}", "{\"offsets\":[null]}",
                    "{\"level\":null}", "{\"name\":\"x\",\"config\":{\"connector.class\":null}}"));   // null and missing
            case 4 -> utf8(deep(random.nextInt(3) == 0 ? 100_000 : 2_000 + random.nextInt(3000)));  // deep nesting (truncated past the limit)
            case 5 -> invalidUtf8(valid);
            case 6 -> utf8("{\"name\":\"" + "x".repeat(MAX_BODY / 2) + "\",\"config\":{" + "\"k\":\"v\",".repeat(100) + "\"a\":\"b\"}}");
            case 7 -> utf8(valid.replace("\"", "'"));
            case 8 -> utf8("{\"name\":\"\\ud800\\udc00\\u0000\",\"config\":{\"connector.class\":\"\\u0000\",\"tasks.max\":\"\\ud800\"}}");
            case 9 -> utf8(valid + valid);
            default -> utf8("{\"name\":1e999999,\"config\":{\"tasks.max\":-0.0e-999999},\"x\":" + "9".repeat(5000) + "}");
        };
    }

    private static String validBody(Route route) {
        if (route.path().endsWith("/offsets")) {
            return "{\"offsets\":[{\"partition\":{\"kafka_topic\":\"t\",\"kafka_partition\":0},\"offset\":{\"kafka_offset\":5}}]}";
        }
        if (route.path().startsWith("/admin")) {
            return "{\"level\":\"DEBUG\"}";
        }
        if (route.path().equals("/connectors")) {
            return "{\"name\":\"fuzzed\",\"config\":{\"connector.class\":\"" + IDLE + "\",\"tasks.max\":\"1\"}}";
        }
        return "{\"connector.class\":\"" + IDLE + "\",\"tasks.max\":\"1\",\"name\":\"target\"}";
    }

    private String wrongTypes(Route route) {
        String value = pick("1", "[1,2]", "{\"a\":{}}", "true", "null", "-1", "1.5", "[]", "\"\"", "{}");
        if (route.path().endsWith("/offsets")) {
            return pick("{\"offsets\":" + value + "}", "{\"offsets\":[{\"partition\":" + value + ",\"offset\":" + value + "}]}",
                    "{\"offsets\":[" + value + "]}", "{\"offsets\":[{\"partition\":{\"kafka_topic\":" + value
                            + ",\"kafka_partition\":" + value + "},\"offset\":{\"kafka_offset\":" + value + "}}]}");
        }
        if (route.path().startsWith("/admin")) {
            return "{\"level\":" + value + "}";
        }
        if (route.path().equals("/connectors")) {
            return pick("{\"name\":" + value + ",\"config\":{\"connector.class\":\"" + IDLE + "\"}}",
                    "{\"name\":\"wrong\",\"config\":" + value + "}",
                    "{\"name\":\"wrong\",\"config\":{\"connector.class\":\"" + IDLE + "\",\"tasks.max\":" + value + "}}",
                    "{\"name\":\"wrong\",\"config\":{\"connector.class\":" + value + "},\"initial_state\":" + value + "}");
        }
        return pick("{\"connector.class\":" + value + "}", "{\"connector.class\":\"" + IDLE + "\",\"tasks.max\":" + value + "}",
                "{\"tasks.max\":" + value + "}", "[" + value + "]");
    }

    private String mutate(String valid) {
        StringBuilder b = new StringBuilder(valid);
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits && b.length() > 0; i++) {
            int at = random.nextInt(b.length());
            String alphabet = "{}[]\":,\\ \u0000\u00e9tfn0-e.";
            char c = alphabet.charAt(random.nextInt(alphabet.length()));
            switch (random.nextInt(3)) {
                case 0 -> b.setCharAt(at, c);
                case 1 -> b.insert(at, c);
                default -> b.deleteCharAt(at);
            }
        }
        return b.toString();
    }

    private static String deep(int depth) {
        StringBuilder b = new StringBuilder(depth * 6 + 2);
        for (int i = 0; i < depth && b.length() < MAX_BODY - 16; i++) {
            b.append(i % 2 == 0 ? "{\"a\":" : "[");
        }
        return b.append("1").toString();
    }

    private byte[] invalidUtf8(String valid) {
        byte[] bytes = utf8(valid);
        byte[] bad = {(byte) 0xC0, (byte) 0xAF, (byte) 0xFF, (byte) 0xFE, (byte) 0xED, (byte) 0xA0, (byte) 0x80, (byte) 0xE2, (byte) 0x82};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = bytes.length > 0 ? random.nextInt(bytes.length) : 0;
        out.write(bytes, 0, at);
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
            out.write(bad[random.nextInt(bad.length)]);
        }
        out.write(bytes, at, bytes.length - at);
        return out.toByteArray();
    }

    private String pick(String... options) {
        return options[random.nextInt(options.length)];
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String describe(byte[] body) {
        if (body == null) {
            return "(no body)";
        }
        String s = new String(body, StandardCharsets.UTF_8);
        return s.length() > 120 ? s.substring(0, 120) + "... (" + body.length + " bytes)" : s;
    }

    // ---------------------------------------------------------------- sending and checking

    private void check(String request, int status, String body) {
        sent++;
        boolean ok = status < 500;
        if (status >= 400) {
            try {
                JsonObject error = new JsonObject(body);
                ok &= error.getInteger("error_code") == status && error.getValue("message") instanceof String
                        && error.size() == 2;
            } catch (RuntimeException e) {
                ok = false;
            }
        }
        ok &= !body.contains("\tat ") && !body.contains("at io.") && !body.contains("at java.")
                && !body.contains("Exception:") && !body.contains("Error:");
        if (!ok) {
            failures.add(request + " -> " + status + " " + (body.length() > 300 ? body.substring(0, 300) : body));
        }
    }

    private static TestWorker.Response send(TestWorker worker, String method, String path, String contentType, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(worker.url(path))).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new TestWorker.Response(r.statusCode(), r.body(), null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A request written byte for byte: raw invalid UTF-8 and unescaped characters in the path. */
    private void rawRequest(TestWorker worker, Route route) {
        ByteArrayOutputStream target = new ByteArrayOutputStream();
        String[] parts = path(route, false).split("\\{|\\}");
        target.writeBytes(utf8(parts[0]));
        byte[][] raw = {{(byte) 0xFF, (byte) 0xC3}, utf8("a b"), utf8("x\"<>|^`"), {(byte) 0xC0, (byte) 0x80}, utf8("%%%"),
                {(byte) 0xE2, (byte) 0x82, 0x41}};
        target.writeBytes(raw[random.nextInt(raw.length)]);
        byte[] body = route.body() ? invalidUtf8(validBody(route)) : new byte[0];
        raw(worker, "raw " + route.method() + " " + target.toString(StandardCharsets.ISO_8859_1), route.method(),
                target.toByteArray(), "application/json", body);
    }

    private int raw(TestWorker worker, String request, String method, byte[] target, String contentType, byte[] body) {
        int port = Integer.parseInt(worker.url("").replaceAll(".*:(\\d+)$", "$1"));
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(utf8(method + " "));
            out.write(target);
            out.write(utf8(" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
                    + "Connection: close\r\nContent-Length: " + body.length + "\r\n\r\n"));
            out.write(body);
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            int split = response.indexOf("\r\n\r\n");
            String responseBody = split < 0 ? "" : response.substring(split + 4);
            check(request, status, responseBody);
            return status;
        } catch (IOException | RuntimeException e) {
            failures.add(request + " -> " + e);
            sent++;
            return -1;
        }
    }
}
