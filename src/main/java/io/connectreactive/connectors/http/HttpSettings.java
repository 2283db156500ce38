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
import io.vertx.ext.web.client.WebClientOptions;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * What the HTTP sink and the HTTP source share: the keys both use ({@code http.headers},
 * {@code http.auth.*}, {@code http.ssl.*}), declared here with their type, default, validator,
 * importance and group ({@code define*}: each config calls them where the keys stand in its
 * {@link ConfigDef}, passing the wording that says what the key means for that connector), their
 * parsed values ({@link Security}), the parsing of headers, the check that basic authentication has
 * a user name and bearer a token, the {@code Authorization} value, and the reading of key and trust
 * stores with Vert.x's asynchronous file system. Static helpers and immutable values: any thread
 * (the store reads complete on the caller's context).
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
    static final String VERIFY_HOSTNAME = "http.ssl.verify.hostname";

    static final String GROUP_AUTH = "Authentication";
    static final String GROUP_TLS = "TLS";

    enum Auth { NONE, BASIC, BEARER }

    /**
     * The parsed {@code http.auth.*} and {@code http.ssl.*} keys of a sink or source configuration;
     * store types upper case, blank store locations null.
     */
    record Security(Auth auth, String username, Password password, Password token,
                    Store truststore, Store keystore, boolean verifyHostname) {

        /** The keys' values out of a {@link ConfigDef#parse} result that holds them. */
        static Security of(Map<String, Object> parsed) {
            return new Security(Auth.valueOf(upper(parsed.get(AUTH_TYPE))), (String) parsed.get(AUTH_USERNAME),
                    (Password) parsed.get(AUTH_PASSWORD), (Password) parsed.get(AUTH_TOKEN),
                    Store.of(parsed, TRUSTSTORE_LOCATION, TRUSTSTORE_PASSWORD, TRUSTSTORE_TYPE),
                    Store.of(parsed, KEYSTORE_LOCATION, KEYSTORE_PASSWORD, KEYSTORE_TYPE),
                    (Boolean) parsed.get(VERIFY_HOSTNAME));
        }

        /** The {@code Authorization} header value, or null for {@code none}. */
        String authorization() {
            return switch (auth) {
                case NONE -> null;
                case BASIC -> "Basic " + Base64.getEncoder().encodeToString(
                        (username + ":" + value(password)).getBytes(StandardCharsets.UTF_8));
                case BEARER -> "Bearer " + value(token);
            };
        }
    }

    /** A key or trust store: its location (null when unset), password and type (JKS, PKCS12 or PEM). */
    record Store(String location, Password password, String type) {

        private static Store of(Map<String, Object> parsed, String location, String password, String type) {
            return new Store(blankToNull((String) parsed.get(location)), (Password) parsed.get(password), upper(parsed.get(type)));
        }
    }

    private HttpSettings() {
    }

    /** Declares {@code http.headers} in {@code group} at {@code order}, with the connector's wording. */
    static ConfigDef defineHeaders(ConfigDef def, String group, int order, String doc) {
        return def.define(HEADERS, Type.LIST, "", headersValidator(), Importance.MEDIUM, doc,
                group, order, ConfigDef.Width.LONG, "Headers");
    }

    /** Declares {@code http.auth.*} as the group Authentication; {@code typeDoc} says what the type means for the connector. */
    static ConfigDef defineAuth(ConfigDef def, String typeDoc) {
        return def
                .define(AUTH_TYPE, Type.STRING, "none", authTypes(), Importance.HIGH, typeDoc,
                        GROUP_AUTH, 1, ConfigDef.Width.SHORT, "Authentication")
                .define(AUTH_USERNAME, Type.STRING, null, Importance.HIGH, "The user name of basic authentication.",
                        GROUP_AUTH, 2, ConfigDef.Width.MEDIUM, "User name")
                .define(AUTH_PASSWORD, Type.PASSWORD, null, Importance.HIGH, "The password of basic authentication.",
                        GROUP_AUTH, 3, ConfigDef.Width.MEDIUM, "Password")
                .define(AUTH_TOKEN, Type.PASSWORD, null, Importance.HIGH, "The token of bearer authentication.",
                        GROUP_AUTH, 4, ConfigDef.Width.LONG, "Token");
    }

    /** Declares {@code http.ssl.truststore.*} in the group TLS at {@code first} to {@code first + 2}. */
    static ConfigDef defineTruststore(ConfigDef def, int first, String locationDoc) {
        return def
                .define(TRUSTSTORE_LOCATION, Type.STRING, null, Importance.MEDIUM, locationDoc,
                        GROUP_TLS, first, ConfigDef.Width.LONG, "Trust store")
                .define(TRUSTSTORE_PASSWORD, Type.PASSWORD, null, Importance.MEDIUM, "The trust store's password.",
                        GROUP_TLS, first + 1, ConfigDef.Width.MEDIUM, "Trust store password")
                .define(TRUSTSTORE_TYPE, Type.STRING, "JKS", storeTypes(), Importance.LOW,
                        "JKS, PKCS12 or PEM (certificates).", GROUP_TLS, first + 2, ConfigDef.Width.SHORT, "Trust store type");
    }

    /** Declares {@code http.ssl.keystore.*} in the group TLS at {@code first} to {@code first + 2}. */
    static ConfigDef defineKeystore(ConfigDef def, int first, String locationDoc) {
        return def
                .define(KEYSTORE_LOCATION, Type.STRING, null, Importance.MEDIUM, locationDoc,
                        GROUP_TLS, first, ConfigDef.Width.LONG, "Key store")
                .define(KEYSTORE_PASSWORD, Type.PASSWORD, null, Importance.MEDIUM, "The key store's password (and its key's).",
                        GROUP_TLS, first + 1, ConfigDef.Width.MEDIUM, "Key store password")
                .define(KEYSTORE_TYPE, Type.STRING, "JKS", storeTypes(), Importance.LOW,
                        "JKS, PKCS12 or PEM (an unencrypted private key and its certificates in one file).",
                        GROUP_TLS, first + 2, ConfigDef.Width.SHORT, "Key store type");
    }

    /** Declares {@code http.ssl.verify.hostname} in the group TLS at {@code order}. */
    static ConfigDef defineVerifyHostname(ConfigDef def, int order, String doc) {
        return def.define(VERIFY_HOSTNAME, Type.BOOLEAN, true, Importance.MEDIUM, doc,
                GROUP_TLS, order, ConfigDef.Width.SHORT, "Verify host name");
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

    /**
     * {@code options} with {@link Security}'s host name check and its trust and key stores, which
     * are read asynchronously first (a store that cannot be read fails the Future).
     */
    static Future<WebClientOptions> clientOptions(Vertx vertx, Security security, WebClientOptions options) {
        Future<Buffer> trust = readStore(vertx, security.truststore().location(), TRUSTSTORE_LOCATION);
        Future<Buffer> keys = readStore(vertx, security.keystore().location(), KEYSTORE_LOCATION);
        return Future.all(trust, keys).map(v -> {
            options.setVerifyHost(security.verifyHostname());
            if (trust.result() != null) {
                options.setTrustOptions(trustOptions(security.truststore(), trust.result()));
            }
            if (keys.result() != null) {
                options.setKeyCertOptions(keyOptions(security.keystore(), keys.result()));
            }
            return options;
        });
    }

    static TrustOptions trustOptions(Store store, Buffer bytes) {
        return switch (store.type()) {
            case "PKCS12" -> new PfxOptions().setValue(bytes).setPassword(value(store.password()));
            case "PEM" -> new PemTrustOptions().addCertValue(bytes);
            default -> new JksOptions().setValue(bytes).setPassword(value(store.password()));
        };
    }

    static KeyCertOptions keyOptions(Store store, Buffer bytes) {
        return switch (store.type()) {
            case "PKCS12" -> new PfxOptions().setValue(bytes).setPassword(value(store.password()));
            case "PEM" -> new PemKeyCertOptions().addKeyValue(bytes).addCertValue(bytes);
            default -> new JksOptions().setValue(bytes).setPassword(value(store.password()));
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
