package io.connectreactive.rest;

import io.connectreactive.herder.BadRequestException;
import io.connectreactive.herder.ConflictException;
import io.connectreactive.herder.ForbiddenException;
import io.connectreactive.plugin.PluginRegistry;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.apache.kafka.connect.errors.AlreadyExistsException;
import org.apache.kafka.connect.errors.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns failures into Kafka Connect's error body {@code {"error_code": N, "message": "..."}}, with
 * {@code error_code} equal to the HTTP status. The caller's mistakes are 4xx and logged at most at
 * debug; anything else is a 500, logged once with its stack trace.
 */
public final class ErrorMapper {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

    private ErrorMapper() {
    }

    /** The HTTP status for a failure. */
    public static int status(Throwable t) {
        if (t instanceof HttpError e) {
            return e.status();
        }
        if (t instanceof NotFoundException) {
            return 404;
        }
        if (t instanceof AlreadyExistsException || t instanceof ConflictException) {
            return 409;
        }
        if (t instanceof ForbiddenException) {
            return 403;
        }
        if (t instanceof BadRequestException || t instanceof DecodeException
                || t instanceof PluginRegistry.PluginNotFoundException) {
            return 400;
        }
        if (t instanceof LinkageError) {
            // only plugin code lacks classes or fails to initialise them here: the request named a broken plugin
            return 400;
        }
        return 500;
    }

    /** Ends the request with the error body for {@code t}. */
    public static void respond(RoutingContext ctx, Throwable t) {
        int status = status(t);
        String message = t instanceof LinkageError
                ? "The plugin could not load or initialise a class it needs: " + t
                : t.getMessage() == null ? t.toString() : t.getMessage();
        if (status >= 500) {
            LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), t);
        } else {
            LOG.debug("{} {}: {} {}", ctx.request().method(), ctx.request().path(), status, message);
        }
        send(ctx, status, message);
    }

    /** Ends the request with {@code status} and the error body. */
    public static void send(RoutingContext ctx, int status, String message) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error_code", status).put("message", message).encode());
    }

    /** A failure with an explicit HTTP status. */
    public static final class HttpError extends RuntimeException {
        private final int status;

        public HttpError(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
