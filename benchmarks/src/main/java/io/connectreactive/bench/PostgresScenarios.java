package io.connectreactive.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * The postgres-sink scenario (issue 20): connect-reactive's built-in {@code PostgresSink} against
 * Debezium's JDBC sink ({@code io.debezium.connector.jdbc.JdbcSinkConnector}, the plugin archive the
 * third-party tests unpack into {@code target/thirdparty-plugins/debezium-jdbc}) on Apache Kafka
 * Connect 4.3.1, from the same pre-filled topic (JsonConverter envelopes, a struct key {id}) into
 * the same PostgreSQL server and table shape (created fresh before each run), tasks.max=1, once with
 * {@code insert.mode=insert} and once with {@code upsert} by the record key. Progress: the table's
 * row count. Opt-in ({@code --scenarios postgres-sink}): it needs Debian's {@code postgresql} package.
 */
final class PostgresScenarios {

    static final String SCENARIO = "postgres-sink";
    static final String INSERT = "postgres-insert";
    static final String UPSERT = "postgres-upsert";
    private static final String TABLE = "bench_rows";
    private static final String DEBEZIUM = "io.debezium.connector.jdbc.JdbcSinkConnector";

    private static final Schema KEY = SchemaBuilder.struct().name("bench.Key").field("id", Schema.INT64_SCHEMA).build();
    private static final Schema VALUE = SchemaBuilder.struct().name("bench.Value").field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.STRING_SCHEMA).field("amount", Schema.INT64_SCHEMA).field("flag", Schema.BOOLEAN_SCHEMA)
            .field("ratio", Schema.FLOAT64_SCHEMA).build();

    private final Setup setup;
    private final Kafka kafka;
    private final RuntimeScenarios runtime;

    PostgresScenarios(Setup setup, Kafka kafka, RuntimeScenarios runtime) {
        this.setup = setup;
        this.kafka = kafka;
        this.runtime = runtime;
    }

    List<Metric> run() throws Exception {
        Path debezium = setup.repo().resolve("target/thirdparty-plugins/debezium-jdbc");
        if (!java.nio.file.Files.isDirectory(debezium)) {
            throw new IllegalStateException("Debezium's JDBC sink is not unpacked in " + debezium + ": run mvn generate-test-resources in the repo");
        }
        long n = setup.lines();
        String topic = "pg-rows-1p";
        kafka.createTopic(topic);
        JsonConverter keys = new JsonConverter();
        keys.configure(Map.of("schemas.enable", "true", "converter.type", "key"));
        JsonConverter values = new JsonConverter();
        values.configure(Map.of("schemas.enable", "true", "converter.type", "value"));
        kafka.fillKeyed(topic, new Iterator<>() {
            long i;

            public boolean hasNext() {
                return i < n;
            }

            public byte[][] next() {
                long id = i++;
                return new byte[][] {keys.fromConnectData(topic, KEY, new Struct(KEY).put("id", id)),
                        values.fromConnectData(topic, VALUE, new Struct(VALUE).put("id", id).put("name", "customer-" + id)
                                .put("amount", id * 100).put("flag", id % 2 == 0).put("ratio", id / 7.0))};
            }
        });
        Scenarios.log("filled %s with %,d keyed Struct envelopes", topic, n);
        List<Metric> all = new ArrayList<>();
        try (BenchPostgres pg = BenchPostgres.start(setup.workDir())) {
            for (String mode : List.of("insert", "upsert")) {
                String scenario = mode.equals("insert") ? INSERT : UPSERT;
                all.addAll(runtime.throughput(scenario, List.of(Contender.CONNECT_REACTIVE, Contender.KAFKA_CONNECT), n, "records",
                        (c, round, dir, id) -> {
                            pg.sql("DROP TABLE IF EXISTS " + TABLE);
                            pg.sql("CREATE TABLE " + TABLE + " (id BIGINT PRIMARY KEY, name TEXT NOT NULL, amount BIGINT NOT NULL, "
                                    + "flag BOOLEAN NOT NULL, ratio DOUBLE PRECISION NOT NULL)");
                            WorkerProcess.Options options = c == Contender.KAFKA_CONNECT
                                    ? WorkerProcess.Options.BUILT_IN.with("plugin.path", debezium.toString()) : WorkerProcess.Options.BUILT_IN;
                            Map<String, String> config = c == Contender.KAFKA_CONNECT ? debezium(topic, pg, mode) : ours(topic, pg, mode);
                            double pgCpu = pg.serverCpuSeconds();
                            Throughput.Run run = runtime.workerRun(c, dir, options, Map.of(id, config), n, () -> pg.count(TABLE), TABLE);
                            Scenarios.log("%-16s %s: PostgreSQL server CPU %.2f s per M records (whole run, start-up included)", c.label,
                                    scenario, (pg.serverCpuSeconds() - pgCpu) / n * 1e6);
                            if (pg.count(TABLE) != n) {
                                throw new IllegalStateException("the table holds " + pg.count(TABLE) + " rows, not " + n);
                            }
                            return run;
                        }));
            }
        } finally {
            kafka.deleteTopic(topic);
        }
        return all;
    }

    private static Map<String, String> common(String topic) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("tasks.max", "1");
        c.put("topics", topic);
        c.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        return c;
    }

    private static Map<String, String> ours(String topic, BenchPostgres pg, String mode) {
        Map<String, String> c = common(topic);
        c.put("connector.class", "PostgresSink");
        c.put("connection.url", pg.jdbcUrl());
        c.put("connection.user", "postgres");
        c.put("table.name.format", TABLE);
        c.put("insert.mode", mode);
        c.put("pk.mode", "record_key");
        return c;
    }

    private static Map<String, String> debezium(String topic, BenchPostgres pg, String mode) {
        Map<String, String> c = common(topic);
        c.put("connector.class", DEBEZIUM);
        c.put("connection.url", pg.jdbcUrl());
        c.put("connection.username", "postgres");
        c.put("connection.password", "unused-trust-auth");
        c.put("collection.name.format", TABLE);
        c.put("insert.mode", mode);
        c.put("primary.key.mode", "record_key");
        c.put("primary.key.fields", "id");
        c.put("schema.evolution", "none");
        return c;
    }
}
