package io.connectreactive.rest;

import java.util.Locale;
import java.util.UUID;

import ch.qos.logback.classic.Level;
import io.connectreactive.herder.BadRequestException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.kafka.connect.errors.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /admin/loggers} (KIP-495): the worker's log levels, read and changed at run time, with
 * Kafka Connect's JSON ({@code {"level": "INFO", "last_modified": null}}) and status codes, quirks
 * included: a missing level is a 400, an invalid one a 404. {@code ?scope=cluster} (KIP-976) answers
 * 204 and publishes the change on the event bus, which every worker of a cluster (only this one in
 * standalone mode) applies; an unknown scope is taken as {@code worker}. Runs on the REST server's event loop; level changes are short
 * in-memory operations.
 */
final class LoggerRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(LoggerRoutes.class);

    private static final String CLUSTER_LEVELS = "connect-reactive.log-levels";

    private final LogLevels levels = new LogLevels();
    private final Vertx vertx;
    private final String origin = UUID.randomUUID().toString();

    LoggerRoutes(Vertx vertx) {
        this.vertx = vertx;
    }

    void mount(Router router) {
        vertx.eventBus().<JsonObject>consumer(CLUSTER_LEVELS, msg -> {
            Level level = LogLevels.parse(msg.body().getString("level"));
            if (level != null && !origin.equals(msg.body().getString("origin"))) {
                levels.set(msg.body().getString("namespace"), level);
            }
        });
        router.get("/admin/loggers").handler(ctx -> {
            JsonObject out = new JsonObject();
            levels.all().forEach((name, level) -> out.put(name, json(level)));
            ConnectorRoutes.reply(ctx, 200, Future.succeededFuture(out));
        });
        router.get("/admin/loggers/:logger").handler(ctx -> {
            String name = ctx.pathParam("logger");
            LogLevels.LoggerLevel level = levels.level(name);
            ConnectorRoutes.reply(ctx, 200, level == null
                    ? Future.failedFuture(new NotFoundException("Logger " + name + " not found."))
                    : Future.succeededFuture(json(level)));
        });
        router.put("/admin/loggers/:logger").handler(this::setLevel);
    }

    private void setLevel(RoutingContext ctx) {
        String namespace = ctx.pathParam("logger");
        try {
            Object raw = ConnectorRoutes.bodyObject(ctx).getValue("level");
            if (raw == null) {
                throw new BadRequestException("Desired 'level' parameter was not specified in request.");
            }
            if (raw instanceof JsonObject || raw instanceof JsonArray) {
                throw new BadRequestException("The 'level' parameter must be a string, not " + raw);
            }
            Level level = LogLevels.parse(raw.toString());
            if (level == null) {
                throw new NotFoundException("invalid log level '" + raw + "'.");
            }
            String scope = ctx.request().getParam("scope", "worker");
            switch (scope.toLowerCase(Locale.ROOT)) {
                case "cluster" -> {
                    levels.set(namespace, level);
                    vertx.eventBus().publish(CLUSTER_LEVELS, new JsonObject().put("namespace", namespace)
                            .put("level", level.toString()).put("origin", origin));
                    ConnectorRoutes.reply(ctx, 204, Future.succeededFuture());
                }
                default -> {
                    if (!scope.equalsIgnoreCase("worker")) {
                        LOG.warn("Received invalid scope '{}' in request to adjust logging level; will default to worker", scope);
                    }
                    ConnectorRoutes.reply(ctx, 200, Future.succeededFuture(new JsonArray(levels.set(namespace, level))));
                }
            }
        } catch (RuntimeException e) {
            ErrorMapper.respond(ctx, e);
        }
    }

    private static JsonObject json(LogLevels.LoggerLevel level) {
        return new JsonObject().put("level", level.level()).put("last_modified", level.lastModified());
    }
}
