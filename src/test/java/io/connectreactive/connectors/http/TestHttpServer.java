package io.connectreactive.connectors.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

/**
 * A real HTTP(S) server for the HTTP sink's tests, on its own Vert.x instance and a free port (or
 * the port it had, after {@link #restart}). Records every request and answers as
 * {@link #respond} says, after the answer's delay; counts the requests under way at once.
 */
final class TestHttpServer implements AutoCloseable {

    /** One request as the server saw it. */
    record Received(String method, String uri, MultiMap headers, String body) {
    }

    /** How to answer: status, body, headers, after {@code delayMs}. */
    record Answer(int status, String body, Map<String, String> headers, long delayMs) {
        static Answer ok() {
            return new Answer(200, "", Map.of(), 0);
        }

        static Answer ok(long delayMs) {
            return new Answer(200, "", Map.of(), delayMs);
        }

        static Answer of(int status, String body) {
            return new Answer(status, body, Map.of(), 0);
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServerOptions options;
    private HttpServer server;
    private int port;
    /** Every request, in arrival order. */
    final List<Received> received = java.util.Collections.synchronizedList(new ArrayList<>());
    /** The requests answered with a 2xx, in the order the answers were decided. */
    final List<Received> acked = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger concurrent = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();
    volatile Function<Received, Answer> respond = r -> Answer.ok();

    private TestHttpServer(HttpServerOptions options) {
        this.options = options;
    }

    static TestHttpServer start() {
        return start(new HttpServerOptions());
    }

    static TestHttpServer start(HttpServerOptions options) {
        TestHttpServer s = new TestHttpServer(options);
        s.listen(0);
        return s;
    }

    private void listen(int at) {
        server = vertx.createHttpServer(options.setHost("127.0.0.1"));
        server.requestHandler(req -> req.body().onSuccess(body -> {
            int now = concurrent.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            Received r = new Received(req.method().name(), req.uri(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
                    body.toString());
            received.add(r);
            Answer a = respond.apply(r);
            Runnable answer = () -> {
                concurrent.decrementAndGet();
                if (a.status() / 100 == 2) {
                    acked.add(r);
                }
                a.headers().forEach(req.response()::putHeader);
                req.response().setStatusCode(a.status()).end(a.body());
            };
            if (a.delayMs() > 0) {
                vertx.setTimer(a.delayMs(), t -> answer.run());
            } else {
                answer.run();
            }
        }));
        try {
            server.listen(at).await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        port = server.actualPort();
    }

    int port() {
        return port;
    }

    String url(String path) {
        return (options.isSsl() ? "https" : "http") + "://127.0.0.1:" + port + path;
    }

    /** Stops listening (connections close: the endpoint is down). */
    void stop() throws Exception {
        server.close().await(10, TimeUnit.SECONDS);
    }

    /** Listens again on the same port. */
    void restart() {
        listen(port);
    }

    /** The bodies answered with a 2xx. */
    /** A copy of the requests answered 2xx so far, taken under the list's lock (the server appends meanwhile). */
    List<Received> ackedSnapshot() {
        synchronized (acked) {
            return List.copyOf(acked);
        }
    }

    /** A copy of every request received so far, taken under the list's lock. */
    List<Received> receivedSnapshot() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    List<String> ackedBodies() {
        synchronized (acked) {
            return acked.stream().map(Received::body).toList();
        }
    }

    @Override
    public void close() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }
}
