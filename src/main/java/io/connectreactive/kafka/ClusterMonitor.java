package io.connectreactive.kafka;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches whether the worker reaches its Kafka cluster: every {@value #INTERVAL_MS} ms it asks the
 * worker's admin client to describe the cluster (answer within {@value #TIMEOUT_MS} ms), and logs
 * one line when the cluster becomes unreachable and one when it answers again. {@code /health} reports
 * the outage. The tasks need nothing from it: their clients wait and retry on their own, and their
 * bounds keep memory in check meanwhile. Started and stopped on one context; {@link #outage()} from any
 * thread.
 */
public final class ClusterMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterMonitor.class);
    static final long INTERVAL_MS = 2_000;
    static final long TIMEOUT_MS = 5_000;

    private final Vertx vertx;
    private final Admin admin;
    private final String bootstrapServers;
    private volatile Outage outage;
    private long timer = -1;
    private boolean checking;

    public ClusterMonitor(Vertx vertx, Admin admin, String bootstrapServers) {
        this.vertx = vertx;
        this.admin = admin;
        this.bootstrapServers = bootstrapServers;
    }

    /** What the worker cannot reach, and since when; null while the cluster answers. */
    public record Outage(Instant since, String reason) {
    }

    public Outage outage() {
        return outage;
    }

    public void start() {
        timer = vertx.setPeriodic(INTERVAL_MS, t -> check());
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private void check() {
        if (checking) {
            return;
        }
        checking = true;
        KafkaFutures.of(admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT_MS)).clusterId(),
                        vertx.getOrCreateContext())
                .timeout(TIMEOUT_MS + 1_000, TimeUnit.MILLISECONDS)
                .onComplete(ar -> {
                    checking = false;
                    if (ar.succeeded() && outage != null) {
                        LOG.info("Kafka cluster at {} reachable again (unreachable since {})", bootstrapServers, outage.since());
                        outage = null;
                    } else if (ar.failed() && outage == null) {
                        String reason = ar.cause().getMessage() == null ? ar.cause().toString() : ar.cause().getMessage();
                        outage = new Outage(Instant.now(), reason);
                        LOG.warn("Kafka cluster at {} unreachable: {}; tasks wait and retry", bootstrapServers, reason);
                    }
                });
    }
}
