package io.connectreactive.connectors.postgres;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.connectreactive.api.ReactiveSinkTask;
import io.connectreactive.api.ReactiveTaskContext;
import io.connectreactive.connectors.FailedRecords;
import io.connectreactive.connectors.postgres.PgDialect.TableId;
import io.connectreactive.connectors.postgres.RowMapper.Row;
import io.connectreactive.connectors.postgres.RowMapper.Shape;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task of {@link PostgresSinkConnector}: a native reactive task that writes records to
 * PostgreSQL with Vert.x's reactive client ({@code PgBuilder.pool()}), with no thread of its own.
 *
 * <p><b>Threads.</b> Every method is called on the task's context (an event loop); the pool's
 * answers and the retry timers come back on it; nothing blocks.
 *
 * <p><b>Batches and transactions.</b> {@link #write} maps each record to a row statement
 * ({@link RowMapper}: insert, upsert or delete), makes the tables fit (reads their columns once,
 * {@code auto.create}, {@code auto.evolve}: {@link TableCatalog}), then writes up to
 * {@code batch.size} records in ONE transaction: per table, each run of consecutive records with the
 * same statement is one {@code executeBatch} of a prepared statement, all of them pipelined on the
 * transaction's connection, so each partition's order holds. The future of {@code write} completes
 * only after the transactions committed, and the runtime hands no more records until then (flow
 * control) and commits no offset past them: offsets never pass what PostgreSQL committed.
 *
 * <p><b>Retries and failures.</b> A batch that failed on a connection error, a serialization
 * failure, a deadlock or a server shutting down is tried again after {@code retry.backoff.ms}, up to
 * {@code max.retries} times (a table dropped or altered meanwhile is read again). A batch PostgreSQL
 * refuses (a data exception or constraint violation, SQL states 22 and 23) is written again record by
 * record, each in its own transaction, to find the refused ones. Retries spent (every record of the
 * batch), a record PostgreSQL refuses, or a record the mapper cannot write: the records go to the
 * task's {@code ErrantRecordReporter} (the
 * dead-letter queue) with a {@link PostgresSinkException}; without one, {@code errors.tolerance=all}
 * skips them with a log line, and otherwise the task fails. Anything else (authentication, a missing
 * table without {@code auto.create}, missing columns without {@code auto.evolve}, a missing
 * privilege) fails the task at once: the failed {@code write} and {@link #failure()} carry a
 * message with the SQL state, the table and the server, never the password.
 */
public class PostgresSinkTask extends ReactiveSinkTask {

    private static final Logger log = LoggerFactory.getLogger(PostgresSinkTask.class);

    private PostgresSinkConfig config;
    private String connector;
    private Vertx vertx;
    private Pool pool;
    private RowMapper mapper;
    private TableCatalog catalog;
    private ErrantRecordReporter reporter;
    private final Promise<Void> failure = Promise.promise();
    private ConnectException failedWith;
    private long retryTimer = -1;
    /** The write waiting for a retry timer, failed by {@link #close()}. */
    private Promise<Void> retrying;
    private boolean open;
    private boolean closed;

    @Override
    public String version() {
        return PostgresSinkConnector.VERSION;
    }

    @Override
    public Future<Void> open(ReactiveTaskContext<SinkTaskContext> context, Map<String, String> props) {
        if (open || closed) {
            return Future.failedFuture(new IllegalStateException("PostgresSinkTask was already opened"));
        }
        try {
            config = new PostgresSinkConfig(props);
        } catch (ConfigException e) {
            return Future.failedFuture(new ConnectException("Invalid PostgresSinkTask configuration: " + e.getMessage(), e));
        }
        vertx = context.vertx();
        connector = props.getOrDefault("name", "postgres-sink");
        try {
            reporter = context.connect().errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            reporter = null;
        }
        try {
            pool = PgBuilder.pool()
                    .with(new PoolOptions().setMaxSize(config.poolSize))
                    .connectingTo(connectOptions(config))
                    .using(vertx)
                    .build();
        } catch (RuntimeException e) {
            return Future.failedFuture(new ConnectException("PostgreSQL sink " + connector + ": cannot use " + config.url.describe()
                    + ": " + e.getMessage(), e));
        }
        mapper = new RowMapper(config);
        catalog = new TableCatalog(pool, config, connector);
        open = true;
        log.info("PostgreSQL sink {}: task writes to {} as {} ({}, pk.mode {}, {} records per transaction at most)", connector,
                config.url.describe(), config.user, config.insertMode.name().toLowerCase(), config.pkMode.name().toLowerCase(),
                config.batchSize);
        return Future.succeededFuture();
    }

    static PgConnectOptions connectOptions(PostgresSinkConfig config) {
        PgConnectOptions o = new PgConnectOptions()
                .setHost(config.url.host())
                .setPort(config.url.port())
                .setDatabase(config.url.database())
                .setUser(config.user)
                .setCachePreparedStatements(true);
        if (config.password != null && config.password.value() != null) {
            o.setPassword(config.password.value());
        }
        String mode = config.url.sslMode();
        if (mode != null) {
            o.setSslMode(SslMode.of(mode));
            ClientSSLOptions ssl = new ClientSSLOptions();
            switch (mode) {
                case "verify-full" -> ssl.setHostnameVerificationAlgorithm("HTTPS");
                case "verify-ca" -> ssl.setHostnameVerificationAlgorithm("");
                default -> ssl.setTrustAll(true).setHostnameVerificationAlgorithm(""); // libpq's require: encrypted, not verified
            }
            String root = config.url.params().get("sslrootcert");
            if (root != null && !mode.equals("require") && !mode.equals("prefer") && !mode.equals("allow")) {
                ssl.setTrustOptions(new PemTrustOptions().addCertPath(root));
            }
            o.setSslOptions(ssl);
        }
        return o;
    }

    // --- writing ---

    @Override
    public Future<Void> write(Collection<SinkRecord> records) {
        if (failedWith != null) {
            return Future.failedFuture(failedWith);
        }
        if (!open || closed) {
            return Future.failedFuture(new ConnectException("PostgresSinkTask of " + connector + " is not open"));
        }
        List<Row> rows = new ArrayList<>(records.size());
        for (SinkRecord record : records) {
            try {
                Row row = mapper.map(record);
                if (row != null) {
                    rows.add(row);
                }
            } catch (DataException | ClassCastException e) {
                reject(List.of(record), new PostgresSinkException("PostgreSQL sink " + connector + ": cannot write the record of "
                        + partitionOf(record) + " at offset " + record.originalKafkaOffset() + ": " + e.getMessage(), null,
                        safeTable(record), e));
            }
            if (failedWith != null) {
                return Future.failedFuture(failedWith);
            }
        }
        return writeFrom(rows, 0).transform(ar -> failedWith != null ? Future.failedFuture(failedWith)
                : ar.succeeded() ? Future.succeededFuture() : Future.failedFuture(ar.cause()));
    }

    private String safeTable(SinkRecord record) {
        try {
            return mapper.table(record).toString();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Writes {@code rows} from {@code from} on, {@code batch.size} rows per transaction, one transaction after the other. */
    private Future<Void> writeFrom(List<Row> rows, int from) {
        if (from >= rows.size() || failedWith != null || closed) {
            return Future.succeededFuture();
        }
        List<Row> batch = rows.subList(from, Math.min(rows.size(), from + config.batchSize));
        return attempt(batch, 0).compose(v -> writeFrom(rows, from + batch.size()));
    }

    /** One attempt at the batch: fit the tables, then the transaction; a failure retried, reported or fatal. */
    private Future<Void> attempt(List<Row> batch, int retries) {
        return fitTables(batch).compose(v -> transaction(batch)).transform(ar -> {
            if (ar.succeeded()) {
                if (retries > 0) {
                    log.info("PostgreSQL sink {}: {} written after {} retries", connector, describe(batch), retries);
                }
                return Future.succeededFuture();
            }
            return failed(batch, retries, ar.cause());
        });
    }

    private Future<Void> fitTables(List<Row> batch) {
        Set<Shape> shapes = Collections.newSetFromMap(new IdentityHashMap<>());
        Future<Void> chain = Future.succeededFuture();
        for (Row row : batch) {
            if (shapes.add(row.shape())) {
                Shape shape = row.shape();
                chain = chain.compose(v -> catalog.ensure(shape).recover(err -> Future.failedFuture(new InTable(shape.table(), err))));
            }
        }
        return chain;
    }

    /** The batch in one transaction: per table, one pipelined executeBatch per run of records with the same statement. */
    private Future<Void> transaction(List<Row> batch) {
        Map<TableId, List<Run>> byTable = new LinkedHashMap<>();
        for (Row row : batch) {
            TableId table = row.shape().table();
            if (row.shape().op() == RowMapper.Op.DELETE && !catalog.mayExist(table)) {
                continue; // a tombstone for a table not created yet
            }
            List<Run> runs = byTable.computeIfAbsent(table, t -> new ArrayList<>());
            Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last == null || !last.sql.equals(row.shape().sql())) {
                last = new Run(table, row.shape().sql());
                runs.add(last);
            }
            last.values.add(row.values());
        }
        if (byTable.isEmpty()) {
            return Future.succeededFuture();
        }
        return pool.withTransaction(conn -> {
            List<Future<?>> all = new ArrayList<>();
            byTable.values().forEach(runs -> runs.forEach(run -> all.add(conn.preparedQuery(run.sql).executeBatch(run.values)
                    .recover(err -> Future.failedFuture(new InTable(run.table, err))))));
            return Future.all(all).mapEmpty();
        });
    }

    /** A run of consecutive records of one table with the same statement. */
    private static final class Run {
        final TableId table;
        final String sql;
        final List<Tuple> values = new ArrayList<>();

        Run(TableId table, String sql) {
            this.table = table;
            this.sql = sql;
        }
    }

    /** A failure with the table it happened on. */
    private static final class InTable extends RuntimeException {
        final TableId table;

        InTable(TableId table, Throwable cause) {
            super(cause.getMessage(), cause, false, false);
            this.table = table;
        }
    }

    // --- failures ---

    /** How a failed attempt ends. */
    enum Outcome { RETRY, REJECT, FAIL }

    /** Connection-level and transient failures retry; refused data is rejected; configuration and schema problems fail the task. */
    static Outcome classify(Throwable cause) {
        if (cause instanceof TableCatalog.Problem) {
            return Outcome.FAIL;
        }
        if (cause instanceof PgException pe) {
            String s = pe.getSqlState() == null ? "" : pe.getSqlState();
            if (s.startsWith("08") || s.equals("40001") || s.equals("40P01") || s.startsWith("57P") || s.equals("53300")
                    || s.equals("42P01") || s.equals("42703")) {
                return Outcome.RETRY; // connection, serialization, deadlock, shutdown, too many connections; stale table metadata
            }
            if (s.startsWith("22") || s.startsWith("23")) {
                return Outcome.REJECT;
            }
            return Outcome.FAIL; // 28 authentication, 3D database, 42 syntax or privileges, ...
        }
        return cause instanceof DataException ? Outcome.REJECT : Outcome.RETRY; // a connection error of the client
    }

    private Future<Void> failed(List<Row> batch, int retries, Throwable err) {
        TableId table = err instanceof InTable t ? t.table : null;
        Throwable cause = err instanceof InTable ? err.getCause() : err;
        if (closed) {
            return Future.failedFuture(new ConnectException("PostgresSinkTask of " + connector + " was closed", cause));
        }
        Outcome outcome = classify(cause);
        String state = cause instanceof PgException pe ? pe.getSqlState() : null;
        if (cause instanceof PgException pe && ("42P01".equals(pe.getSqlState()) || "42703".equals(pe.getSqlState())) && table != null) {
            catalog.invalidate(table);
        }
        if (outcome == Outcome.RETRY && retries < config.maxRetries) {
            if (retries == 0) {
                log.warn("PostgreSQL sink {}: writing {}{} to {} failed ({}); retrying every {} ms, up to {} times", connector,
                        describe(batch), table == null ? "" : " to table " + table, config.url.describe(), what(cause), config.retryBackoffMs,
                        config.maxRetries);
            } else {
                log.debug("PostgreSQL sink {}: retry {} of {} failed: {}", connector, retries, describe(batch), what(cause));
            }
            Promise<Void> next = Promise.promise();
            retrying = next;
            retryTimer = vertx.setTimer(Math.max(1, config.retryBackoffMs), t -> {
                retryTimer = -1;
                retrying = null;
                if (closed) {
                    next.tryFail(new ConnectException("PostgresSinkTask of " + connector + " was closed"));
                } else {
                    attempt(batch, retries + 1).onComplete(next);
                }
            });
            return next.future();
        }
        if (outcome == Outcome.REJECT && batch.size() > 1) {
            // PostgreSQL refused a record: write the batch's records one by one, so that only the refused ones are rejected
            log.info("PostgreSQL sink {}: {} refused ({}); writing its records one by one", connector, describe(batch), what(cause));
            Future<Void> chain = Future.succeededFuture();
            for (Row row : batch) {
                chain = chain.compose(v -> failedWith != null || closed ? Future.succeededFuture() : attempt(List.of(row), 0));
            }
            return chain;
        }
        String message = "PostgreSQL sink " + connector + ": writing " + describe(batch)
                + (table == null ? "" : " to table " + table) + " at " + config.url.describe() + " as " + config.user
                + (outcome == Outcome.RETRY ? " failed after " + (retries + 1) + " attempts: " : " failed: ") + what(cause);
        PostgresSinkException error = new PostgresSinkException(message, state, table == null ? null : table.toString(), cause);
        if (outcome == Outcome.FAIL) {
            failTask(error);
        } else {
            reject(batch.stream().map(Row::record).toList(), error);
        }
        return failedWith != null ? Future.failedFuture(failedWith) : Future.succeededFuture();
    }

    /** The failure's message with its SQL state (a PgException's message holds it already). */
    private static String what(Throwable cause) {
        if (cause instanceof PgException pe) {
            String detail = pe.getDetail() == null ? "" : " [" + pe.getDetail() + "]";
            return "SQL state " + pe.getSqlState() + ": " + pe.getErrorMessage() + detail;
        }
        return cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
    }

    /**
     * Records that failed for good: to the task's reporter (the dead-letter queue, the error log);
     * without one, skipped with {@code errors.tolerance=all}; otherwise the task fails.
     */
    private void reject(List<SinkRecord> records, PostgresSinkException error) {
        FailedRecords.reject(reporter, config.tolerateAll, records, error, this::failTask, log);
    }

    private void failTask(ConnectException error) {
        if (failedWith != null) {
            return;
        }
        failedWith = error;
        log.error("PostgreSQL sink {}: task fails: {}", connector, error.getMessage());
        failure.tryFail(error);
    }

    @Override
    public Future<Void> failure() {
        return failure.future();
    }

    /** "3 records of t-0 (offsets 4 to 6)" or "12 records of 2 partitions". */
    private static String describe(List<Row> batch) {
        Set<TopicPartition> partitions = new LinkedHashSet<>();
        batch.forEach(r -> partitions.add(partitionOf(r.record())));
        if (partitions.size() == 1) {
            long first = batch.get(0).record().originalKafkaOffset();
            long last = batch.get(batch.size() - 1).record().originalKafkaOffset();
            return batch.size() == 1 ? "the record of " + partitions.iterator().next() + " at offset " + first
                    : batch.size() + " records of " + partitions.iterator().next() + " (offsets " + first + " to " + last + ")";
        }
        return batch.size() + " records of " + partitions.size() + " partitions " + partitions;
    }

    private static TopicPartition partitionOf(SinkRecord record) {
        return new TopicPartition(record.originalTopic(), record.originalKafkaPartition());
    }

    // --- offsets and stop ---

    /** Every batch the runtime handed was committed in PostgreSQL before its {@code write} completed: its offsets hold. */
    @Override
    public Future<Map<TopicPartition, OffsetAndMetadata>> flushOffsets(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        if (failedWith != null) {
            return Future.failedFuture(failedWith);
        }
        return Future.succeededFuture(currentOffsets);
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        // nothing is kept per partition: the runtime waits for the write under way before revoking
    }

    @Override
    public Future<Void> close() {
        if (closed) {
            return Future.succeededFuture();
        }
        closed = true;
        if (retryTimer >= 0) {
            vertx.cancelTimer(retryTimer);
            retryTimer = -1;
        }
        if (retrying != null) {
            retrying.tryFail(new ConnectException("PostgresSinkTask of " + connector + " was closed while waiting to retry"));
            retrying = null;
        }
        return pool == null ? Future.succeededFuture() : pool.close().recover(err -> Future.succeededFuture());
    }
}
