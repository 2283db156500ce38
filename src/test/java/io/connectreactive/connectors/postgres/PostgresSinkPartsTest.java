package io.connectreactive.connectors.postgres;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.connectors.postgres.PgDialect.Column;
import io.connectreactive.connectors.postgres.PgDialect.TableId;
import io.connectreactive.connectors.postgres.PostgresSinkTask.Outcome;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The PostgreSQL sink's pure parts: URL parsing, configuration checks, SQL, row mapping, failure classes. */
class PostgresSinkPartsTest {

    @Test
    void parsesJdbcUrlsAsJdbcSinksTakeThem() {
        JdbcUrl u = JdbcUrl.parse("connection.url", "jdbc:postgresql://db.example:6543/orders?sslmode=require&user=app");
        assertThat(u.host()).isEqualTo("db.example");
        assertThat(u.port()).isEqualTo(6543);
        assertThat(u.database()).isEqualTo("orders");
        assertThat(u.sslMode()).isEqualTo("require");
        assertThat(u.params()).containsEntry("user", "app");
        JdbcUrl v6 = JdbcUrl.parse("k", "jdbc:postgresql://[::1]/db");
        assertThat(v6.host()).isEqualTo("::1");
        assertThat(v6.port()).isEqualTo(5432);
        assertThat(v6.describe()).isEqualTo("[::1]:5432/db");
        assertThatThrownBy(() -> JdbcUrl.parse("k", "postgresql://h/db")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("must be a jdbc:postgresql://host:port/database URL");
        assertThatThrownBy(() -> JdbcUrl.parse("k", "jdbc:postgresql://h:99999/db")).hasMessageContaining("invalid port");
        assertThatThrownBy(() -> JdbcUrl.parse("k", "jdbc:postgresql://h:5432/")).hasMessageContaining("names no database");
        assertThatThrownBy(() -> JdbcUrl.parse("k", "jdbc:postgresql://a,b/db")).hasMessageContaining("several hosts");
        assertThatThrownBy(() -> JdbcUrl.parse("k", "jdbc:postgresql://h/db?sslmode=maybe&password=s3cret"))
                .hasMessageContaining("invalid sslmode 'maybe'").hasMessageNotContaining("s3cret");
    }

    @Test
    void configurationChecksAcrossKeys() {
        Map<String, String> p = new HashMap<>(Map.of("connection.url", "jdbc:postgresql://h/db", "delete.enabled", "true"));
        assertThatThrownBy(() -> new PostgresSinkConfig(p)).hasMessageContaining("delete.enabled=true requires pk.mode=record_key");
        p.put("pk.mode", "record_key");
        PostgresSinkConfig c = new PostgresSinkConfig(p);
        assertThat(c.batchSize).isEqualTo(500);
        assertThat(c.maxRetries).isEqualTo(10);
        assertThat(c.retryBackoffMs).isEqualTo(3000);
        assertThat(c.poolSize).isEqualTo(4);
        assertThat(c.tableNameFormat).isEqualTo("${topic}");
        assertThat(c.user).isEqualTo("postgres");
        Map<String, String> upsert = Map.of("connection.url", "jdbc:postgresql://h/db", "insert.mode", "upsert");
        assertThatThrownBy(() -> new PostgresSinkConfig(upsert)).hasMessageContaining("insert.mode=upsert requires a primary key");
    }

    @Test
    void writesQuotedStatements() {
        TableId t = TableId.parse("sales.or\"ders");
        assertThat(t.quoted()).isEqualTo("\"sales\".\"or\"\"ders\"");
        assertThat(TableId.parse("a.b.c").quoted()).isEqualTo("\"a.b.c\"");
        List<Column> cols = List.of(new Column("id", Schema.INT32_SCHEMA), new Column("name", Schema.OPTIONAL_STRING_SCHEMA));
        assertThat(PgDialect.insert(t, cols, List.of("id"), true)).isEqualTo("INSERT INTO \"sales\".\"or\"\"ders\" (\"id\", \"name\") "
                + "VALUES ($1, $2) ON CONFLICT (\"id\") DO UPDATE SET \"name\" = EXCLUDED.\"name\"");
        assertThat(PgDialect.insert(t, cols.subList(0, 1), List.of("id"), true)).endsWith("ON CONFLICT (\"id\") DO NOTHING");
        assertThat(PgDialect.delete(TableId.parse("x"), List.of("a", "b"))).isEqualTo("DELETE FROM \"x\" WHERE \"a\" = $1 AND \"b\" = $2");
        assertThat(PgDialect.createTable(TableId.parse("x"), cols, List.of("id")))
                .isEqualTo("CREATE TABLE IF NOT EXISTS \"x\" (\"id\" INTEGER NOT NULL, \"name\" TEXT, PRIMARY KEY (\"id\"))");
        assertThat(PgDialect.addColumns(TableId.parse("x"), cols.subList(1, 2))).isEqualTo("ALTER TABLE \"x\" ADD COLUMN IF NOT EXISTS \"name\" TEXT");
        assertThat(PgDialect.type("d", org.apache.kafka.connect.data.Decimal.schema(2))).isEqualTo("NUMERIC");
        assertThat(PgDialect.type("t", org.apache.kafka.connect.data.Timestamp.SCHEMA)).isEqualTo("TIMESTAMP");
        assertThatThrownBy(() -> PgDialect.type("m", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build()))
                .isInstanceOf(DataException.class).hasMessageContaining("\"m\"");
    }

    @Test
    void mapsRecordsByThePrimaryKeyMode() {
        Schema value = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA).build();
        Schema key = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
        SinkRecord r = new SinkRecord("orders", 0, key, new Struct(key).put("id", 7), value, new Struct(value).put("id", 99).put("name", "n"), 5);
        RowMapper byKey = new RowMapper(config(Map.of("pk.mode", "record_key", "insert.mode", "upsert", "delete.enabled", "true")));
        RowMapper.Row row = byKey.map(r);
        assertThat(row.shape().sql()).isEqualTo("INSERT INTO \"orders\" (\"id\", \"name\") VALUES ($1, $2) "
                + "ON CONFLICT (\"id\") DO UPDATE SET \"name\" = EXCLUDED.\"name\"");
        assertThat(row.values().getValue(0)).as("the key's id wins").isEqualTo(7);
        assertThat(byKey.map(r).shape()).as("cached").isSameAs(row.shape());
        SinkRecord tombstone = new SinkRecord("orders", 0, key, new Struct(key).put("id", 7), null, null, 6);
        assertThat(byKey.map(tombstone).shape().sql()).isEqualTo("DELETE FROM \"orders\" WHERE \"id\" = $1");
        assertThat(new RowMapper(config(Map.of())).map(tombstone)).as("delete.enabled=false: skipped").isNull();
        RowMapper none = new RowMapper(config(Map.of()));
        SinkRecord schemaless = new SinkRecord("orders", 0, null, null, null, Map.of("id", 1), 7);
        assertThatThrownBy(() -> none.map(schemaless)).isInstanceOf(DataException.class).hasMessageContaining("struct value with a schema");
        RowMapper missingField = new RowMapper(config(Map.of("pk.mode", "record_value", "pk.fields", "nope")));
        assertThatThrownBy(() -> missingField.map(r)).hasMessageContaining("pk.fields names 'nope'");
    }

    @Test
    void classifiesFailures() {
        assertThat(PostgresSinkTask.classify(pg("08006"))).isEqualTo(Outcome.RETRY);
        assertThat(PostgresSinkTask.classify(pg("40001"))).isEqualTo(Outcome.RETRY);
        assertThat(PostgresSinkTask.classify(pg("57P01"))).isEqualTo(Outcome.RETRY);
        assertThat(PostgresSinkTask.classify(ClosedConnectionException.INSTANCE)).isEqualTo(Outcome.RETRY);
        assertThat(PostgresSinkTask.classify(new java.net.ConnectException("refused"))).isEqualTo(Outcome.RETRY);
        assertThat(PostgresSinkTask.classify(pg("23505"))).isEqualTo(Outcome.REJECT);
        assertThat(PostgresSinkTask.classify(pg("22001"))).isEqualTo(Outcome.REJECT);
        assertThat(PostgresSinkTask.classify(pg("28P01"))).isEqualTo(Outcome.FAIL);
        assertThat(PostgresSinkTask.classify(pg("42501"))).isEqualTo(Outcome.FAIL);
        // DDL that lost a race with another task's identical DDL
        assertThat(List.of("42P07", "42701", "42710", "23505")).allMatch(TableCatalog::raced);
        assertThat(TableCatalog.raced("42501")).isFalse();
    }

    private static PgException pg(String state) {
        return new PgException("boom", "ERROR", state, null);
    }

    private static PostgresSinkConfig config(Map<String, String> extra) {
        Map<String, String> p = new HashMap<>(Map.of("connection.url", "jdbc:postgresql://h/db"));
        p.putAll(extra);
        return new PostgresSinkConfig(p);
    }
}
