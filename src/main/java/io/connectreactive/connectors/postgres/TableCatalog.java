package io.connectreactive.connectors.postgres;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.connectreactive.connectors.postgres.PgDialect.Column;
import io.connectreactive.connectors.postgres.PgDialect.TableId;
import io.connectreactive.connectors.postgres.RowMapper.Shape;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a task knows of its tables: whether each exists and its columns, read from {@code pg_attribute}
 * once and kept; and the DDL of {@code auto.create} and {@code auto.evolve}. {@link #ensure} makes a
 * table fit a {@link Shape} before a batch's transaction: create it, add the missing columns, or
 * fail with {@link Problem}. Another task creating or evolving the same table at the same time is
 * no error: a DDL statement that lost that race is followed by a fresh read.
 *
 * <p>Called on the task's context only; the pool's answers come back on it.
 */
final class TableCatalog {

    private static final Logger log = LoggerFactory.getLogger(TableCatalog.class);

    /** One row: whether the table exists, and its columns. */
    private static final String COLUMNS = "SELECT to_regclass($1::text) IS NOT NULL AS present, (SELECT array_agg(attname::text) "
            + "FROM pg_attribute WHERE attrelid = to_regclass($1::text) AND attnum > 0 AND NOT attisdropped) AS columns";

    /** A table as last read. */
    private static final class Table {
        final boolean exists;
        final Set<String> columns;
        /** Shapes already known to fit (identity: a shape is cached by the mapper). */
        final Set<Shape> fits = Collections.newSetFromMap(new IdentityHashMap<>());

        Table(boolean exists, Set<String> columns) {
            this.exists = exists;
            this.columns = columns;
        }
    }

    /** A table that does not fit its records and may not be changed: the task fails. */
    static final class Problem extends RuntimeException {
        final TableId table;

        Problem(TableId table, String message) {
            super(message, null, false, false);
            this.table = table;
        }
    }

    private final Pool pool;
    private final PostgresSinkConfig config;
    private final String connector;
    private final Map<TableId, Table> tables = new HashMap<>();

    TableCatalog(Pool pool, PostgresSinkConfig config, String connector) {
        this.pool = pool;
        this.config = config;
        this.connector = connector;
    }

    /** True unless the table was read and does not exist (a delete of a missing table deletes nothing). */
    boolean mayExist(TableId table) {
        Table t = tables.get(table);
        return t == null || t.exists;
    }

    /** Forgets what was read of the table (someone dropped or altered it). */
    void invalidate(TableId table) {
        tables.remove(table);
    }

    /** Makes the table fit the shape: reads it if unknown, then creates it or adds columns as allowed. */
    Future<Void> ensure(Shape shape) {
        Table known = tables.get(shape.table());
        if (known != null && known.fits.contains(shape)) {
            return Future.succeededFuture();
        }
        Future<Table> read = known != null ? Future.succeededFuture(known) : read(shape.table());
        return read.compose(t -> fit(shape, t, true));
    }

    private Future<Void> fit(Shape shape, Table t, boolean mayChange) {
        TableId id = shape.table();
        if (!t.exists) {
            if (!config.autoCreate) {
                return Future.failedFuture(new Problem(id, "Table " + id + " does not exist and auto.create is false"));
            }
            if (shape.op() == RowMapper.Op.DELETE) {
                return Future.succeededFuture(); // nothing to delete yet: the delete is skipped
            }
            if (!mayChange) {
                return Future.failedFuture(new Problem(id, "Table " + id + " still does not exist after CREATE TABLE"));
            }
            String ddl = PgDialect.createTable(id, shape.columns(), shape.pk());
            log.info("PostgreSQL sink {}: creating table {}: {}", connector, id, ddl);
            return ddl(ddl, id).compose(v -> read(id)).compose(again -> fit(shape, again, false));
        }
        List<Column> missing = new ArrayList<>();
        for (Column c : shape.columns()) {
            if (!t.columns.contains(c.name())) {
                missing.add(c);
            }
        }
        if (missing.isEmpty()) {
            t.fits.add(shape);
            return Future.succeededFuture();
        }
        List<String> names = missing.stream().map(Column::name).toList();
        if (!config.autoEvolve) {
            return Future.failedFuture(new Problem(id, "Table " + id + " has no column for the record's fields " + names
                    + " and auto.evolve is false"));
        }
        for (Column c : missing) {
            if (!c.schema().isOptional() && c.schema().defaultValue() == null) {
                return Future.failedFuture(new Problem(id, "Table " + id + " has no column '" + c.name() + "', and auto.evolve cannot add it: "
                        + "the field is neither optional nor has a default"));
            }
        }
        if (!mayChange) {
            return Future.failedFuture(new Problem(id, "Table " + id + " still lacks columns " + names + " after ALTER TABLE"));
        }
        String ddl = PgDialect.addColumns(id, missing);
        log.info("PostgreSQL sink {}: adding columns {} to table {}: {}", connector, names, id, ddl);
        return ddl(ddl, id).compose(v -> read(id)).compose(again -> fit(shape, again, false));
    }

    /** Runs DDL; losing a race with another task (the table or column already there) is no failure. */
    private Future<Void> ddl(String sql, TableId id) {
        return pool.query(sql).execute().<Void>mapEmpty().recover(err -> {
            if (err instanceof PgException pe && raced(pe.getSqlState())) {
                log.debug("PostgreSQL sink {}: DDL on {} raced with another task ({}); reading the table again", connector, id, pe.getSqlState());
                return Future.succeededFuture();
            }
            return Future.failedFuture(err);
        });
    }

    /**
     * duplicate_table, duplicate_column, duplicate_object (the row type of a table another session is creating:
     * {@code type "t" already exists}), unique_violation (of the catalog): another session did the same.
     */
    static boolean raced(String sqlState) {
        return "42P07".equals(sqlState) || "42701".equals(sqlState) || "42710".equals(sqlState) || "23505".equals(sqlState);
    }

    /**
     * Reads the table's columns. A table that exists without columns is read once more: one another
     * task has just created can show up (to_regclass reads the latest catalog) before its columns do
     * (pg_attribute is read under the statement's snapshot).
     */
    private Future<Table> read(TableId id) {
        return readOnce(id).compose(t -> t.exists && t.columns.isEmpty() ? readOnce(id) : Future.succeededFuture(t));
    }

    private Future<Table> readOnce(TableId id) {
        return pool.preparedQuery(COLUMNS).execute(Tuple.of(id.quoted())).map(rows -> {
            Row row = rows.iterator().next();
            Set<String> columns = new HashSet<>();
            String[] names = row.getArrayOfStrings("columns");
            if (names != null) {
                Collections.addAll(columns, names);
            }
            Table t = new Table(Boolean.TRUE.equals(row.getBoolean("present")), columns);
            tables.put(id, t);
            return t;
        });
    }
}
