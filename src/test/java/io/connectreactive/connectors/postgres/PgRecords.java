package io.connectreactive.connectors.postgres;

import java.util.List;
import java.util.Map;

import io.connectreactive.thirdparty.PrivatePostgres;

/**
 * The tests' records, as JsonConverter writes them with schemas ({@code {"schema":..., "payload":...}}),
 * and the tests' view of a table.
 */
final class PgRecords {

    static final String JSON = "org.apache.kafka.connect.json.JsonConverter";

    private static final String KEY_SCHEMA = "{\"type\":\"struct\",\"name\":\"orders.Key\",\"optional\":false,"
            + "\"fields\":[{\"field\":\"id\",\"type\":\"int32\",\"optional\":false}]}";
    private static final String VALUE_FIELDS = "{\"field\":\"id\",\"type\":\"int32\",\"optional\":false},"
            + "{\"field\":\"customer\",\"type\":\"string\",\"optional\":false},"
            + "{\"field\":\"amount\",\"type\":\"int64\",\"optional\":false}";

    private PgRecords() {
    }

    /** The key struct {id}. */
    static String key(int id) {
        return "{\"schema\":" + KEY_SCHEMA + ",\"payload\":{\"id\":" + id + "}}";
    }

    /** A primitive int64 key. */
    static String longKey(long id) {
        return "{\"schema\":{\"type\":\"int64\",\"optional\":false},\"payload\":" + id + "}";
    }

    /** The value struct {id, customer, amount}. */
    static String value(int id, String customer, long amount) {
        return "{\"schema\":{\"type\":\"struct\",\"name\":\"orders.Value\",\"optional\":false,\"fields\":[" + VALUE_FIELDS + "]},"
                + "\"payload\":{\"id\":" + id + ",\"customer\":\"" + customer + "\",\"amount\":" + amount + "}}";
    }

    /** The value struct with a new optional field {@code note}. */
    static String valueWithNote(int id, String customer, long amount, String note) {
        return "{\"schema\":{\"type\":\"struct\",\"name\":\"orders.Value\",\"optional\":false,\"fields\":[" + VALUE_FIELDS
                + ",{\"field\":\"note\",\"type\":\"string\",\"optional\":true}]},"
                + "\"payload\":{\"id\":" + id + ",\"customer\":\"" + customer + "\",\"amount\":" + amount + ",\"note\":\"" + note + "\"}}";
    }

    /** The table's rows as {@code c1|c2|...} ordered by the first columns given; empty while it does not exist. */
    static List<String> rows(PrivatePostgres pg, String table, String columns) {
        if (pg.sql("SELECT to_regclass('public.\"" + table + "\"') IS NOT NULL").equals("f")) {
            return List.of();
        }
        String out = pg.sql("SELECT " + columns + " FROM \"" + table + "\" ORDER BY " + columns);
        return out.isEmpty() ? List.of() : out.lines().toList();
    }

    static Map<String, String> converters() {
        return Map.of("key.converter", JSON, "value.converter", JSON);
    }
}
