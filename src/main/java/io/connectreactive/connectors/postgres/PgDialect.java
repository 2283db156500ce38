package io.connectreactive.connectors.postgres;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Collectors;

import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.data.Numeric;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * PostgreSQL's side of the sink: identifier quoting, the SQL of each statement, Connect types to
 * column types, and Connect values to the values Vert.x's PostgreSQL client binds. Stateless: any
 * thread.
 */
final class PgDialect {

    private PgDialect() {
    }

    /**
     * A table: {@code name} in {@code schema}, or in the connection's current schema when schema is null.
     *
     * @param schema the schema, or null
     * @param name the table name
     */
    record TableId(String schema, String name) {

        /** {@code schema.table} (exactly one dot, not at either end) names a schema; any other name is a table name as it is. */
        static TableId parse(String resolved) {
            int dot = resolved.indexOf('.');
            if (dot > 0 && dot < resolved.length() - 1 && resolved.indexOf('.', dot + 1) < 0) {
                return new TableId(resolved.substring(0, dot), resolved.substring(dot + 1));
            }
            return new TableId(null, resolved);
        }

        String quoted() {
            return schema == null ? quote(name) : quote(schema) + "." + quote(name);
        }

        @Override
        public String toString() {
            return schema == null ? name : schema + "." + name;
        }
    }

    /**
     * A column of a record's row.
     *
     * @param name the column name
     * @param schema the Connect schema of its values
     */
    record Column(String name, Schema schema) {
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** {@code INSERT INTO t (c...) VALUES ($1...)}, with {@code ON CONFLICT (pk) DO UPDATE} when {@code upsert}. */
    static String insert(TableId table, List<Column> columns, List<String> pk, boolean upsert) {
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(table.quoted()).append(" (")
                .append(columns.stream().map(c -> quote(c.name())).collect(Collectors.joining(", "))).append(") VALUES (");
        for (int i = 1; i <= columns.size(); i++) {
            sql.append(i > 1 ? ", $" : "$").append(i);
        }
        sql.append(')');
        if (upsert) {
            sql.append(" ON CONFLICT (").append(pk.stream().map(PgDialect::quote).collect(Collectors.joining(", "))).append(") DO ");
            List<Column> rest = columns.stream().filter(c -> !pk.contains(c.name())).toList();
            if (rest.isEmpty()) {
                sql.append("NOTHING");
            } else {
                sql.append("UPDATE SET ").append(rest.stream().map(c -> quote(c.name()) + " = EXCLUDED." + quote(c.name()))
                        .collect(Collectors.joining(", ")));
            }
        }
        return sql.toString();
    }

    /** {@code DELETE FROM t WHERE pk1 = $1 AND ...}. */
    static String delete(TableId table, List<String> pk) {
        StringBuilder sql = new StringBuilder("DELETE FROM ").append(table.quoted()).append(" WHERE ");
        for (int i = 0; i < pk.size(); i++) {
            sql.append(i > 0 ? " AND " : "").append(quote(pk.get(i))).append(" = $").append(i + 1);
        }
        return sql.toString();
    }

    /** {@code CREATE TABLE IF NOT EXISTS}, non-optional fields and the primary key NOT NULL. */
    static String createTable(TableId table, List<Column> columns, List<String> pk) {
        StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(table.quoted()).append(" (");
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            sql.append(i > 0 ? ", " : "").append(quote(c.name())).append(' ').append(type(c.name(), c.schema()));
            if (!c.schema().isOptional() || pk.contains(c.name())) {
                sql.append(" NOT NULL");
            }
        }
        if (!pk.isEmpty()) {
            sql.append(", PRIMARY KEY (").append(pk.stream().map(PgDialect::quote).collect(Collectors.joining(", "))).append(')');
        }
        return sql.append(')').toString();
    }

    /** {@code ALTER TABLE t ADD COLUMN IF NOT EXISTS c type, ...}: added columns are nullable. */
    static String addColumns(TableId table, List<Column> columns) {
        return "ALTER TABLE " + table.quoted() + " " + columns.stream()
                .map(c -> "ADD COLUMN IF NOT EXISTS " + quote(c.name()) + " " + type(c.name(), c.schema()))
                .collect(Collectors.joining(", "));
    }

    /** The column type of a Connect schema. */
    static String type(String column, Schema schema) {
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case Decimal.LOGICAL_NAME: return "NUMERIC";
                case Date.LOGICAL_NAME: return "DATE";
                case Time.LOGICAL_NAME: return "TIME";
                case Timestamp.LOGICAL_NAME: return "TIMESTAMP";
                default: break;
            }
        }
        return switch (schema.type()) {
            case INT8, INT16 -> "SMALLINT";
            case INT32 -> "INTEGER";
            case INT64 -> "BIGINT";
            case FLOAT32 -> "REAL";
            case FLOAT64 -> "DOUBLE PRECISION";
            case BOOLEAN -> "BOOLEAN";
            case STRING -> "TEXT";
            case BYTES -> "BYTEA";
            default -> throw new DataException("Column " + quote(column) + ": Connect type " + schema.type()
                    + " has no PostgreSQL column type in PostgresSink (flatten structs, e.g. with the Flatten transform)");
        };
    }

    /** A Connect value as Vert.x's PostgreSQL client binds it for the column of {@link #type}. */
    static Object value(String column, Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case Decimal.LOGICAL_NAME: return Numeric.create((BigDecimal) value);
                case Date.LOGICAL_NAME: return LocalDate.ofInstant(((java.util.Date) value).toInstant(), ZoneOffset.UTC);
                case Time.LOGICAL_NAME: return LocalTime.ofInstant(((java.util.Date) value).toInstant(), ZoneOffset.UTC);
                case Timestamp.LOGICAL_NAME: return LocalDateTime.ofInstant(((java.util.Date) value).toInstant(), ZoneOffset.UTC);
                default: break;
            }
        }
        return switch (schema.type()) {
            case INT8 -> ((Byte) value).shortValue();
            case INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING -> value;
            case BYTES -> value instanceof ByteBuffer b ? Buffer.buffer(bytes(b)) : Buffer.buffer((byte[]) value);
            default -> throw new DataException("Column " + quote(column) + ": Connect type " + schema.type() + " is not supported");
        };
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
