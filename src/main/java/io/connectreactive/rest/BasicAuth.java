package io.connectreactive.rest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.URIParameter;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;

import io.connectreactive.config.WorkerConfig;
import io.vertx.core.Future;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.AuthenticationProvider;
import io.vertx.ext.auth.authentication.Credentials;
import io.vertx.ext.auth.authentication.UsernamePasswordCredentials;
import org.apache.kafka.common.config.ConfigException;

/**
 * HTTP basic authentication compatible with Kafka Connect's {@code BasicAuthSecurityRestExtension}:
 * the JAAS section {@code KafkaConnect} must name
 * {@code org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule} with option
 * {@code file}, a properties file of {@code user: password} (or {@code user=password}) lines. The JAAS
 * configuration is the JVM's ({@code -Djava.security.auth.login.config}), or the file named by
 * {@code rest.basic.auth.jaas.file}. As in Kafka Connect, an empty credentials file lets every request
 * through. The files are read once, at start; requests are checked in memory.
 */
public final class BasicAuth implements AuthenticationProvider {

    /** Kafka Connect's JAAS section. */
    public static final String SECTION = "KafkaConnect";
    /** Kafka Connect's login module reading a credentials file. */
    public static final String LOGIN_MODULE = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule";
    /** Kafka Connect's answer to a request without valid credentials. */
    public static final String UNAUTHORIZED = "User cannot access the resource.";

    private final Map<String, byte[]> credentials;

    private BasicAuth(Map<String, byte[]> credentials) {
        this.credentials = credentials;
    }

    /** Reads the JAAS configuration and the credentials file it names; blocks. */
    public static BasicAuth load(WorkerConfig config) {
        String jaasFile = config.getString(WorkerConfig.REST_BASIC_AUTH_JAAS_FILE);
        String key = jaasFile != null ? WorkerConfig.REST_BASIC_AUTH_JAAS_FILE : "java.security.auth.login.config";
        Configuration jaas;
        try {
            jaas = jaasFile != null
                    ? Configuration.getInstance("JavaLoginConfig", new URIParameter(Path.of(jaasFile).toUri()))
                    : Configuration.getConfiguration();
        } catch (Exception e) {
            throw new ConfigException(key, jaasFile, "cannot read the JAAS configuration: " + e.getMessage());
        }
        AppConfigurationEntry[] entries = jaas.getAppConfigurationEntry(SECTION);
        if (entries == null || entries.length == 0) {
            throw new ConfigException(WorkerConfig.REST_EXTENSION_CLASSES, WorkerConfig.BASIC_AUTH_EXTENSION,
                    "basic authentication needs a JAAS section " + SECTION + " (" + key + ")");
        }
        Map<String, byte[]> users = new HashMap<>();
        for (AppConfigurationEntry entry : entries) {
            if (!LOGIN_MODULE.equals(entry.getLoginModuleName())) {
                throw new ConfigException(key, entry.getLoginModuleName(),
                        "only " + LOGIN_MODULE + " is supported in the JAAS section " + SECTION);
            }
            Object file = entry.getOptions().get("file");
            if (!(file instanceof String f) || f.isBlank()) {
                throw new ConfigException(key, null, "the JAAS section " + SECTION + " needs file=\"/path/to/credentials.properties\"");
            }
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(Path.of(f))) {
                p.load(in);
            } catch (IOException e) {
                throw new ConfigException(key, f, "cannot read the credentials file: " + e.getMessage());
            }
            p.stringPropertyNames().forEach(u -> users.put(u, p.getProperty(u).getBytes(StandardCharsets.UTF_8)));
        }
        return new BasicAuth(Map.copyOf(users));
    }

    /** Whether every request passes (an empty credentials file, as in Kafka Connect). */
    public boolean open() {
        return credentials.isEmpty();
    }

    @Override
    public Future<User> authenticate(Credentials given) {
        if (!(given instanceof UsernamePasswordCredentials up) || up.getUsername() == null || up.getPassword() == null) {
            return Future.failedFuture(UNAUTHORIZED);
        }
        byte[] expected = credentials.get(up.getUsername());
        byte[] actual = up.getPassword().getBytes(StandardCharsets.UTF_8);
        if (expected != null && MessageDigest.isEqual(expected, actual)) {
            return Future.succeededFuture(User.fromName(up.getUsername()));
        }
        return Future.failedFuture(UNAUTHORIZED);
    }
}
