package io.connectreactive.rest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

import io.connectreactive.config.WorkerConfig;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;

/**
 * The TLS settings of the HTTPS listeners, read as Kafka Connect reads them: the
 * {@code listeners.https.ssl.*} keys when any {@code listeners.https.} key is set, else the worker's
 * {@code ssl.*} keys ({@code ssl.keystore.*}, {@code ssl.key.password}, {@code ssl.truststore.*},
 * {@code ssl.client.auth}, {@code ssl.enabled.protocols}, {@code ssl.cipher.suites}). Key and trust
 * stores (JKS or PKCS12) are loaded once, when the options are built: call it off the event loop.
 */
public final class RestTls {

    private static final ConfigDef SSL_DEF = new ConfigDef();

    static {
        SslConfigs.addClientSslSupport(SSL_DEF);
        SSL_DEF.define(WorkerConfig.SSL_CLIENT_AUTH, ConfigDef.Type.STRING, "none",
                    ConfigDef.CaseInsensitiveValidString.in("none", "requested", "required"), ConfigDef.Importance.LOW,
                    "Whether clients must present a certificate.");
    }

    private RestTls() {
    }

    /**
     * Server options for an HTTPS listener.
     *
     * @throws ConfigException naming the key when a setting is missing or a store cannot be read
     */
    public static HttpServerOptions httpsOptions(WorkerConfig config) {
        Map<String, String> prefixed = config.withPrefix(WorkerConfig.HTTPS_PREFIX);
        String prefix = prefixed.isEmpty() ? "" : WorkerConfig.HTTPS_PREFIX;
        Map<String, String> settings = new HashMap<>();
        if (prefixed.isEmpty()) {
            config.rawConfig().forEach((k, v) -> {
                if (k.startsWith("ssl.")) {
                    settings.put(k, v);
                }
            });
        } else {
            settings.putAll(prefixed);
        }
        AbstractConfig ssl;
        try {
            ssl = new AbstractConfig(SSL_DEF, settings, false);
        } catch (ConfigException e) {
            throw new ConfigException("Invalid HTTPS listener setting" + (prefix.isEmpty() ? "" : " (under " + prefix + ")")
                    + ": " + e.getMessage());
        }
        HttpServerOptions options = new HttpServerOptions().setSsl(true);
        String keystore = ssl.getString(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG);
        if (keystore == null || keystore.isBlank()) {
            throw new ConfigException(prefix + SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, keystore, "an https listener needs a key store");
        }
        Password storePassword = ssl.getPassword(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG);
        Password keyPassword = ssl.getPassword(SslConfigs.SSL_KEY_PASSWORD_CONFIG);
        KeyStore keys = load(prefix + SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, keystore,
                ssl.getString(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG), storePassword);
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(ssl.getString(SslConfigs.SSL_KEYMANAGER_ALGORITHM_CONFIG));
            Password kp = keyPassword != null ? keyPassword : storePassword;
            kmf.init(keys, kp == null ? null : kp.value().toCharArray());
            options.setKeyCertOptions(KeyCertOptions.wrap(kmf));
        } catch (GeneralSecurityException e) {
            throw new ConfigException(prefix + SslConfigs.SSL_KEY_PASSWORD_CONFIG, "[hidden]",
                    "cannot read the key of " + keystore + ": " + e.getMessage());
        }
        String truststore = ssl.getString(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG);
        if (truststore != null && !truststore.isBlank()) {
            KeyStore trust = load(prefix + SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore,
                    ssl.getString(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG), ssl.getPassword(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG));
            try {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(ssl.getString(SslConfigs.SSL_TRUSTMANAGER_ALGORITHM_CONFIG));
                tmf.init(trust);
                options.setTrustOptions(TrustOptions.wrap(tmf));
            } catch (GeneralSecurityException e) {
                throw new ConfigException(prefix + SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore, e.getMessage());
            }
        }
        options.setClientAuth(switch (ssl.getString(WorkerConfig.SSL_CLIENT_AUTH).toLowerCase(Locale.ROOT)) {
            case "required" -> ClientAuth.REQUIRED;
            case "requested" -> ClientAuth.REQUEST;
            default -> ClientAuth.NONE;
        });
        List<String> protocols = ssl.getList(SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG);
        if (protocols != null && !protocols.isEmpty()) {
            options.setEnabledSecureTransportProtocols(new LinkedHashSet<>(protocols));
        }
        List<String> ciphers = ssl.getList(SslConfigs.SSL_CIPHER_SUITES_CONFIG);
        if (ciphers != null) {
            ciphers.forEach(options::addEnabledCipherSuite);
        }
        return options;
    }

    private static KeyStore load(String key, String location, String type, Password password) {
        if (!"JKS".equalsIgnoreCase(type) && !"PKCS12".equalsIgnoreCase(type)) {
            throw new ConfigException(key.replace("location", "type"), type, "only JKS and PKCS12 stores are supported");
        }
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            KeyStore store = KeyStore.getInstance(type.toUpperCase(Locale.ROOT));
            store.load(in, password == null ? null : password.value().toCharArray());
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(key, location, "cannot read the " + type + " store: " + e.getMessage());
        }
    }
}
