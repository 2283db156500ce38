package io.connectreactive.connectors.postgres;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.common.config.ConfigException;

/**
 * A PostgreSQL JDBC URL as JDBC sinks take it, {@code jdbc:postgresql://host[:port]/database[?k=v&...]},
 * parsed into what Vert.x's PostgreSQL client needs: host, port (5432 by default), database and
 * the parameters this sink honours ({@code sslmode}, {@code sslrootcert}, {@code user},
 * {@code password}); other parameters are ignored. An immutable value: any thread.
 *
 * @param host the host name or address (an IPv6 address without brackets)
 * @param port the port
 * @param database the database name
 * @param params the query parameters, decoded
 */
record JdbcUrl(String host, int port, String database, Map<String, String> params) {

    static final String PREFIX = "jdbc:postgresql://";
    static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    /** @throws ConfigException naming {@code key} when the URL cannot be used */
    static JdbcUrl parse(String key, String url) {
        if (url == null || url.isBlank()) {
            throw new ConfigException(key, url, "must be a jdbc:postgresql://host:port/database URL");
        }
        String u = url.trim();
        if (!u.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            throw new ConfigException(key, redact(u), "must be a jdbc:postgresql://host:port/database URL");
        }
        String rest = u.substring(PREFIX.length());
        int q = rest.indexOf('?');
        String query = q < 0 ? "" : rest.substring(q + 1);
        String hostPath = q < 0 ? rest : rest.substring(0, q);
        int slash = hostPath.indexOf('/');
        if (slash < 0 || slash == hostPath.length() - 1) {
            throw new ConfigException(key, redact(u), "names no database: expected jdbc:postgresql://host:port/database");
        }
        String authority = hostPath.substring(0, slash);
        String database = decode(hostPath.substring(slash + 1));
        if (authority.contains(",")) {
            throw new ConfigException(key, redact(u), "names several hosts; PostgresSink connects to one host");
        }
        String host;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new ConfigException(key, redact(u), "has an unclosed IPv6 address");
            }
            host = authority.substring(1, close);
            if (close + 1 < authority.length()) {
                if (authority.charAt(close + 1) != ':') {
                    throw new ConfigException(key, redact(u), "has an invalid host");
                }
                portText = authority.substring(close + 2);
            }
        } else {
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new ConfigException(key, redact(u), "names no host");
        }
        int port = 5432;
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new ConfigException(key, redact(u), "has an invalid port '" + portText + "'");
            }
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            params.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        String sslmode = params.get("sslmode");
        if (sslmode != null && !SSL_MODES.contains(sslmode.toLowerCase(Locale.ROOT))) {
            throw new ConfigException(key, redact(u), "has an invalid sslmode '" + sslmode + "': expected one of "
                    + String.join(", ", new TreeSet<>(SSL_MODES)));
        }
        return new JdbcUrl(host, port, database, Map.copyOf(params));
    }

    /** The {@code sslmode} parameter, lower case, or null when absent. */
    String sslMode() {
        String m = params.get("sslmode");
        return m == null ? null : m.toLowerCase(Locale.ROOT);
    }

    /** host:port/database, for messages (never a password). */
    String describe() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database;
    }

    /** The URL with its query (which may hold a password) cut off. */
    static String redact(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q) + "?...";
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
