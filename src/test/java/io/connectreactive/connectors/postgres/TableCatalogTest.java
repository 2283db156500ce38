package io.connectreactive.connectors.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.thirdparty.PrivatePostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several tasks (each its own catalog and connection pool, as each PostgreSQL sink task has) make
 * the same table fit their records at the same instant, against a real PostgreSQL. The race is made
 * certain, not left to timing: another session does the same DDL first and holds its transaction
 * open, so that every task's CREATE TABLE or ALTER TABLE waits on it. Once it commits, each task's
 * CREATE TABLE IF NOT EXISTS fails all the same (the catalog's unique index: 23505) and the task must
 * read the table again and go on; its ADD COLUMN IF NOT EXISTS does nothing, and the task goes on.
 */
class TableCatalogTest {

    private static final int TASKS = 4;
    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();

    private static PrivatePostgres pg;
    private static Vertx vertx;
    private static PostgresSinkConfig config;

    @BeforeAll
    static void start() {
        pg = PrivatePostgres.start();
        vertx = Vertx.vertx();
        Map<String, String> p = new HashMap<>();
        p.put("connection.url", "jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres");
        p.put("connection.user", "postgres");
        p.put("insert.mode", "upsert");
        p.put("pk.mode", "record_key");
        p.put("auto.create", "true");
        p.put("auto.evolve", "true");
        config = new PostgresSinkConfig(p);
    }

    @AfterAll
    static void stop() {
        vertx.close().await();
        pg.close();
    }

    @Test
    void tasksThatLoseTheRaceToCreateATableReadItAndGoOn() {
        Schema value = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA).build();
        SinkRecord record = record("race_create", value, new Struct(value).put("id", 1).put("name", "a"));
        raceAgainst("CREATE TABLE \"race_create\" (\"id\" INT NOT NULL PRIMARY KEY, \"name\" TEXT NOT NULL)", record);
        assertThat(pg.sql("SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns "
                + "WHERE table_name = 'race_create'")).isEqualTo("id,name");
    }

    @Test
    void tasksThatLoseTheRaceToAddAColumnReadTheTableAndGoOn() {
        pg.sql("CREATE TABLE \"race_evolve\" (\"id\" INT NOT NULL PRIMARY KEY)");
        Schema value = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
        SinkRecord record = record("race_evolve", value, new Struct(value).put("id", 1).put("note", "n"));
        raceAgainst("ALTER TABLE \"race_evolve\" ADD COLUMN \"note\" TEXT", record);
        assertThat(pg.sql("SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns "
                + "WHERE table_name = 'race_evolve'")).isEqualTo("id,note");
    }

    /**
     * Runs {@code ddl} in a transaction left open, lets every task's catalog find the table lacking
     * and start its own DDL (which waits on the open transaction), commits, and expects each task to
     * have made the table fit.
     */
    private static void raceAgainst(String ddl, SinkRecord record) {
        List<Pool> pools = new ArrayList<>();
        Pool first = pool();
        pools.add(first);
        try {
            SqlConnection holder = first.getConnection().await();
            holder.query("BEGIN").execute().await();
            holder.query(ddl).execute().await();
            List<Future<Void>> ensured = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                Pool pool = pool();
                pools.add(pool);
                TableCatalog catalog = new TableCatalog(pool, config, "task-" + i);
                ensured.add(catalog.ensure(new RowMapper(config).map(record).shape()));
            }
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    Integer.parseInt(pg.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")) == TASKS);
            assertThat(ensured).as("all wait on the open transaction").noneMatch(Future::isComplete);
            holder.query("COMMIT").execute().await();
            holder.close().await();
            assertThat(Future.all(ensured).toCompletionStage()).as("every task goes on").succeedsWithin(Duration.ofSeconds(30));
        } finally {
            pools.forEach(p -> p.close().await());
        }
    }

    private static Pool pool() {
        return PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(PostgresSinkTask.connectOptions(config))
                .using(vertx).build();
    }

    private static SinkRecord record(String topic, Schema value, Struct struct) {
        return new SinkRecord(topic, 0, KEY, new Struct(KEY).put("id", 1), value, struct, 0);
    }
}
