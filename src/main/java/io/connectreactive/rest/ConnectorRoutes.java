package io.connectreactive.rest;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.connectreactive.herder.BadRequestException;
import io.connectreactive.herder.Herder;
import io.connectreactive.model.TargetState;
import io.connectreactive.model.TaskId;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.kafka.connect.errors.NotFoundException;

/**
 * {@code /connectors}: Kafka Connect's connector resource, same paths, status codes and JSON. The
 * handlers never block: each calls the herder and answers when its Future completes.
 */
final class ConnectorRoutes {

    private final Herder herder;

    ConnectorRoutes(Herder herder) {
        this.herder = herder;
    }

    void mount(Router router) {
        router.get("/connectors").handler(this::list);
        router.post("/connectors").handler(this::create);
        router.get("/connectors/:name").handler(ctx -> reply(ctx, 200, herder.connectorInfo(name(ctx)).map(Json::connectorInfo)));
        router.delete("/connectors/:name").handler(ctx -> reply(ctx, 204, herder.deleteConnector(name(ctx))));
        router.get("/connectors/:name/config").handler(ctx -> reply(ctx, 200, herder.connectorConfig(name(ctx)).map(Json::config)));
        router.put("/connectors/:name/config").handler(this::putConfig);
        router.get("/connectors/:name/status").handler(ctx -> reply(ctx, 200, herder.connectorStatus(name(ctx)).map(Json::status)));
        router.get("/connectors/:name/tasks").handler(ctx -> reply(ctx, 200, herder.taskConfigs(name(ctx)).map(Json::tasks)));
        router.get("/connectors/:name/tasks/:task/status").handler(ctx ->
                reply(ctx, 200, taskId(ctx).compose(herder::taskStatus).map(Json::taskState)));
        router.post("/connectors/:name/tasks/:task/restart").handler(ctx ->
                reply(ctx, 204, taskId(ctx).compose(herder::restartTask)));
        router.put("/connectors/:name/pause").handler(ctx -> reply(ctx, 202, herder.pauseConnector(name(ctx))));
        router.put("/connectors/:name/resume").handler(ctx -> reply(ctx, 202, herder.resumeConnector(name(ctx))));
        router.post("/connectors/:name/restart").handler(this::restart);
        router.patch("/connectors/:name/config").handler(this::patchConfig);
        router.put("/connectors/:name/stop").handler(ctx -> reply(ctx, 204, herder.stopConnector(name(ctx))));
        // Kafka Connect's internal endpoint (KIP-618): forwarded to the leader as the other writes are
        router.put("/connectors/:name/fence").handler(ctx -> reply(ctx, 204, herder.fenceZombies(name(ctx))));
        router.get("/connectors/:name/offsets").handler(ctx -> reply(ctx, 200, herder.connectorOffsets(name(ctx)).map(Json::offsets)));
        router.patch("/connectors/:name/offsets").handler(this::alterOffsets);
        router.delete("/connectors/:name/offsets").handler(ctx ->
                reply(ctx, 200, herder.resetConnectorOffsets(name(ctx)).map(Json::message)));
        router.get("/connectors/:name/topics").handler(ctx -> reply(ctx, 200, herder.connectorActiveTopics(name(ctx))
                .map(topics -> Json.activeTopics(name(ctx), topics))));
        router.put("/connectors/:name/topics/reset").handler(ctx -> reply(ctx, 202, herder.resetConnectorActiveTopics(name(ctx))));
    }

    /**
     * {@code PATCH /connectors/{name}/config} (KIP-477): a flat map of strings in which null removes a
     * key; 200 with the merged ConnectorInfo, 404 when unknown, 400 as PUT for an invalid result.
     */
    private void patchConfig(RoutingContext ctx) {
        Future<Herder.ConnectorInfo> patched;
        try {
            patched = herder.patchConnectorConfig(name(ctx), stringMap(bodyObject(ctx), true));
        } catch (RuntimeException e) {
            patched = Future.failedFuture(e);
        }
        reply(ctx, 200, patched.map(Json::connectorInfo));
    }

    /**
     * {@code PATCH /connectors/{name}/offsets} (KIP-875): body {@code {"offsets": [{"partition": {...},
     * "offset": {...} | null}]}}; 400 for a missing or empty list or a malformed body (Kafka Connect
     * answers some of those with 500).
     */
    private void alterOffsets(RoutingContext ctx) {
        Future<String> altered;
        try {
            altered = herder.alterConnectorOffsets(name(ctx), Json.parseOffsets(bodyObject(ctx)));
        } catch (RuntimeException e) {
            altered = Future.failedFuture(e);
        }
        reply(ctx, 200, altered.map(Json::message));
    }

    /**
     * {@code GET /connectors}: the names, or with {@code ?expand=status} and/or {@code ?expand=info}
     * (KIP-465) an object of {@code {"<name>": {"status": ..., "info": ...}}}. Unknown expansions are
     * ignored; a connector deleted during the call is left out.
     */
    private void list(RoutingContext ctx) {
        boolean status = ctx.queryParam("expand").stream().anyMatch("status"::equalsIgnoreCase);
        boolean info = ctx.queryParam("expand").stream().anyMatch("info"::equalsIgnoreCase);
        if (!status && !info) {
            reply(ctx, 200, herder.connectors().map(JsonArray::new));
            return;
        }
        reply(ctx, 200, herder.connectors().compose(names -> {
            List<Future<JsonObject>> each = names.stream().map(name -> expanded(name, status, info)).toList();
            return Future.join(each).transform(ignored -> {
                JsonObject out = new JsonObject();
                for (int i = 0; i < names.size(); i++) {
                    if (each.get(i).succeeded()) {
                        out.put(names.get(i), each.get(i).result());
                    }
                }
                return Future.succeededFuture(out);
            });
        }));
    }

    private Future<JsonObject> expanded(String name, boolean status, boolean info) {
        Future<JsonObject> s = status ? herder.connectorStatus(name).map(Json::status) : Future.succeededFuture();
        Future<JsonObject> i = info ? herder.connectorInfo(name).map(Json::connectorInfo) : Future.succeededFuture();
        return Future.all(s, i).map(v -> {
            JsonObject out = new JsonObject();
            if (status) {
                out.put("status", s.result());
            }
            if (info) {
                out.put("info", i.result());
            }
            return out;
        });
    }

    /**
     * {@code POST /connectors/{name}/restart}: 204 without parameters; with {@code includeTasks} or
     * {@code onlyFailed} (KIP-745) 202 and the status in which the restarted instances read RESTARTING.
     */
    private void restart(RoutingContext ctx) {
        boolean includeTasks = booleanParam(ctx, "includeTasks");
        boolean onlyFailed = booleanParam(ctx, "onlyFailed");
        if (!includeTasks && !onlyFailed) {
            reply(ctx, 204, herder.restartConnector(name(ctx)));
        } else {
            reply(ctx, 202, herder.restartConnectorAndTasks(name(ctx), onlyFailed, includeTasks).map(Json::status));
        }
    }

    /** A JAX-RS boolean query parameter: true when "true" in any case, false otherwise or when absent. */
    private static boolean booleanParam(RoutingContext ctx, String name) {
        String value = ctx.request().getParam(name);
        return value != null && value.trim().equalsIgnoreCase("true");
    }

    private void create(RoutingContext ctx) {
        Future<Herder.Created<Herder.ConnectorInfo>> created;
        try {
            JsonObject body = bodyObject(ctx);
            Object rawName = body.getValue("name");
            if (!(rawName instanceof String s) || s.trim().isEmpty()) {
                throw new BadRequestException("Connector name must be provided in the request body as \"name\"");
            }
            String name = s.trim();
            if (!(body.getValue("config") instanceof JsonObject configJson)) {
                throw new BadRequestException("Connector config must be provided in the request body as a JSON object \"config\"");
            }
            Map<String, String> config = stringMap(configJson);
            String configName = config.get("name");
            if (configName != null && !configName.equals(name)) {
                throw new BadRequestException("Connector name configuration (" + configName
                        + ") doesn't match connector name in the request body (" + name + ")");
            }
            config.put("name", name);
            TargetState initial = initialState(body.getValue("initial_state"));
            created = herder.putConnectorConfig(name, config, false, initial);
        } catch (RuntimeException e) {
            created = Future.failedFuture(e);
        }
        created.onComplete(ar -> {
            if (ar.failed()) {
                ErrorMapper.respond(ctx, ar.cause());
                return;
            }
            Herder.ConnectorInfo info = ar.result().result();
            ctx.response().setStatusCode(201)
                    .putHeader("Location", location(info.name()))
                    .putHeader("Content-Type", "application/json")
                    .end(Json.connectorInfo(info).encode());
        });
    }

    private void putConfig(RoutingContext ctx) {
        String name = name(ctx);
        Future<Herder.Created<Herder.ConnectorInfo>> put;
        try {
            Map<String, String> config = stringMap(bodyObject(ctx));
            String configName = config.get("name");
            if (configName != null && !configName.equals(name)) {
                throw new BadRequestException("Connector name configuration (" + configName
                        + ") doesn't match connector name in the URL (" + name + ")");
            }
            config.put("name", name);
            put = herder.putConnectorConfig(name, config, true, TargetState.STARTED);
        } catch (RuntimeException e) {
            put = Future.failedFuture(e);
        }
        put.onComplete(ar -> {
            if (ar.failed()) {
                ErrorMapper.respond(ctx, ar.cause());
                return;
            }
            boolean created = ar.result().created();
            if (created) {
                ctx.response().putHeader("Location", location(name));
            }
            ctx.response().setStatusCode(created ? 201 : 200)
                    .putHeader("Content-Type", "application/json")
                    .end(Json.connectorInfo(ar.result().result()).encode());
        });
    }

    private static TargetState initialState(Object raw) {
        if (raw == null) {
            return TargetState.STARTED;
        }
        String s = raw.toString().trim().toUpperCase(Locale.ROOT);
        return switch (s) {
            case "RUNNING" -> TargetState.STARTED;
            case "PAUSED" -> TargetState.PAUSED;
            case "STOPPED" -> TargetState.STOPPED;
            default -> throw new BadRequestException("Invalid initial state " + raw + ": expected RUNNING, PAUSED or STOPPED");
        };
    }

    static JsonObject bodyObject(RoutingContext ctx) {
        String text = ctx.body().asString();
        if (text == null || text.isBlank()) {
            throw new BadRequestException("Request body is missing: a JSON object is expected");
        }
        Object parsed;
        try {
            parsed = io.vertx.core.json.Json.decodeValue(text);
        } catch (DecodeException e) {
            throw new BadRequestException("Request body is not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof JsonObject obj)) {
            throw new BadRequestException("Request body must be a JSON object");
        }
        return obj;
    }

    /** A flat JSON object of config values; scalars become strings as Kafka Connect's Jackson does. */
    static Map<String, String> stringMap(JsonObject json) {
        return stringMap(json, false);
    }

    /** As {@link #stringMap(JsonObject)}; with {@code nullsAllowed} a null value stays null (PATCH removes the key). */
    static Map<String, String> stringMap(JsonObject json, boolean nullsAllowed) {
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, Object> e : json) {
            Object v = e.getValue();
            if (v == null && nullsAllowed) {
                out.put(e.getKey(), null);
                continue;
            }
            if (v == null) {
                throw new BadRequestException("Config value of " + e.getKey() + " must not be null");
            }
            if (v instanceof JsonObject || v instanceof JsonArray) {
                throw new BadRequestException("Config value of " + e.getKey() + " must be a string, not " + v);
            }
            out.put(e.getKey(), v.toString());
        }
        return out;
    }

    /** {@code /connectors/<name>} with the name percent-encoded as one path segment, as JAX-RS's UriBuilder does. */
    static String location(String name) {
        StringBuilder out = new StringBuilder("/connectors/");
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=:@".indexOf(c) >= 0)) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static String name(RoutingContext ctx) {
        return ctx.pathParam("name");
    }

    private static Future<TaskId> taskId(RoutingContext ctx) {
        try {
            return Future.succeededFuture(new TaskId(name(ctx), Integer.parseInt(ctx.pathParam("task"))));
        } catch (NumberFormatException e) {
            return Future.failedFuture(new NotFoundException("Unknown task: " + name(ctx) + "-" + ctx.pathParam("task")));
        }
    }

    /** Answers {@code status} with the future's value as JSON (or no body), or the mapped error. */
    static void reply(RoutingContext ctx, int status, Future<?> result) {
        result.onComplete(ar -> {
            if (ar.failed()) {
                ErrorMapper.respond(ctx, ar.cause());
                return;
            }
            Object value = ar.result();
            if (status == 204 || status == 202 && value == null || value == null) {
                ctx.response().setStatusCode(status).end();
                return;
            }
            String body = value instanceof JsonObject o ? o.encode() : value instanceof JsonArray a ? a.encode()
                    : io.vertx.core.json.Json.encode(value);
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
        });
    }
}
