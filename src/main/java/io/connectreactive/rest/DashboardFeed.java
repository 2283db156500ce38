package io.connectreactive.rest;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.connectreactive.herder.ConnectorStateInfo;
import io.connectreactive.herder.Herder;
import io.connectreactive.metrics.ConnectMetrics;
import io.connectreactive.metrics.ConnectorRates;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /ui/events}: the dashboard's live feed, as server-sent events. Once a second one snapshot
 * is built for every subscriber: each connector's name, type, class, state, worker and tasks (the
 * herder's status, as {@code GET /connectors/{name}/status} gives it) with its records per second and
 * sink lag ({@link ConnectorRates}, from the worker's meters), sent as one {@code data:} line of JSON.
 * The feed keeps the last {@value #HISTORY} rates of each connector; a new subscriber's first event
 * carries them as {@code history}, so its charts start full.
 *
 * <p>In a cluster each task's counters live on the worker running it: while a feed samples, it asks
 * every worker ({@code connect-reactive.dashboard.sample}, published on the clustered event bus) for
 * its task counters and lags, which they publish back ({@code connect-reactive.dashboard.counts}); the
 * feed adds the latest of each other worker's (at most {@value #REMOTE_MAX_AGE_MS} ms old) to its own,
 * so a connector's rate covers all its tasks whichever worker serves the page (a second late for tasks
 * of other workers).
 *
 * <p>The feed runs on a context of its own while anyone subscribes, and for {@value #HISTORY} seconds
 * after the last one left (so a reload finds its history); then it stops sampling. All its state is
 * touched on that context only. A subscriber whose connection cannot keep up misses events instead of
 * queueing them.
 */
final class DashboardFeed {

    /** Rates kept per connector: one per second, five minutes. */
    static final int HISTORY = 300;
    private static final long TICK_MS = 1_000;
    static final long REMOTE_MAX_AGE_MS = 3_000;
    private static final String SAMPLE = "connect-reactive.dashboard.sample";
    private static final String COUNTS = "connect-reactive.dashboard.counts";

    private final Vertx vertx;
    private final Herder herder;
    private final Context context;
    private final Set<HttpServerResponse> subscribers = new LinkedHashSet<>();
    private final Set<HttpServerResponse> fresh = new LinkedHashSet<>();
    private final Map<String, ArrayDeque<Double>> history = new HashMap<>();
    private ConnectorRates rates;
    private long timer = -1;
    private long idleSinceNanos;
    private boolean building;
    /** This feed's name on the event bus, to tell its own counters from other workers'. */
    private final String origin = UUID.randomUUID().toString();
    /** Other workers' latest counters, by their feed's origin: {time, counts, lags}. On the context. */
    private final Map<String, JsonObject> remote = new HashMap<>();

    DashboardFeed(Vertx vertx, Herder herder) {
        this.vertx = vertx;
        this.herder = herder;
        this.context = vertx.getOrCreateContext();
        if (vertx.isClustered()) {
            context.runOnContext(v -> {
                vertx.eventBus().<String>consumer(SAMPLE, msg -> {
                    if (!origin.equals(msg.body())) {
                        publishCounts();
                    }
                });
                vertx.eventBus().<JsonObject>consumer(COUNTS, msg -> {
                    if (!origin.equals(msg.body().getString("origin"))) {
                        remote.put(msg.body().getString("origin"), msg.body().put("received", System.currentTimeMillis()));
                    }
                });
            });
        }
    }

    /** Publishes this worker's task counters and lags for the other workers' feeds. */
    private void publishCounts() {
        ConnectMetrics metrics = ConnectMetrics.of(vertx);
        if (metrics == null) {
            return;
        }
        ConnectorRates local = new ConnectorRates(metrics.registry());
        vertx.eventBus().publish(COUNTS, new JsonObject().put("origin", origin)
                .put("counts", new JsonObject(new HashMap<>(local.taskCounts())))
                .put("lags", new JsonObject(new HashMap<>(local.lags()))));
    }

    /** Answers the request with an event stream and adds it to the subscribers. Called on the request's event loop. */
    void subscribe(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no");
        response.write("retry: 2000\n\n");
        response.closeHandler(v -> context.runOnContext(x -> remove(response)));
        context.runOnContext(v -> {
            if (response.closed()) {
                return;
            }
            subscribers.add(response);
            fresh.add(response);
            if (timer < 0) {
                rates = null;
                timer = vertx.setPeriodic(1, TICK_MS, t -> tick());
            }
        });
    }

    /** Stops sampling and ends every subscriber's stream (the REST server stops). */
    void stop() {
        context.runOnContext(v -> {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
            subscribers.forEach(r -> {
                if (!r.closed()) {
                    r.end();
                }
            });
            subscribers.clear();
            fresh.clear();
            history.clear();
        });
    }

    private void remove(HttpServerResponse response) {
        subscribers.remove(response);
        fresh.remove(response);
        if (subscribers.isEmpty()) {
            idleSinceNanos = System.nanoTime();
        }
    }

    private void tick() {
        if (subscribers.isEmpty() && System.nanoTime() - idleSinceNanos > TimeUnit.SECONDS.toNanos(HISTORY)) {
            vertx.cancelTimer(timer);
            timer = -1;
            history.clear();
            return;
        }
        if (building) {
            return; // the herder has not answered the previous tick yet
        }
        building = true;
        ConnectMetrics metrics = ConnectMetrics.of(vertx);
        if (rates == null && metrics != null) {
            rates = new ConnectorRates(metrics.registry());
        }
        Map<String, Double> otherCounts = new HashMap<>();
        Map<String, Double> otherLags = new HashMap<>();
        if (vertx.isClustered()) {
            long now = System.currentTimeMillis();
            remote.values().removeIf(r -> now - r.getLong("received") > REMOTE_MAX_AGE_MS);
            for (JsonObject r : remote.values()) {
                r.getJsonObject("counts").forEach(e -> otherCounts.put(e.getKey(), ((Number) e.getValue()).doubleValue()));
                r.getJsonObject("lags").forEach(e -> otherLags.merge(e.getKey(), ((Number) e.getValue()).doubleValue(), Double::sum));
            }
            vertx.eventBus().publish(SAMPLE, origin);
        }
        Map<String, ConnectorRates.Rate> sampled = rates == null ? Map.of() : rates.sample(System.nanoTime(), otherCounts, otherLags);
        herder.connectors()
                .compose(names -> {
                    List<Future<JsonObject>> each = names.stream().map(this::connector).toList();
                    return Future.join(each).transform(ignored -> Future.succeededFuture(
                            each.stream().filter(Future::succeeded).map(Future::result).toList()));
                })
                .onComplete(ar -> context.runOnContext(v -> {
                    building = false;
                    if (ar.succeeded()) {
                        publish(ar.result(), sampled);
                    }
                }));
    }

    /** One connector's entry: status and class; fails when the connector went away meanwhile. */
    private Future<JsonObject> connector(String name) {
        Future<ConnectorStateInfo> status = herder.connectorStatus(name);
        Future<Herder.ConnectorInfo> info = herder.connectorInfo(name);
        return Future.all(status, info).map(v -> {
            JsonObject s = Json.status(status.result());
            JsonObject c = s.getJsonObject("connector");
            return new JsonObject()
                    .put("name", name)
                    .put("type", s.getString("type"))
                    .put("class", info.result().config().get("connector.class"))
                    .put("state", c.getString("state"))
                    .put("worker_id", c.getString("worker_id"))
                    .put("trace", c.getString("trace"))
                    .put("tasks", s.getJsonArray("tasks"));
        });
    }

    private void publish(List<JsonObject> connectors, Map<String, ConnectorRates.Rate> sampled) {
        JsonArray list = new JsonArray();
        Set<String> present = new LinkedHashSet<>();
        for (JsonObject c : connectors) {
            String name = c.getString("name");
            present.add(name);
            ConnectorRates.Rate rate = sampled.get(name);
            c.put("rate", rate == null ? null : round(rate.perSecond()));
            c.put("lag", rate == null || rate.lag() == null ? null : Math.round(rate.lag()));
            ArrayDeque<Double> h = history.computeIfAbsent(name, n -> new ArrayDeque<>());
            h.addLast(rate == null ? 0 : round(rate.perSecond()));
            while (h.size() > HISTORY) {
                h.removeFirst();
            }
            list.add(c);
        }
        history.keySet().retainAll(present);
        if (subscribers.isEmpty()) {
            return;
        }
        JsonObject snapshot = new JsonObject().put("time", System.currentTimeMillis()).put("connectors", list);
        String event = "data: " + snapshot.encode() + "\n\n";
        String first = fresh.isEmpty() ? null : "data: " + withHistory(snapshot).encode() + "\n\n";
        for (HttpServerResponse r : new ArrayList<>(subscribers)) {
            boolean isNew = fresh.remove(r);
            if (!r.writeQueueFull()) {
                r.write(isNew ? first : event);
            } else if (isNew) {
                fresh.add(r);
            }
        }
    }

    private JsonObject withHistory(JsonObject snapshot) {
        JsonObject copy = snapshot.copy();
        for (Object o : copy.getJsonArray("connectors")) {
            JsonObject c = (JsonObject) o;
            c.put("history", new JsonArray(new ArrayList<>(history.getOrDefault(c.getString("name"), new ArrayDeque<>()))));
        }
        return copy;
    }

    private static double round(double perSecond) {
        return Math.round(perSecond * 10) / 10.0;
    }
}
