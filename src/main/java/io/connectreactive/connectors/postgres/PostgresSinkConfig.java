package io.connectreactive.connectors.postgres;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.types.Password;

/**
 * The configuration of {@link PostgresSinkConnector} and its task, with the key names and meanings
 * of Confluent's JDBC sink where they exist ({@code connection.*}, {@code insert.mode},
 * {@code pk.mode}, {@code pk.fields}, {@code delete.enabled}, {@code auto.create},
 * {@code auto.evolve}, {@code batch.size}, {@code max.retries}, {@code retry.backoff.ms}); every key
 * declared once in {@link #CONFIG_DEF}, the checks across keys in {@link #crossCheck}. An immutable
 * value once built: any thread.
 */
final class PostgresSinkConfig {

    static final String CONNECTION_URL = "connection.url";
    static final String CONNECTION_USER = "connection.user";
    static final String CONNECTION_PASSWORD = "connection.password";
    static final String POOL_SIZE = "connection.pool.size";
    static final String TABLE_NAME_FORMAT = "table.name.format";
    static final String INSERT_MODE = "insert.mode";
    static final String PK_MODE = "pk.mode";
    static final String PK_FIELDS = "pk.fields";
    static final String DELETE_ENABLED = "delete.enabled";
    static final String AUTO_CREATE = "auto.create";
    static final String AUTO_EVOLVE = "auto.evolve";
    static final String BATCH_SIZE = "batch.size";
    static final String MAX_RETRIES = "max.retries";
    static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
    /** Kafka Connect's key, read (not declared) by the task: with no reporter, {@code all} skips failed records. */
    static final String ERRORS_TOLERANCE = "errors.tolerance";

    enum InsertMode { INSERT, UPSERT }

    enum PkMode { NONE, RECORD_KEY, RECORD_VALUE }

    private static final String GROUP_CONNECTION = "Connection";
    private static final String GROUP_WRITES = "Writes";
    private static final String GROUP_DDL = "DDL support";
    private static final String GROUP_RETRIES = "Retries";

    static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(CONNECTION_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, urlValidator(), Importance.HIGH,
                    "The database, as a JDBC URL: jdbc:postgresql://host[:port]/database[?sslmode=...]. Of the parameters, "
                            + "sslmode (disable, allow, prefer, require, verify-ca, verify-full), sslrootcert, user and password are used.",
                    GROUP_CONNECTION, 1, ConfigDef.Width.LONG, "JDBC URL")
            .define(CONNECTION_USER, Type.STRING, null, Importance.HIGH, "The database user (or the URL's user parameter).",
                    GROUP_CONNECTION, 2, ConfigDef.Width.MEDIUM, "User")
            .define(CONNECTION_PASSWORD, Type.PASSWORD, null, Importance.HIGH, "The database user's password.",
                    GROUP_CONNECTION, 3, ConfigDef.Width.MEDIUM, "Password")
            .define(POOL_SIZE, Type.INT, 4, Range.between(1, 64), Importance.LOW,
                    "Connections of each task's pool; one batch at a time uses one of them, DDL and metadata reads another.",
                    GROUP_CONNECTION, 4, ConfigDef.Width.SHORT, "Pool size")
            .define(TABLE_NAME_FORMAT, Type.STRING, "${topic}", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "The destination table; ${topic} is replaced by the record's topic. schema.table names a schema; "
                            + "names are quoted, so their case is kept.",
                    GROUP_WRITES, 1, ConfigDef.Width.LONG, "Table name format")
            .define(INSERT_MODE, Type.STRING, "insert", ConfigDef.CaseInsensitiveValidString.in("insert", "upsert"), Importance.HIGH,
                    "insert: plain INSERT; upsert: INSERT ... ON CONFLICT (primary key) DO UPDATE, which makes replays idempotent.",
                    GROUP_WRITES, 2, ConfigDef.Width.SHORT, "Insert mode")
            .define(PK_MODE, Type.STRING, "none", ConfigDef.CaseInsensitiveValidString.in("none", "record_key", "record_value"),
                    Importance.HIGH, "Where the primary key comes from: none, record_key (the key: a primitive, or fields of a "
                            + "struct), record_value (fields of the value struct).",
                    GROUP_WRITES, 3, ConfigDef.Width.SHORT, "Primary key mode")
            .define(PK_FIELDS, Type.LIST, "", Importance.MEDIUM,
                    "The primary key columns. record_key: the key struct's fields (empty: all of them), or the one column name "
                            + "of a primitive key (empty: __connect_pk); record_value: the value struct's fields (empty: all).",
                    GROUP_WRITES, 4, ConfigDef.Width.LONG, "Primary key fields")
            .define(DELETE_ENABLED, Type.BOOLEAN, false, Importance.MEDIUM,
                    "A tombstone (null value) deletes the row of its key; needs pk.mode=record_key. When false, tombstones are skipped.",
                    GROUP_WRITES, 5, ConfigDef.Width.SHORT, "Delete enabled")
            .define(BATCH_SIZE, Type.INT, 500, Range.atLeast(1), Importance.MEDIUM,
                    "At most this many records per transaction; a larger batch from the consumer is written in several.",
                    GROUP_WRITES, 6, ConfigDef.Width.SHORT, "Batch size")
            .define(AUTO_CREATE, Type.BOOLEAN, false, Importance.MEDIUM,
                    "Create a missing table (CREATE TABLE) from the record's schema and primary key.",
                    GROUP_DDL, 1, ConfigDef.Width.SHORT, "Auto create")
            .define(AUTO_EVOLVE, Type.BOOLEAN, false, Importance.MEDIUM,
                    "Add the columns of new fields (ALTER TABLE ADD COLUMN); a new field must be optional or have a default.",
                    GROUP_DDL, 2, ConfigDef.Width.SHORT, "Auto evolve")
            .define(MAX_RETRIES, Type.INT, 10, Range.atLeast(0), Importance.MEDIUM,
                    "Retries of a batch that failed on a connection error, a serialization failure or a deadlock.",
                    GROUP_RETRIES, 1, ConfigDef.Width.SHORT, "Maximum retries")
            .define(RETRY_BACKOFF_MS, Type.INT, 3000, Range.atLeast(0), Importance.MEDIUM,
                    "The wait before each retry.", GROUP_RETRIES, 2, ConfigDef.Width.SHORT, "Retry backoff (ms)");

    final JdbcUrl url;
    final String user;
    final Password password;
    final int poolSize;
    final String tableNameFormat;
    final InsertMode insertMode;
    final PkMode pkMode;
    final List<String> pkFields;
    final boolean deleteEnabled;
    final boolean autoCreate;
    final boolean autoEvolve;
    final int batchSize;
    final int maxRetries;
    final int retryBackoffMs;
    final boolean tolerateAll;

    /** @throws ConfigException when the configuration is invalid */
    PostgresSinkConfig(Map<String, String> props) {
        Map<String, Object> p = CONFIG_DEF.parse(props);
        List<String> problems = new ArrayList<>();
        crossCheck(p, (key, message) -> problems.add(key + ": " + message));
        if (!problems.isEmpty()) {
            throw new ConfigException("Invalid PostgreSQL sink configuration: " + String.join("; ", problems));
        }
        url = JdbcUrl.parse(CONNECTION_URL, (String) p.get(CONNECTION_URL));
        String u = (String) p.get(CONNECTION_USER);
        user = u != null && !u.isBlank() ? u : url.params().getOrDefault("user", "postgres");
        Password pw = (Password) p.get(CONNECTION_PASSWORD);
        password = pw != null ? pw : url.params().containsKey("password") ? new Password(url.params().get("password")) : null;
        poolSize = (Integer) p.get(POOL_SIZE);
        tableNameFormat = (String) p.get(TABLE_NAME_FORMAT);
        insertMode = InsertMode.valueOf(upper(p.get(INSERT_MODE)));
        pkMode = PkMode.valueOf(upper(p.get(PK_MODE)));
        pkFields = ((List<?>) p.get(PK_FIELDS)).stream().map(f -> String.valueOf(f).trim()).filter(f -> !f.isEmpty()).toList();
        deleteEnabled = (Boolean) p.get(DELETE_ENABLED);
        autoCreate = (Boolean) p.get(AUTO_CREATE);
        autoEvolve = (Boolean) p.get(AUTO_EVOLVE);
        batchSize = (Integer) p.get(BATCH_SIZE);
        maxRetries = (Integer) p.get(MAX_RETRIES);
        retryBackoffMs = (Integer) p.get(RETRY_BACKOFF_MS);
        tolerateAll = "all".equalsIgnoreCase(String.valueOf(props.getOrDefault(ERRORS_TOLERANCE, "none")).trim());
    }

    /**
     * The checks that span keys, on parsed values: {@code delete.enabled} needs
     * {@code pk.mode=record_key} (as Confluent's and Debezium's JDBC sinks require), {@code upsert} a
     * primary key. Each problem goes to {@code problem} with the key it belongs to.
     */
    static void crossCheck(Map<String, Object> parsed, BiConsumer<String, String> problem) {
        String pk = parsed.get(PK_MODE) == null ? "none" : String.valueOf(parsed.get(PK_MODE)).trim().toLowerCase(Locale.ROOT);
        if (Boolean.TRUE.equals(parsed.get(DELETE_ENABLED)) && !pk.equals("record_key")) {
            problem.accept(DELETE_ENABLED, DELETE_ENABLED + "=true requires " + PK_MODE + "=record_key (it is " + pk + ")");
        }
        Object mode = parsed.get(INSERT_MODE);
        if (mode != null && String.valueOf(mode).trim().equalsIgnoreCase("upsert") && pk.equals("none")) {
            problem.accept(INSERT_MODE, INSERT_MODE + "=upsert requires a primary key: " + PK_MODE + " record_key or record_value");
        }
    }

    /** The checks across keys on a validation's values: each problem is added to its key's errors. */
    static void crossCheck(Map<String, ConfigValue> values) {
        Map<String, Object> parsed = new HashMap<>();
        values.forEach((k, v) -> parsed.put(k, v.value()));
        crossCheck(parsed, (key, message) -> {
            var v = values.get(key);
            if (v != null) {
                v.addErrorMessage(message);
            }
        });
    }

    private static String upper(Object o) {
        return String.valueOf(o).trim().toUpperCase(Locale.ROOT);
    }

    private static ConfigDef.Validator urlValidator() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value != null) {
                    JdbcUrl.parse(name, (String) value);
                }
            }

            @Override
            public String toString() {
                return "jdbc:postgresql://host[:port]/database[?sslmode=...]";
            }
        };
    }
}
