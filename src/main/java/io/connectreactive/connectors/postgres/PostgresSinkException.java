package io.connectreactive.connectors.postgres;

import java.util.LinkedHashMap;
import java.util.Map;

import io.connectreactive.api.ErrorContextHeaders;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * Why records could not be written to PostgreSQL for good: its message names the connector, the
 * records, the table, the server (never a password) and PostgreSQL's SQL state; given to the
 * errant-record reporter, it adds {@code __connect.errors.postgres.sqlstate} and
 * {@code __connect.errors.postgres.table} to the dead-letter queue record. An immutable value.
 */
public final class PostgresSinkException extends ConnectException implements ErrorContextHeaders {

    static final String HEADER_SQL_STATE = "__connect.errors.postgres.sqlstate";
    static final String HEADER_TABLE = "__connect.errors.postgres.table";

    private final String sqlState;
    private final String table;

    /**
     * @param sqlState PostgreSQL's SQL state, null when none came (a connection error)
     * @param table the table, null when not known
     */
    PostgresSinkException(String message, String sqlState, String table, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
        this.table = table;
    }

    /** PostgreSQL's SQL state, or null. */
    public String sqlState() {
        return sqlState;
    }

    @Override
    public Map<String, String> errorContextHeaders() {
        Map<String, String> h = new LinkedHashMap<>();
        if (sqlState != null) {
            h.put(HEADER_SQL_STATE, sqlState);
        }
        if (table != null) {
            h.put(HEADER_TABLE, table);
        }
        return h;
    }
}
