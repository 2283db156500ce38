package io.connectreactive.connectors.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;

/**
 * The configuration of {@link HttpSinkConnector} and its task: every key declared once, with its
 * default and documentation, in {@link #CONFIG_DEF}; {@link #HttpSinkConfig(Map)} parses and
 * checks a configuration (the checks that span keys included, {@link #crossCheck}). An immutable
 * value once built: any thread.
 */
final class HttpSinkConfig {

    static final String URL = "http.url";
    static final String METHOD = "http.method";
    static final String TIMEOUT_MS = "http.timeout.ms";
    static final String BATCH_MAX_RECORDS = "http.batch.max.records";
    static final String BATCH_MAX_BYTES = "http.batch.max.bytes";
    static final String BATCH_LINGER_MS = "http.batch.linger.ms";
    static final String MAX_IN_FLIGHT = "http.max.in.flight";
    static final String RETRY_BACKOFF_MS = "http.retry.backoff.ms";
    static final String RETRY_BACKOFF_MAX_MS = "http.retry.backoff.max.ms";
    static final String RETRY_AFTER_MAX_MS = "http.retry.after.max.ms";
    static final String RETRY_MAX = "http.retry.max";
    static final String NULL_VALUES = "http.null.values";
    /** Kafka Connect's key, read (not declared) by the task: with no reporter, {@code all} skips failed records. */
    static final String ERRORS_TOLERANCE = "errors.tolerance";

    enum Method { POST, PUT, PATCH }

    enum NullValues { IGNORE, SEND, FAIL }

    private static final String GROUP_HTTP = "HTTP";
    private static final String GROUP_DELIVERY = "Delivery";

    static final ConfigDef CONFIG_DEF = configDef();

    /** The keys in the order they are listed (validation answers, documentation); the shared ones declared by {@link HttpSettings}. */
    private static ConfigDef configDef() {
        ConfigDef def = new ConfigDef()
                .define(URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, UrlTemplate.validator(), Importance.HIGH,
                        "The endpoint, http:// or https://. ${topic}, ${key} and ${partition} are replaced by the record's topic, "
                                + "key and partition, URL-encoded. Credentials belong in http.auth.*, not in the URL.",
                        GROUP_HTTP, 1, ConfigDef.Width.LONG, "URL")
                .define(METHOD, Type.STRING, "POST", ConfigDef.CaseInsensitiveValidString.in("POST", "PUT", "PATCH"), Importance.MEDIUM,
                        "The request method: POST, PUT or PATCH.", GROUP_HTTP, 2, ConfigDef.Width.SHORT, "Method");
        HttpSettings.defineHeaders(def, GROUP_HTTP, 3,
                "Headers of every request, a comma-separated list of Name:Value (a value cannot hold a comma). "
                        + "A Content-Type given here applies to bodies that are not JSON.");
        def.define(TIMEOUT_MS, Type.INT, 30_000, Range.atLeast(1), Importance.MEDIUM,
                "How long to wait for a connection and for the server's answer before the attempt fails (and is retried).",
                GROUP_HTTP, 4, ConfigDef.Width.SHORT, "Timeout (ms)");
        HttpSettings.defineAuth(def, "none, basic (http.auth.username and http.auth.password) or bearer (http.auth.token).");
        HttpSettings.defineTruststore(def, 1, "The trust store for https endpoints; unset: the JVM's default trusted certificates.");
        HttpSettings.defineKeystore(def, 4,
                "A key store with this client's key and certificate, for endpoints that ask for one (mutual TLS).");
        HttpSettings.defineVerifyHostname(def, 7, "Check that the server's certificate names the URL's host.");
        return def
                .define(BATCH_MAX_RECORDS, Type.INT, 1, Range.atLeast(1), Importance.MEDIUM,
                        "1: one record per request, its value as the body. More: records of one partition (and one URL) "
                                + "sent together as a JSON array of their values.",
                        GROUP_DELIVERY, 1, ConfigDef.Width.SHORT, "Batch records")
                .define(BATCH_MAX_BYTES, Type.INT, 1024 * 1024, Range.atLeast(1), Importance.LOW,
                        "The largest array body; a single value larger than this is sent alone.",
                        GROUP_DELIVERY, 2, ConfigDef.Width.SHORT, "Batch bytes")
                .define(BATCH_LINGER_MS, Type.LONG, 0L, Range.atLeast(0), Importance.LOW,
                        "How long a batch that is not full waits for more records of its partition before it is sent; "
                                + "0 sends what is queued as soon as the partition's previous request succeeded.",
                        GROUP_DELIVERY, 3, ConfigDef.Width.SHORT, "Batch linger (ms)")
                .define(MAX_IN_FLIGHT, Type.INT, 5, Range.atLeast(1), Importance.MEDIUM,
                        "Requests under way at once per task; one per partition at a time, so that each partition's order holds.",
                        GROUP_DELIVERY, 4, ConfigDef.Width.SHORT, "Max in flight")
                .define(RETRY_BACKOFF_MS, Type.LONG, 100L, Range.atLeast(0), Importance.LOW,
                        "The wait before the first retry of a failed request (connection error, timeout, 5xx, 429); it doubles on each retry.",
                        GROUP_DELIVERY, 5, ConfigDef.Width.SHORT, "Retry backoff (ms)")
                .define(RETRY_BACKOFF_MAX_MS, Type.LONG, 10_000L, Range.atLeast(0), Importance.LOW,
                        "The longest wait between retries. A Retry-After header (seconds or a date) is honoured up to "
                                + RETRY_AFTER_MAX_MS + ".",
                        GROUP_DELIVERY, 6, ConfigDef.Width.SHORT, "Retry backoff max (ms)")
                .define(RETRY_AFTER_MAX_MS, Type.LONG, 60_000L, Range.atLeast(0), Importance.LOW,
                        "The longest wait a server's Retry-After may impose; a longer one waits this long (logged once per task).",
                        GROUP_DELIVERY, 7, ConfigDef.Width.SHORT, "Retry-After max (ms)")
                .define(RETRY_MAX, Type.INT, 10, Range.atLeast(-1), Importance.MEDIUM,
                        "Retries of a request before its records are failed (errors.tolerance, dead-letter queue); -1 retries forever.",
                        GROUP_DELIVERY, 8, ConfigDef.Width.SHORT, "Max retries")
                .define(NULL_VALUES, Type.STRING, "ignore", ConfigDef.CaseInsensitiveValidString.in("ignore", "send", "fail"), Importance.LOW,
                        "Records with a null value (tombstones): ignore (skipped, their offsets commit), send (an empty body, "
                                + "or null in an array) or fail (as a failed request).",
                        GROUP_DELIVERY, 9, ConfigDef.Width.SHORT, "Null values");
    }

    final UrlTemplate url;
    final Method method;
    /** Header name to value, Content-Type excluded. */
    final Map<String, String> headers;
    /** The Content-Type of {@code http.headers}, or null. */
    final String contentType;
    /** {@code http.auth.*} and {@code http.ssl.*}. */
    final HttpSettings.Security security;
    final int timeoutMs;
    final int batchMaxRecords;
    final int batchMaxBytes;
    final long batchLingerMs;
    final int maxInFlight;
    final long retryBackoffMs;
    final long retryBackoffMaxMs;
    final long retryAfterMaxMs;
    final int retryMax;
    final NullValues nullValues;
    final boolean tolerateAll;

    /** @throws ConfigException when the configuration is invalid */
    HttpSinkConfig(Map<String, String> props) {
        Map<String, Object> p = CONFIG_DEF.parse(props);
        List<String> problems = new ArrayList<>();
        crossCheck(p, (key, message) -> problems.add(key + ": " + message));
        if (!problems.isEmpty()) {
            throw new ConfigException("Invalid HTTP sink configuration: " + String.join("; ", problems));
        }
        url = UrlTemplate.parse(URL, (String) p.get(URL));
        method = Method.valueOf(upper(p.get(METHOD)));
        Map<String, String> h = new LinkedHashMap<>();
        String ct = null;
        for (Object item : (List<?>) p.get(HttpSettings.HEADERS)) {
            String[] nv = HttpSettings.splitHeader(String.valueOf(item));
            if (nv[0].equalsIgnoreCase("Content-Type")) {
                ct = nv[1];
            } else {
                h.put(nv[0], nv[1]);
            }
        }
        headers = Map.copyOf(h);
        contentType = ct;
        security = HttpSettings.Security.of(p);
        timeoutMs = (Integer) p.get(TIMEOUT_MS);
        batchMaxRecords = (Integer) p.get(BATCH_MAX_RECORDS);
        batchMaxBytes = (Integer) p.get(BATCH_MAX_BYTES);
        batchLingerMs = (Long) p.get(BATCH_LINGER_MS);
        maxInFlight = (Integer) p.get(MAX_IN_FLIGHT);
        retryBackoffMs = (Long) p.get(RETRY_BACKOFF_MS);
        retryBackoffMaxMs = (Long) p.get(RETRY_BACKOFF_MAX_MS);
        retryAfterMaxMs = (Long) p.get(RETRY_AFTER_MAX_MS);
        retryMax = (Integer) p.get(RETRY_MAX);
        nullValues = NullValues.valueOf(upper(p.get(NULL_VALUES)));
        tolerateAll = "all".equalsIgnoreCase(String.valueOf(props.getOrDefault(ERRORS_TOLERANCE, "none")).trim());
    }

    /** True when records are sent as JSON arrays. */
    boolean batching() {
        return batchMaxRecords > 1;
    }

    /**
     * The checks that span keys, on parsed values: basic authentication needs a user name, bearer a
     * token. Each problem goes to {@code problem} with the key it belongs to.
     */
    static void crossCheck(Map<String, Object> parsed, BiConsumer<String, String> problem) {
        HttpSettings.checkAuth(parsed, problem);
        Object backoff = parsed.get(RETRY_BACKOFF_MS);
        Object max = parsed.get(RETRY_BACKOFF_MAX_MS);
        if (backoff instanceof Long b && max instanceof Long m && m < b) {
            problem.accept(RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_MAX_MS + " (" + m + ") is below " + RETRY_BACKOFF_MS + " (" + b + ")");
        }
    }

    /** Adds {@link #crossCheck}'s problems to the values of a validation (values of keys that failed alone are skipped). */
    static void crossCheck(Map<String, ConfigValue> values) {
        Map<String, Object> parsed = new HashMap<>();
        values.forEach((k, v) -> {
            if (v.errorMessages().isEmpty()) {
                parsed.put(k, v.value());
            }
        });
        crossCheck(parsed, (key, message) -> {
            ConfigValue v = values.get(key);
            if (v != null) {
                v.addErrorMessage(message);
            }
        });
    }

    private static String upper(Object v) {
        return HttpSettings.upper(v);
    }
}
