package io.connectreactive.connectors.http;

import java.util.ArrayList;
import java.util.HashMap;
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
 * The configuration of {@link HttpSourceConnector} and its task: every key declared once in
 * {@link #CONFIG_DEF}; the keys shared with the sink ({@link HttpSettings}) keep their names, their
 * meaning said per mode. {@link #HttpSourceConfig(Map)} parses and checks (the checks across keys
 * in {@link #crossCheck}). An immutable value once built: any thread.
 */
final class HttpSourceConfig {

    static final String TOPIC = "topic";
    static final String MODE = "http.mode";
    static final String VALUE_FORMAT = "http.value.format";
    static final String KEY_HEADER = "http.key.header";
    static final String KEY_JSON_FIELD = "http.key.json.field";
    static final String LISTEN_HOST = "http.listen.host";
    static final String LISTEN_PORT = "http.listen.port";
    static final String LISTEN_PATH = "http.listen.path";
    static final String MAX_PENDING = "http.max.pending";
    static final String MAX_BODY_BYTES = "http.max.body.bytes";
    static final String URL = "http.url";
    static final String POLL_INTERVAL_MS = "http.poll.interval.ms";
    static final String JSON_SPLIT = "http.json.split";
    static final String TIMEOUT_MS = "http.timeout.ms";
    static final String RETRY_BACKOFF_MS = "http.retry.backoff.ms";
    static final String RETRY_BACKOFF_MAX_MS = "http.retry.backoff.max.ms";
    /** Kafka Connect's key: one task per connector here. */
    static final String TASKS_MAX = "tasks.max";

    enum Mode { WEBHOOK, POLL }

    enum ValueFormat { STRING, BYTES, JSON }

    private static final String GROUP_SOURCE = "Source";
    private static final String GROUP_WEBHOOK = "Webhook";
    private static final String GROUP_POLL = "Poll";

    static final ConfigDef CONFIG_DEF = configDef();

    /** The keys in the order they are listed (validation answers, documentation); the shared ones declared by {@link HttpSettings}. */
    private static ConfigDef configDef() {
        ConfigDef def = new ConfigDef()
                .define(TOPIC, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                        "The topic the records go to.", GROUP_SOURCE, 1, ConfigDef.Width.MEDIUM, "Topic")
                .define(MODE, Type.STRING, "webhook", ConfigDef.CaseInsensitiveValidString.in("webhook", "poll"), Importance.HIGH,
                        "webhook: an HTTP server takes POSTed bodies (answered 200 once in Kafka); poll: GET http.url periodically.",
                        GROUP_SOURCE, 2, ConfigDef.Width.SHORT, "Mode")
                .define(VALUE_FORMAT, Type.STRING, "string", ConfigDef.CaseInsensitiveValidString.in("string", "bytes", "json"),
                        Importance.MEDIUM, "The record value: string (the body as UTF-8 text), bytes (as received) or json "
                                + "(parsed, schemaless maps and lists as JsonConverter with schemas.enable=false gives them).",
                        GROUP_SOURCE, 3, ConfigDef.Width.SHORT, "Value format")
                .define(KEY_HEADER, Type.STRING, null, Importance.MEDIUM,
                        "Webhook: the request header whose value is the record key (a string).",
                        GROUP_SOURCE, 4, ConfigDef.Width.MEDIUM, "Key header")
                .define(KEY_JSON_FIELD, Type.STRING, null, Importance.MEDIUM,
                        "A top-level field of a JSON object body (or array element) whose value is the record key: a string as is, "
                                + "another value as its JSON text; no key when the body is not an object or lacks the field.",
                        GROUP_SOURCE, 5, ConfigDef.Width.MEDIUM, "Key JSON field")
                .define(LISTEN_HOST, Type.STRING, "0.0.0.0", Importance.MEDIUM, "Webhook: the address to listen on.",
                        GROUP_WEBHOOK, 1, ConfigDef.Width.MEDIUM, "Listen host")
                .define(LISTEN_PORT, Type.INT, null, ConfigDef.LambdaValidator.with((name, value) -> {
                            if (value != null) {
                                Range.between(0, 65535).ensureValid(name, value);
                            }
                        }, () -> "[0,...,65535]"), Importance.HIGH,
                        "Webhook: the port to listen on (required in webhook mode; 0 picks a free port, for tests).",
                        GROUP_WEBHOOK, 2, ConfigDef.Width.SHORT, "Listen port")
                .define(LISTEN_PATH, Type.STRING, "/", Importance.MEDIUM, "Webhook: the path POSTs go to; others answer 404.",
                        GROUP_WEBHOOK, 3, ConfigDef.Width.MEDIUM, "Listen path")
                .define(MAX_PENDING, Type.INT, 1000, Range.atLeast(1), Importance.MEDIUM,
                        "Webhook: requests awaiting Kafka's acknowledgement at once; more are answered 429 with Retry-After: 1.",
                        GROUP_WEBHOOK, 4, ConfigDef.Width.SHORT, "Max pending")
                .define(MAX_BODY_BYTES, Type.INT, 1024 * 1024, Range.atLeast(1), Importance.MEDIUM,
                        "Webhook: the largest body; a larger one is answered 413.", GROUP_WEBHOOK, 5, ConfigDef.Width.SHORT, "Max body bytes")
                .define(URL, Type.STRING, null, Importance.HIGH, "Poll: the http:// or https:// URL to GET (required in poll mode).",
                        GROUP_POLL, 1, ConfigDef.Width.LONG, "URL")
                .define(POLL_INTERVAL_MS, Type.LONG, 10_000L, Range.atLeast(1), Importance.MEDIUM,
                        "Poll: the time between the end of one GET and the next.", GROUP_POLL, 2, ConfigDef.Width.SHORT, "Poll interval (ms)")
                .define(JSON_SPLIT, Type.BOOLEAN, true, Importance.MEDIUM,
                        "Poll: a JSON array body becomes one record per element; false: one record per body.",
                        GROUP_POLL, 3, ConfigDef.Width.SHORT, "Split JSON arrays");
        HttpSettings.defineHeaders(def, GROUP_POLL, 4, "Poll: headers of every GET, a comma-separated list of Name:Value.");
        def
                .define(TIMEOUT_MS, Type.INT, 30_000, Range.atLeast(1), Importance.MEDIUM,
                        "Poll: how long to wait for a connection and for the answer.", GROUP_POLL, 5, ConfigDef.Width.SHORT, "Timeout (ms)")
                .define(RETRY_BACKOFF_MS, Type.LONG, 1_000L, Range.atLeast(1), Importance.LOW,
                        "Poll: the wait after a failed GET (connection error, timeout, a status other than 2xx and 304), "
                                + "doubling per failure up to http.retry.backoff.max.ms, instead of the poll interval.",
                        GROUP_POLL, 6, ConfigDef.Width.SHORT, "Retry backoff (ms)")
                .define(RETRY_BACKOFF_MAX_MS, Type.LONG, 60_000L, Range.atLeast(1), Importance.LOW,
                        "Poll: the longest wait after failed GETs.", GROUP_POLL, 7, ConfigDef.Width.SHORT, "Retry backoff max (ms)");
        HttpSettings.defineAuth(def, "Webhook: what callers must present (others get 401); poll: what the GET sends. none, basic "
                + "(http.auth.username and http.auth.password) or bearer (http.auth.token).");
        HttpSettings.defineKeystore(def, 1,
                "Webhook: the server's key and certificate; set, the server speaks HTTPS only. Poll: a client key for mutual TLS.");
        HttpSettings.defineTruststore(def, 4, "Poll: the trust store for an https URL; unset: the JVM's default trusted certificates.");
        return HttpSettings.defineVerifyHostname(def, 7, "Poll: the server's certificate must name the URL's host.");
    }

    final String topic;
    final Mode mode;
    final ValueFormat valueFormat;
    final String keyHeader;
    final String keyJsonField;
    final String listenHost;
    final int listenPort;
    final String listenPath;
    final int maxPending;
    final int maxBodyBytes;
    final String url;
    final long pollIntervalMs;
    final boolean jsonSplit;
    final Map<String, String> headers;
    final int timeoutMs;
    final long retryBackoffMs;
    final long retryBackoffMaxMs;
    /** {@code http.auth.*} and {@code http.ssl.*}. */
    final HttpSettings.Security security;

    /** @throws ConfigException when the configuration is invalid */
    HttpSourceConfig(Map<String, String> props) {
        Map<String, Object> p = CONFIG_DEF.parse(props);
        List<String> problems = new ArrayList<>();
        crossCheck(p, props.get(TASKS_MAX), (key, message) -> problems.add(key + ": " + message));
        if (!problems.isEmpty()) {
            throw new ConfigException("Invalid HTTP source configuration: " + String.join("; ", problems));
        }
        topic = ((String) p.get(TOPIC)).trim();
        mode = Mode.valueOf(HttpSettings.upper(p.get(MODE)));
        valueFormat = ValueFormat.valueOf(HttpSettings.upper(p.get(VALUE_FORMAT)));
        keyHeader = HttpSettings.blankToNull((String) p.get(KEY_HEADER));
        keyJsonField = HttpSettings.blankToNull((String) p.get(KEY_JSON_FIELD));
        listenHost = ((String) p.get(LISTEN_HOST)).trim();
        listenPort = p.get(LISTEN_PORT) == null ? -1 : (Integer) p.get(LISTEN_PORT);
        listenPath = ((String) p.get(LISTEN_PATH)).trim();
        maxPending = (Integer) p.get(MAX_PENDING);
        maxBodyBytes = (Integer) p.get(MAX_BODY_BYTES);
        url = HttpSettings.blankToNull((String) p.get(URL));
        pollIntervalMs = (Long) p.get(POLL_INTERVAL_MS);
        jsonSplit = (Boolean) p.get(JSON_SPLIT);
        headers = Map.copyOf(HttpSettings.headers((List<?>) p.get(HttpSettings.HEADERS)));
        timeoutMs = (Integer) p.get(TIMEOUT_MS);
        retryBackoffMs = (Long) p.get(RETRY_BACKOFF_MS);
        retryBackoffMaxMs = (Long) p.get(RETRY_BACKOFF_MAX_MS);
        security = HttpSettings.Security.of(p);
    }

    /**
     * The checks across keys: webhook mode needs {@code http.listen.port} and one task (one port,
     * one server, one task); poll mode needs an http(s) {@code http.url} and one task (one
     * resource); basic authentication a user name, bearer a token; a path that starts with /.
     */
    static void crossCheck(Map<String, Object> parsed, Object tasksMax, BiConsumer<String, String> problem) {
        HttpSettings.checkAuth(parsed, problem);
        Object m = parsed.get(MODE);
        boolean poll = m != null && String.valueOf(m).trim().equalsIgnoreCase("poll");
        if (tasksMax != null && !String.valueOf(tasksMax).trim().equals("1")) {
            problem.accept(MODE, (poll ? "poll mode reads one URL" : "webhook mode listens on one port")
                    + " with one task: tasks.max must be 1, was " + tasksMax);
        }
        if (poll) {
            String url = HttpSettings.blankToNull((String) parsed.get(URL));
            if (url == null) {
                problem.accept(URL, URL + " is required when " + MODE + " is poll");
            } else {
                try {
                    UrlTemplate.validator().ensureValid(URL, url);
                } catch (ConfigException e) {
                    problem.accept(URL, e.getMessage());
                }
            }
        } else if (m != null) {
            if (parsed.get(LISTEN_PORT) == null) {
                problem.accept(LISTEN_PORT, LISTEN_PORT + " is required when " + MODE + " is webhook");
            }
            Object path = parsed.get(LISTEN_PATH);
            if (path != null && !String.valueOf(path).trim().startsWith("/")) {
                problem.accept(LISTEN_PATH, LISTEN_PATH + " must start with /, was '" + path + "'");
            }
        }
        Object backoff = parsed.get(RETRY_BACKOFF_MS);
        Object max = parsed.get(RETRY_BACKOFF_MAX_MS);
        if (backoff instanceof Long b && max instanceof Long x && x < b) {
            problem.accept(RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_MAX_MS + " (" + x + ") is below " + RETRY_BACKOFF_MS + " (" + b + ")");
        }
    }

    /** Adds {@link #crossCheck}'s problems to a validation's values (values of keys that failed alone are skipped). */
    static void crossCheck(Map<String, ConfigValue> values, Object tasksMax) {
        Map<String, Object> parsed = new HashMap<>();
        values.forEach((k, v) -> {
            if (v.errorMessages().isEmpty()) {
                parsed.put(k, v.value());
            }
        });
        crossCheck(parsed, tasksMax, (key, message) -> {
            ConfigValue v = values.get(key);
            if (v != null) {
                v.addErrorMessage(message);
            }
        });
    }
}
