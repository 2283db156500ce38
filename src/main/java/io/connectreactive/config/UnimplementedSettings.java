package io.connectreactive.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The Kafka Connect 4.3.1 worker settings ({@code DistributedConfig}, {@code StandaloneConfig}) that
 * this runtime neither declares in {@link WorkerConfig} nor honours (and {@code exactly.once.source.support},
 * which only a clustered worker honours), and what a worker does when one is set: it refuses to start when ignoring the setting would lose data or a guarantee
 * ({@link #refuse}), and otherwise warns once per key that it is ignored ({@link #warnings}). Keys
 * passed on to clients and converters ({@code producer.*}, {@code consumer.*}, {@code admin.*},
 * {@code ssl.*}, {@code sasl.*}, {@code key.converter.*}, ...) are honoured and not listed here.
 * Called by {@link WorkerConfig}'s constructor, on the thread that builds the configuration.
 */
final class UnimplementedSettings {

    /**
     * Kafka Connect's exactly-once source support (KIP-618): {@code disabled}, {@code enabled} or {@code preparing}.
     * Honoured by a clustered worker (its value checked here, as Kafka Connect's distributed worker checks it);
     * a standalone worker ignores it with a warning, as Kafka Connect's standalone worker has no such key.
     */
    static final String EXACTLY_ONCE_SOURCE_SUPPORT = "exactly.once.source.support";
    static final String EXACTLY_ONCE_SOURCE_SUPPORT_DEFAULT = "disabled";
    /** Kafka Connect's {@code response.http.headers.config}: headers (HSTS, CSP, ...) added to REST responses. */
    static final String RESPONSE_HTTP_HEADERS = "response.http.headers.config";
    /** The prefix of Kafka Connect's admin listeners' own TLS settings. */
    static final String ADMIN_HTTPS_PREFIX = "admin.listeners.https.";

    private static final String CLIENT_ADVICE = "set it under producer., consumer. or admin. for the clients it should reach";
    private static final String MEMBERSHIP_ADVICE = "cluster membership runs over Hazelcast: see runtime.cluster.*";
    private static final String SIGNING_ADVICE = "requests between workers are not signed";
    private static final String METRICS_ADVICE = "metrics are served by GET /metrics and as Kafka Connect's JMX MBeans "
            + "(metrics.jmx.enable), their rates and averages over a fixed window of 30 to 60 s";

    /** Why an ignored key is ignored, and whether Kafka Connect's standalone worker has it at all. */
    private record Ignored(boolean distributedOnly, String advice) {
    }

    /** The keys warned about, with the advice the warning gives. */
    private static final Map<String, Ignored> IGNORED = new TreeMap<>(Map.ofEntries(
            // the REST server's (RestServerConfig, both modes)
            Map.entry("access.control.allow.origin", new Ignored(false, "REST responses carry no CORS headers")),
            Map.entry("access.control.allow.methods", new Ignored(false, "REST responses carry no CORS headers")),
            // Kafka Connect's metrics (both modes)
            Map.entry("metric.reporters", new Ignored(false, METRICS_ADVICE)),
            Map.entry("metrics.num.samples", new Ignored(false, METRICS_ADVICE)),
            Map.entry("metrics.recording.level", new Ignored(false, METRICS_ADVICE)),
            Map.entry("metrics.sample.window.ms", new Ignored(false, METRICS_ADVICE)),
            // top-level client settings: Kafka Connect gives them to its own clients; this runtime's take only the prefixed ones
            Map.entry("client.dns.lookup", new Ignored(false, CLIENT_ADVICE)),
            Map.entry("client.id", new Ignored(true, CLIENT_ADVICE)),
            Map.entry("connections.max.idle.ms", new Ignored(true, CLIENT_ADVICE)),
            Map.entry("metadata.max.age.ms", new Ignored(true, CLIENT_ADVICE)),
            Map.entry("metadata.recovery.strategy", new Ignored(true, CLIENT_ADVICE)),
            Map.entry("metadata.recovery.rebootstrap.trigger.ms", new Ignored(true, CLIENT_ADVICE)),
            Map.entry("receive.buffer.bytes", new Ignored(true, CLIENT_ADVICE)),
            Map.entry("send.buffer.bytes", new Ignored(true, CLIENT_ADVICE)),
            Map.entry("reconnect.backoff.ms", new Ignored(true, CLIENT_ADVICE)),
            Map.entry("reconnect.backoff.max.ms", new Ignored(true, CLIENT_ADVICE)),
            Map.entry("request.timeout.ms", new Ignored(true, CLIENT_ADVICE)),
            Map.entry("retry.backoff.ms", new Ignored(true, CLIENT_ADVICE)),
            Map.entry("retry.backoff.max.ms", new Ignored(true, CLIENT_ADVICE)),
            Map.entry("socket.connection.setup.timeout.ms", new Ignored(true, CLIENT_ADVICE)),
            Map.entry("socket.connection.setup.timeout.max.ms", new Ignored(true, CLIENT_ADVICE)),
            // Kafka Connect's group membership and rebalancing (DistributedConfig)
            Map.entry("connect.protocol", new Ignored(true, MEMBERSHIP_ADVICE)),
            Map.entry("heartbeat.interval.ms", new Ignored(true, MEMBERSHIP_ADVICE)),
            Map.entry("session.timeout.ms", new Ignored(true, MEMBERSHIP_ADVICE)),
            Map.entry("rebalance.timeout.ms", new Ignored(true, MEMBERSHIP_ADVICE)),
            Map.entry("scheduled.rebalance.max.delay.ms", new Ignored(true, MEMBERSHIP_ADVICE
                    + "; a lost worker's connectors and tasks move after runtime.cluster.failure.timeout.seconds")),
            Map.entry("worker.sync.timeout.ms", new Ignored(true, MEMBERSHIP_ADVICE)),
            Map.entry("worker.unsync.backoff.ms", new Ignored(true, MEMBERSHIP_ADVICE)),
            // the signing of Kafka Connect's internal REST requests (DistributedConfig)
            Map.entry("inter.worker.key.generation.algorithm", new Ignored(true, SIGNING_ADVICE)),
            Map.entry("inter.worker.key.size", new Ignored(true, SIGNING_ADVICE)),
            Map.entry("inter.worker.key.ttl.ms", new Ignored(true, SIGNING_ADVICE)),
            Map.entry("inter.worker.signature.algorithm", new Ignored(true, SIGNING_ADVICE)),
            Map.entry("inter.worker.verification.algorithms", new Ignored(true, SIGNING_ADVICE))));

    private static final ConfigDef.Validator EXACTLY_ONCE_SOURCE_SUPPORT_VALUES =
            ConfigDef.CaseInsensitiveValidString.in("disabled", "enabled", "preparing");

    private UnimplementedSettings() {
    }

    /** The Kafka Connect keys this class refuses or warns about (not the {@code admin.listeners.https.} prefix). */
    static Set<String> keys() {
        Set<String> out = new TreeSet<>(IGNORED.keySet());
        out.add(EXACTLY_ONCE_SOURCE_SUPPORT);
        out.add(RESPONSE_HTTP_HEADERS);
        return out;
    }

    /**
     * Refuses a setting this runtime cannot honour without losing data or a guarantee.
     *
     * @param props the worker's settings as given
     * @param clustered whether this is a clustered worker (Kafka Connect's distributed worker)
     * @throws ConfigException naming the first such key, in Kafka Connect's wording ("Invalid value ... for configuration ...")
     */
    static void refuse(Map<String, String> props, boolean clustered) {
        String eos = props.get(EXACTLY_ONCE_SOURCE_SUPPORT);
        if (clustered && eos != null) {
            // Kafka Connect's standalone worker has no such key and ignores it: only a distributed worker reads it
            EXACTLY_ONCE_SOURCE_SUPPORT_VALUES.ensureValid(EXACTLY_ONCE_SOURCE_SUPPORT, eos.trim());
        }
        String headers = props.get(RESPONSE_HTTP_HEADERS);
        if (headers != null && !headers.isBlank()) {
            throw new ConfigException(RESPONSE_HTTP_HEADERS, headers, "this runtime does not implement it: the headers "
                    + "would not be sent; remove it");
        }
        for (String key : new TreeMap<>(props).keySet()) {
            if (key.startsWith(ADMIN_HTTPS_PREFIX)) {
                throw new ConfigException(key, key.contains("password") ? "[hidden]" : props.get(key), "this runtime does not implement "
                        + ADMIN_HTTPS_PREFIX + "* (the admin listeners' own TLS settings): HTTPS admin listeners use the "
                        + "listeners' settings (" + WorkerConfig.HTTPS_PREFIX + "* or ssl.*); remove it");
            }
        }
    }

    /**
     * One warning per Kafka Connect setting that is set and that this runtime ignores, by key.
     *
     * @param props the worker's settings as given
     * @param clustered whether this is a clustered worker
     */
    static List<String> warnings(Map<String, String> props, boolean clustered) {
        List<String> out = new ArrayList<>();
        String eos = props.get(EXACTLY_ONCE_SOURCE_SUPPORT);
        if (!clustered && eos != null && !EXACTLY_ONCE_SOURCE_SUPPORT_DEFAULT.equals(eos.trim().toLowerCase(Locale.ROOT))) {
            out.add(EXACTLY_ONCE_SOURCE_SUPPORT + " is a setting of Kafka Connect's distributed workers; a standalone worker "
                    + "ignores it, as Kafka Connect's does: standalone workers cannot provide exactly-once semantics");
        }
        IGNORED.forEach((key, ignored) -> {
            if (props.containsKey(key)) {
                out.add(ignored.distributedOnly() && !clustered
                        ? key + " is a setting of Kafka Connect's distributed workers; a standalone worker ignores it, as "
                                + "Kafka Connect's does"
                        : key + " is a Kafka Connect setting this runtime does not implement; it is ignored ("
                                + ignored.advice() + ")");
            }
        });
        return out;
    }
}
