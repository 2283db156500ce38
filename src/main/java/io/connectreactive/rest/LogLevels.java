package io.connectreactive.rest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Logback levels changed at run time, with Kafka Connect's semantics ({@code Loggers}): a level
 * applies to a logger and every known logger whose name starts with it; the root logger is called
 * {@code root}; each change is stamped with its time. When logback is not the SLF4J backend there
 * are no loggers to show or change. Thread-safe; every call is short and never blocks on I/O.
 */
final class LogLevels {

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(LogLevels.class);
    static final String ROOT = "root";

    private final LoggerContext context;
    private final Map<String, Long> lastModified = new ConcurrentHashMap<>();

    LogLevels() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        this.context = factory instanceof LoggerContext lc ? lc : null;
    }

    /** A logger's level (its own, else its effective one) and when it was last changed here, or null. */
    record LoggerLevel(String level, Long lastModified) {
    }

    /** Every logger that has a level of its own, by name. */
    synchronized Map<String, LoggerLevel> all() {
        Map<String, LoggerLevel> out = new TreeMap<>();
        if (context == null) {
            return out;
        }
        for (Logger logger : context.getLoggerList()) {
            if (logger.getLevel() != null) {
                out.put(name(logger), level(logger));
            }
        }
        return out;
    }

    /** The level of an existing logger, or null when no logger of that name exists. */
    synchronized LoggerLevel level(String name) {
        if (context == null) {
            return null;
        }
        Logger logger = ROOT.equalsIgnoreCase(name) ? context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) : context.exists(name);
        return logger == null ? null : level(logger);
    }

    /** Logback's level for a Kafka Connect level name (log4j's FATAL is logback's ERROR), or null if invalid. */
    static Level parse(String level) {
        String upper = level.trim().toUpperCase(Locale.ROOT);
        if (upper.equals("FATAL")) {
            return Level.ERROR;
        }
        Level parsed = Level.toLevel(upper, null);
        return parsed != null && parsed.toString().equals(upper) ? parsed : null;
    }

    /** Sets {@code namespace} and its descendants to {@code level}; the sorted names of the loggers that changed. */
    synchronized List<String> set(String namespace, Level level) {
        if (context == null) {
            return List.of();
        }
        LOG.info("Setting level of namespace {} and children to {}", namespace, level);
        List<Logger> loggers = new ArrayList<>();
        if (ROOT.equalsIgnoreCase(namespace)) {
            loggers.addAll(context.getLoggerList());
        } else {
            boolean present = false;
            for (Logger logger : context.getLoggerList()) {
                if (logger.getName().startsWith(namespace)) {
                    loggers.add(logger);
                }
                present |= logger.getName().equals(namespace);
            }
            if (!present) {
                loggers.add(context.getLogger(namespace));
            }
        }
        // levels before the change, since setting a parent changes its children's effective level (as Kafka Connect 4's Loggers)
        Map<Logger, Level> before = new LinkedHashMap<>();
        loggers.forEach(l -> before.put(l, l.getLevel() != null ? l.getLevel() : l.getEffectiveLevel()));
        long now = System.currentTimeMillis();
        List<String> changed = new ArrayList<>();
        before.forEach((logger, old) -> {
            logger.setLevel(level);
            if (!level.equals(old)) {
                lastModified.put(name(logger), now);
                changed.add(name(logger));
            }
        });
        Collections.sort(changed);
        return changed;
    }

    private LoggerLevel level(Logger logger) {
        Level level = logger.getLevel() != null ? logger.getLevel() : logger.getEffectiveLevel();
        return new LoggerLevel(level.toString(), lastModified.get(name(logger)));
    }

    private static String name(Logger logger) {
        return org.slf4j.Logger.ROOT_LOGGER_NAME.equals(logger.getName()) ? ROOT : logger.getName();
    }
}
