package io.connectreactive.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Option;

/**
 * What the client commands share: the worker's REST address ({@code --url}), {@code --json}, and one
 * blocking HTTP call per command with Java's {@link HttpClient} (on the command's own thread, from
 * {@code main}). A refused connection or an error answer becomes a {@link Failure} with a one-line message
 * (Kafka Connect's {@code message} field), which {@link Main} prints and turns into exit code 1.
 */
final class RestClient {

    /** Where the command on this thread prints (set by {@link Main#execute}); System.out and System.err otherwise. */
    static final ThreadLocal<PrintStream[]> STREAMS = new ThreadLocal<>();

    static PrintStream out() {
        PrintStream[] s = STREAMS.get();
        return s == null ? System.out : s[0];
    }

    static PrintStream err() {
        PrintStream[] s = STREAMS.get();
        return s == null ? System.err : s[1];
    }

    /** A command failed; its message is the one line to print. */
    static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /** The options every client command takes (a picocli mixin). */
    static final class Options {
        @Option(names = "--url", defaultValue = "http://127.0.0.1:8083", paramLabel = "URL",
                description = "The worker's REST address (default: ${DEFAULT-VALUE})")
        String url;

        @Option(names = "--json", description = "Print the worker's JSON answer, for scripts")
        boolean json;

        RestClient client() {
            return new RestClient(url);
        }
    }

    /** An answer: its status and body (maybe empty). */
    record Answer(int status, String body) {
    }

    /**
     * Built on the first request, not when {@code Main} touches this class: building an HttpClient
     * sets up TLS (the JDK's trust store), a tenth of a second or more that {@code start} does not need.
     */
    private static final class Http {
        static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1).build();
    }
    private final String base;

    RestClient(String url) {
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    Answer get(String path) {
        return send("GET", path, null);
    }

    /** Sends the request; a status of 400 or more, or no answer at all, throws a {@link Failure}. */
    Answer send(String method, String path, String body) {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(90))
                    .header("Accept", "application/json");
        } catch (IllegalArgumentException e) {
            throw new Failure("Invalid URL " + base + path + ": " + e.getMessage());
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r;
        try {
            r = Http.CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Failure("Cannot reach the worker at " + base + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("Interrupted");
        }
        if (r.statusCode() >= 400) {
            throw new Failure(errorMessage(r.statusCode(), r.body()));
        }
        return new Answer(r.statusCode(), r.body() == null ? "" : r.body());
    }

    private static String errorMessage(int status, String body) {
        String message = null;
        try {
            message = new JsonObject(body).getString("message");
        } catch (DecodeException | ClassCastException | NullPointerException e) {
            // not Kafka Connect's error body
        }
        if (message == null || message.isBlank()) {
            message = body == null || body.isBlank() ? "HTTP " + status : body;
        }
        // one line
        int nl = message.indexOf('\n');
        return "Error " + status + ": " + (nl < 0 ? message : message.substring(0, nl)).trim();
    }
}
