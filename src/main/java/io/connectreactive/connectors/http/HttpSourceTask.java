package io.connectreactive.connectors.http;

import java.util.HashMap;
import java.util.Map;

import io.connectreactive.api.ReactiveSourceTask;
import io.connectreactive.api.ReactiveTaskContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.streams.ReadStream;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task of {@link HttpSourceConnector}: a native reactive source task, a {@link WebhookServer}
 * ({@code http.mode=webhook}) or an {@link HttpPoller} ({@code http.mode=poll}) feeding a
 * {@link RecordQueue}, the stream the runtime reads by demand.
 *
 * <p><b>Acknowledgements.</b> The task overrides {@link #commitRecord}, so the runtime calls it for
 * each record Kafka acknowledged (or a transform dropped, or the dead-letter queue took), on the
 * task's context; the webhook answers the record's request then. Poll mode needs nothing of it: its
 * position is the source offset, which the runtime commits once acknowledged.
 *
 * <p><b>Threads.</b> Every method, the server's requests, the client's answers and the timers run on
 * the task's context (an event loop); nothing blocks. Key and trust stores are read with Vert.x's
 * asynchronous file system; the stored offset is read from the runtime's in-memory offsets.
 */
public class HttpSourceTask extends ReactiveSourceTask {

    private static final Logger log = LoggerFactory.getLogger(HttpSourceTask.class);

    private RecordQueue queue;
    private WebhookServer webhook;
    private HttpPoller poller;
    private boolean opened;
    private boolean closed;

    @Override
    public String version() {
        return HttpSourceConnector.VERSION;
    }

    @Override
    public Future<ReadStream<SourceRecord>> open(ReactiveTaskContext<SourceTaskContext> context, Map<String, String> props) {
        if (opened || closed) {
            return Future.failedFuture(new IllegalStateException("HttpSourceTask was already opened"));
        }
        opened = true;
        HttpSourceConfig config;
        try {
            Map<String, String> own = new HashMap<>(props);
            own.remove(HttpSourceConfig.TASKS_MAX); // checked by the connector; a task is one of them
            config = new HttpSourceConfig(own);
        } catch (ConfigException e) {
            return Future.failedFuture(new ConnectException("Invalid HttpSourceTask configuration: " + e.getMessage(), e));
        }
        Vertx vertx = context.vertx();
        String connector = props.getOrDefault("name", "http-source");
        queue = new RecordQueue(context.context());
        if (config.mode == HttpSourceConfig.Mode.POLL) {
            Map<String, Object> stored;
            try {
                stored = context.connect().offsetStorageReader().offset(Map.of(HttpPoller.URL_FIELD, config.url));
            } catch (RuntimeException e) {
                return Future.failedFuture(new ConnectException("HTTP source " + connector + ": could not read its stored offset", e));
            }
            poller = new HttpPoller(vertx, config, connector, queue, stored);
            return poller.start().map(v -> queue);
        }
        webhook = new WebhookServer(vertx, config, connector, queue);
        return HttpSettings.readStore(vertx, config.security.keystore().location(), HttpSettings.KEYSTORE_LOCATION)
                .compose(keys -> closed ? Future.succeededFuture() : webhook.start(serverOptions(config, keys)))
                .map(v -> queue);
    }

    private static HttpServerOptions serverOptions(HttpSourceConfig config, Buffer keys) {
        HttpServerOptions o = new HttpServerOptions();
        if (keys != null) {
            o.setSsl(true).setKeyCertOptions(HttpSettings.keyOptions(config.security.keystore(), keys));
        }
        return o;
    }

    /** The webhook's port (its actual one when {@code http.listen.port=0}); for tests. */
    int port() {
        return webhook.port();
    }

    /** Requests awaiting Kafka; for tests. */
    int pending() {
        return webhook == null ? 0 : webhook.pending();
    }

    /** Kafka acknowledged the record (or it is done without reaching its topic): a webhook answers its request. */
    @Override
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
        if (webhook != null) {
            webhook.acked(record, metadata);
        }
    }

    @Override
    public Future<Void> close() {
        if (closed) {
            return Future.succeededFuture();
        }
        closed = true;
        if (queue != null) {
            int unread = queue.stop().size();
            if (unread > 0) {
                log.debug("HTTP source task closes with {} records the runtime did not read", unread);
            }
        }
        if (poller != null) {
            poller.stop();
        }
        return webhook == null ? Future.succeededFuture() : webhook.stop();
    }
}
