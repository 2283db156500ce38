package io.connectreactive.connectors.postgres;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.connectors.postgres.PgDialect.Column;
import io.connectreactive.connectors.postgres.PgDialect.TableId;
import io.vertx.sqlclient.Tuple;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Turns a {@link SinkRecord} into a statement on a table row, as {@code pk.mode}, {@code pk.fields},
 * {@code insert.mode} and {@code delete.enabled} say: the table ({@code table.name.format}), the
 * {@link Shape} (columns, primary key, SQL; one per table and key and value schema, cached) and
 * the values to bind. Called on the task's context only (its cache is not thread-safe).
 */
final class RowMapper {

    /** The column of a primitive key when {@code pk.fields} names none (Confluent's name). */
    static final String DEFAULT_KEY_COLUMN = "__connect_pk";

    enum Op { UPSERT, INSERT, DELETE }

    /**
     * The statement of records of one table with one key schema and one value schema.
     *
     * @param table the table
     * @param op what the statement does
     * @param columns the columns bound, in parameter order (for a delete: the primary key)
     * @param pk the primary key columns, empty with {@code pk.mode=none}
     * @param sql the statement
     * @param fromKey for each column, true when its value comes from the key
     * @param keyField for each column taken from the key, its field, or null for a primitive key
     */
    record Shape(TableId table, Op op, List<Column> columns, List<String> pk, String sql, List<Boolean> fromKey, List<Field> keyField) {
    }

    /**
     * One record's statement.
     *
     * @param shape the statement
     * @param values the values to bind
     * @param record the record
     */
    record Row(Shape shape, Tuple values, SinkRecord record) {
    }

    private record ShapeKey(TableId table, Op op, Schema key, Schema value) {
    }

    private final PostgresSinkConfig config;
    private final Map<ShapeKey, Shape> shapes = new HashMap<>();

    RowMapper(PostgresSinkConfig config) {
        this.config = config;
    }

    TableId table(SinkRecord record) {
        return TableId.parse(config.tableNameFormat.replace("${topic}", record.topic()));
    }

    /**
     * The record's row, or null for a tombstone to skip ({@code delete.enabled=false}).
     *
     * @throws DataException when the record cannot be written (no schema, not a struct, a missing key field)
     */
    Row map(SinkRecord record) {
        TableId table = table(record);
        Op op;
        if (record.value() == null) {
            if (!config.deleteEnabled) {
                return null;
            }
            op = Op.DELETE;
        } else {
            op = config.insertMode == PostgresSinkConfig.InsertMode.UPSERT ? Op.UPSERT : Op.INSERT;
        }
        Schema keySchema = config.pkMode == PostgresSinkConfig.PkMode.RECORD_KEY ? record.keySchema() : null;
        Schema valueSchema = op == Op.DELETE ? null : record.valueSchema();
        ShapeKey k = new ShapeKey(table, op, keySchema, valueSchema);
        Shape shape = shapes.get(k);
        if (shape == null) {
            shape = shape(record, table, op);
            if (shapes.size() > 10_000) {
                shapes.clear(); // schemas that change all the time: a cache, not a leak
            }
            shapes.put(k, shape);
        }
        return new Row(shape, values(shape, record), record);
    }

    private Shape shape(SinkRecord record, TableId table, Op op) {
        List<Column> columns = new ArrayList<>();
        List<Boolean> fromKey = new ArrayList<>();
        List<Field> keyFields = new ArrayList<>();
        List<String> pk = new ArrayList<>();
        switch (config.pkMode) {
            case RECORD_KEY -> {
                Schema ks = record.keySchema();
                if (ks == null || record.key() == null) {
                    throw new DataException("pk.mode=record_key needs a key with a schema; the record has " + (record.key() == null ? "no key"
                            : "a key without a schema (use a converter with schemas)"));
                }
                if (ks.type() == Schema.Type.STRUCT) {
                    List<String> names = config.pkFields.isEmpty() ? ks.fields().stream().map(Field::name).toList() : config.pkFields;
                    for (String name : names) {
                        Field f = ks.field(name);
                        if (f == null) {
                            throw new DataException("pk.fields names '" + name + "', which the key struct has not (it has "
                                    + ks.fields().stream().map(Field::name).toList() + ")");
                        }
                        pk.add(name);
                        columns.add(new Column(name, f.schema()));
                        fromKey.add(true);
                        keyFields.add(f);
                    }
                } else {
                    if (config.pkFields.size() > 1) {
                        throw new DataException("The key is a primitive " + ks.type() + ": pk.fields must name one column, not " + config.pkFields);
                    }
                    String name = config.pkFields.isEmpty() ? DEFAULT_KEY_COLUMN : config.pkFields.get(0);
                    pk.add(name);
                    columns.add(new Column(name, ks));
                    fromKey.add(true);
                    keyFields.add(null);
                }
            }
            case RECORD_VALUE -> {
                Schema vs = valueStruct(record);
                List<String> names = config.pkFields.isEmpty() ? vs.fields().stream().map(Field::name).toList() : config.pkFields;
                for (String name : names) {
                    if (vs.field(name) == null) {
                        throw new DataException("pk.fields names '" + name + "', which the value struct has not (it has "
                                + vs.fields().stream().map(Field::name).toList() + ")");
                    }
                    pk.add(name);
                }
            }
            case NONE -> { }
        }
        if (op != Op.DELETE) {
            for (Field f : valueStruct(record).fields()) {
                if (config.pkMode == PostgresSinkConfig.PkMode.RECORD_KEY && pk.contains(f.name())) {
                    continue; // the key's value wins
                }
                columns.add(new Column(f.name(), f.schema()));
                fromKey.add(false);
                keyFields.add(null);
            }
        }
        for (Column c : columns) {
            PgDialect.type(c.name(), c.schema()); // a type without a column type fails here, once per shape
        }
        String sql = op == Op.DELETE ? PgDialect.delete(table, pk) : PgDialect.insert(table, columns, pk, op == Op.UPSERT);
        return new Shape(table, op, List.copyOf(columns), List.copyOf(pk), sql, List.copyOf(fromKey),
                Collections.unmodifiableList(keyFields));
    }

    private static Schema valueStruct(SinkRecord record) {
        Schema vs = record.valueSchema();
        if (vs == null || vs.type() != Schema.Type.STRUCT || !(record.value() instanceof Struct)) {
            throw new DataException("PostgresSink needs a struct value with a schema (a converter with schemas, e.g. JsonConverter with "
                    + "schemas.enable=true, or Avro); the record's value is " + (vs == null ? "schemaless" : "a " + vs.type()));
        }
        return vs;
    }

    private static Tuple values(Shape shape, SinkRecord record) {
        Tuple t = Tuple.tuple();
        Struct value = record.value() instanceof Struct s ? s : null;
        for (int i = 0; i < shape.columns().size(); i++) {
            Column c = shape.columns().get(i);
            Object v;
            if (shape.fromKey().get(i)) {
                Field f = shape.keyField().get(i);
                if (f == null ? record.key() == null : !(record.key() instanceof Struct)) {
                    throw new DataException("pk.mode=record_key: the record's key is " + (record.key() == null ? "null" : "not a struct"));
                }
                v = f == null ? record.key() : ((Struct) record.key()).get(f);
            } else if (shape.op() != Op.DELETE && value != null) {
                v = value.get(c.name());
            } else {
                v = null;
            }
            if (v == null && shape.pk().contains(c.name())) {
                throw new DataException("Primary key column " + PgDialect.quote(c.name()) + " of table " + shape.table() + " is null");
            }
            t.addValue(PgDialect.value(c.name(), c.schema(), v));
        }
        return t;
    }
}
