package io.connectreactive.connectors.http;

import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.JksOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.core.net.TrustOptions;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * What the HTTP sink and the HTTP source share: the keys both use ({@code http.headers},
 * {@code http.auth.*}, {@code http.ssl.*}), the parsing of headers, the check that basic
 * authentication has a user name and bearer a token, the {@code Authorization} value, and the
 * reading of key and trust stores with Vert.x's asynchronous file system. Static helpers without
 * state: any thread (the store reads complete on the caller's context).
 */
final class HttpSettings {

    static final String HEADERS = "http.headers";
    static final String AUTH_TYPE = "http.auth.type";
    static final String AUTH_USERNAME = "http.auth.username";
    static final String AUTH_PASSWORD = "http.auth.password";
    static final String AUTH_TOKEN = "http.auth.token";
    static final String TRUSTSTORE_LOCATION = "http.ssl.truststore.location";
    static final String TRUSTSTORE_PASSWORD = "http.ssl.truststore.password";
    static final String TRUSTSTORE_TYPE = "http.ssl.truststore.type";
    static final String KEYSTORE_LOCATION = "http.ssl.keystore.location";
    static final String KEYSTORE_PASSWORD = "http.ssl.keystore.password";
    static final String KEYSTORE_TYPE = "http.ssl.keystore.type";

    enum Auth { NONE, BASIC, BEARER }

    private HttpSettings() {
    }

    /** {@code http.auth.type}'s validator: none, basic or bearer. */
    static ConfigDef.Validator authTypes() {
        return ConfigDef.CaseInsensitiveValidString.in("none", "basic", "bearer");
    }

    /** A store type's validator: JKS, PKCS12 or PEM. */
    static ConfigDef.Validator storeTypes() {
        return ConfigDef.CaseInsensitiveValidString.in("JKS", "PKCS12", "PEM");
    }

    /** Basic authentication needs a user name, bearer a token: each problem to {@code problem} with its key. */
    static void checkAuth(Map<String, Object> parsed, BiConsumer<String, String> problem) {
        Object type = parsed.get(AUTH_TYPE);
        String auth = type == null ? "none" : String.valueOf(type).trim().toLowerCase(Locale.ROOT);
        if (auth.equals("basic") && blankToNull((String) parsed.get(AUTH_USERNAME)) == null) {
            problem.accept(AUTH_USERNAME, AUTH_USERNAME + " is required when " + AUTH_TYPE + " is basic");
        }
        if (auth.equals("bearer")) {
            Password token = (Password) parsed.get(AUTH_TOKEN);
            if (token == null || token.value() == null || token.value().isBlank()) {
                problem.accept(AUTH_TOKEN, AUTH_TOKEN + " is required when " + AUTH_TYPE + " is bearer");
            }
        }
    }

    /** The {@code Authorization} header value of a configuration, or null for {@code none}. */
    static String authorization(Auth auth, String username, Password password, Password token) {
        return switch (auth) {
            case NONE -> null;
            case BASIC -> "Basic " + Base64.getEncoder().encodeToString(
                    (username + ":" + value(password)).getBytes(StandardCharsets.UTF_8));
            case BEARER -> "Bearer " + value(token);
        };
    }

    static ConfigDef.Validator headersValidator() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value == null) {
                    return;
                }
                for (Object item : (List<?>) value) {
                    try {
                        splitHeader(String.valueOf(item));
                    } catch (IllegalArgumentException e) {
                        throw new ConfigException(name, value, e.getMessage());
                    }
                }
            }

            @Override
            public String toString() {
                return "a comma-separated list of Name:Value";
            }
        };
    }

    /** {@code http.headers} as name to value, in order. */
    static Map<String, String> headers(List<?> items) {
        Map<String, String> h = new LinkedHashMap<>();
        for (Object item : items) {
            String[] nv = splitHeader(String.valueOf(item));
            h.put(nv[0], nv[1]);
        }
        return h;
    }

    static String[] splitHeader(String item) {
        int colon = item.indexOf(':');
        String name = colon < 0 ? "" : item.substring(0, colon).trim();
        if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0)) {
            throw new IllegalArgumentException("'" + item + "' is not a header Name:Value");
        }
        return new String[] {name, item.substring(colon + 1).trim()};
    }

    /** A store's bytes, read asynchronously from the file system (never the class path); null when unset. */
    static Future<Buffer> readStore(Vertx vertx, String location, String key) {
        if (location == null) {
            return Future.succeededFuture(null);
        }
        String path;
        try {
            path = Paths.get(location).toAbsolutePath().toString();
        } catch (RuntimeException e) {
            return Future.failedFuture(new ConnectException("Invalid " + key + " '" + location + "'", e));
        }
        return vertx.fileSystem().readFile(path).recover(err -> Future.failedFuture(
                new ConnectException("Could not read " + key + " '" + location + "': " + err.getMessage(), err)));
    }

    static TrustOptions trustOptions(String type, Buffer store, Password password) {
        return switch (type) {
            case "PKCS12" -> new PfxOptions().setValue(store).setPassword(value(password));
            case "PEM" -> new PemTrustOptions().addCertValue(store);
            default -> new JksOptions().setValue(store).setPassword(value(password));
        };
    }

    static KeyCertOptions keyOptions(String type, Buffer store, Password password) {
        return switch (type) {
            case "PKCS12" -> new PfxOptions().setValue(store).setPassword(value(password));
            case "PEM" -> new PemKeyCertOptions().addKeyValue(store).addCertValue(store);
            default -> new JksOptions().setValue(store).setPassword(value(password));
        };
    }

    static String value(Password p) {
        return p == null ? null : p.value();
    }

    static String upper(Object v) {
        return String.valueOf(v).trim().toUpperCase(Locale.ROOT);
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
