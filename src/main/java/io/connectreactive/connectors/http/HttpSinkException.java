package io.connectreactive.connectors.http;

import java.util.LinkedHashMap;
import java.util.Map;

import io.connectreactive.api.ErrorContextHeaders;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * A request that failed for good: a status that is not retried, or retries spent. Reported with
 * each of its records to the dead-letter queue, where it adds {@code __connect.errors.http.status}
 * (absent when no answer came), {@code __connect.errors.http.body} (the answer's first
 * {@value #BODY_HEADER_LIMIT} characters) and {@code __connect.errors.http.url} (no credentials,
 * no query). Immutable: any thread.
 */
final class HttpSinkException extends ConnectException implements ErrorContextHeaders {

    static final String HEADER_STATUS = "__connect.errors.http.status";
    static final String HEADER_BODY = "__connect.errors.http.body";
    static final String HEADER_URL = "__connect.errors.http.url";
    static final int BODY_HEADER_LIMIT = 8192;

    private final Integer status;
    private final String body;
    private final String url;

    /**
     * @param status the answer's status, null when none came
     * @param body the answer's body, null when none came
     * @param url the URL, already redacted
     */
    HttpSinkException(String message, Integer status, String body, String url, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.body = body;
        this.url = url;
    }

    Integer status() {
        return status;
    }

    @Override
    public Map<String, String> errorContextHeaders() {
        Map<String, String> h = new LinkedHashMap<>();
        if (status != null) {
            h.put(HEADER_STATUS, String.valueOf(status));
        }
        if (body != null) {
            h.put(HEADER_BODY, body.length() > BODY_HEADER_LIMIT ? body.substring(0, BODY_HEADER_LIMIT) : body);
        }
        h.put(HEADER_URL, url);
        return h;
    }
}
