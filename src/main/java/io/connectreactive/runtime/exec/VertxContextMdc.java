package io.connectreactive.runtime.exec;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxThread;
import org.slf4j.MDC;
import org.slf4j.Marker;

/**
 * A logback turbo filter (declared in {@code logback.xml}) that gives a log line made on a Vert.x
 * thread the {@link LogContext#KEY} of the context it runs in: the task's when a task verticle's
 * handler logs, none otherwise. Threads outside Vert.x keep their own MDC (a task's thread sets it once).
 * Runs on the logging thread for each enabled log call; one thread-local lookup, never blocks.
 */
public final class VertxContextMdc extends TurboFilter {

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level != null && logger != null && !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
            return FilterReply.NEUTRAL;
        }
        if (!(Thread.currentThread() instanceof VertxThread)) {
            return FilterReply.NEUTRAL;
        }
        Context context = Vertx.currentContext();
        Object value = context == null ? null : context.get(LogContext.KEY);
        if (value != null) {
            MDC.put(LogContext.KEY, value.toString());
        } else {
            MDC.remove(LogContext.KEY);
        }
        return FilterReply.NEUTRAL;
    }
}
