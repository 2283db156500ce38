package io.connectreactive.rest;

import java.util.List;

import io.connectreactive.herder.Herder;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In a cluster, a change to connectors ({@code POST}, {@code PUT}, {@code PATCH}, {@code DELETE} under
 * {@code /connectors}) made on a follower is forwarded to the leader's REST API, as Kafka Connect
 * forwards it, so one worker applies changes in the order they came. The request goes on with
 * {@code forward=false} (Kafka Connect's parameter) and the caller's credentials; the leader's answer
 * is relayed as it is. When the leader cannot be reached the follower applies the change itself: every
 * worker can, since the config topic orders the writes.
 */
final class LeaderForwarding {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderForwarding.class);
    private static final List<HttpMethod> WRITES = List.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE);
    private static final List<CharSequence> REQUEST_HEADERS = List.of(HttpHeaders.CONTENT_TYPE, HttpHeaders.AUTHORIZATION,
            HttpHeaders.ACCEPT);
    private static final List<CharSequence> RESPONSE_HEADERS = List.of(HttpHeaders.CONTENT_TYPE, HttpHeaders.LOCATION);

    private final Herder herder;
    private final HttpClient client;

    LeaderForwarding(Vertx vertx, Herder herder) {
        this.herder = herder;
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2_000));
    }

    void handle(RoutingContext ctx) {
        String leader = herder.leaderUrl();
        if (leader == null || !WRITES.contains(ctx.request().method()) || "false".equals(ctx.request().getParam("forward"))) {
            ctx.next();
            return;
        }
        String uri = ctx.request().uri();
        RequestOptions options = new RequestOptions().setMethod(ctx.request().method())
                .setAbsoluteURI(leader + uri + (uri.contains("?") ? "&" : "?") + "forward=false")
                .setIdleTimeout(120_000);
        REQUEST_HEADERS.forEach(h -> {
            String value = ctx.request().getHeader(h);
            if (value != null) {
                options.putHeader(h, value);
            }
        });
        Buffer body = ctx.body().buffer();
        client.request(options)
                .compose(request -> body == null ? request.send() : request.send(body))
                .compose(response -> response.body().map(b -> {
                    ctx.response().setStatusCode(response.statusCode());
                    RESPONSE_HEADERS.forEach(h -> {
                        String value = response.getHeader(h);
                        if (value != null) {
                            ctx.response().putHeader(h, value);
                        }
                    });
                    return b;
                }))
                .onSuccess(b -> ctx.response().end(b))
                .onFailure(err -> {
                    LOG.warn("Could not forward {} {} to the leader at {} ({}); applying it here", ctx.request().method(),
                            ctx.request().path(), leader, err.getMessage());
                    ctx.next();
                });
    }
}
