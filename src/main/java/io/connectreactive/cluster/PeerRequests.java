package io.connectreactive.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

import io.connectreactive.model.TaskId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * What one worker asks of another over the clustered event bus, both ends: the restart of one task,
 * sent to the worker running it ({@value #RESTART_TASK}{@code <member>}), and a round of zombie fencing,
 * sent to the leader by a worker about to start exactly-once source tasks ({@value #FENCE}{@code <member>}), and
 * the task configs a follower's connector generated, sent to the leader while only it writes the config topic
 * ({@value #TASK_CONFIGS}{@code <member>}).
 * It owns the addresses, the bodies and how a failed request reads to the caller (a
 * {@link ConnectException} with the peer's message, or saying it did not answer). The other writes
 * reach the leader over REST ({@code rest/LeaderForwarding}), not here.
 *
 * <p>Threads: called on the herder's context, which registers the endpoints; each request's answer
 * completes on it, and each endpoint's handler runs on it.
 */
final class PeerRequests {

    private static final String RESTART_TASK = "connect-reactive.restart-task.";
    /** Where the leader takes zombie fencing requests from the workers starting exactly-once source tasks. */
    private static final String FENCE = "connect-reactive.fence.";
    /** Where the leader takes the task configs a follower's connector generated, while only the leader writes them. */
    private static final String TASK_CONFIGS = "connect-reactive.task-configs.";

    private final Vertx vertx;

    PeerRequests(Vertx vertx) {
        this.vertx = vertx;
    }

    /**
     * Registers member {@code self}'s endpoints: {@code restartHere} restarts a task here, {@code fence}
     * runs a round of zombie fencing for a connector, {@code writeTaskConfigs} writes a connector's task
     * configs (both fail when this worker is not the leader). Completes once all are registered across
     * the cluster.
     */
    Future<Void> listen(String self, Function<TaskId, Future<Void>> restartHere, Function<String, Future<Void>> fence,
                        BiFunction<String, List<Map<String, String>>, Future<Void>> writeTaskConfigs) {
        return vertx.eventBus().<String>consumer(RESTART_TASK + self, msg -> answer(msg, restartHere.apply(taskId(msg.body()))))
                .completion()
                .compose(v -> vertx.eventBus().<String>consumer(FENCE + self, msg -> answer(msg, fence.apply(msg.body())))
                        .completion())
                .compose(v -> vertx.eventBus().<JsonObject>consumer(TASK_CONFIGS + self, msg -> answer(msg,
                                writeTaskConfigs.apply(msg.body().getString("connector"), taskConfigs(msg.body().getJsonArray("configs")))))
                        .completion());
    }

    /**
     * Asks {@code leader} to write the task configs of connector {@code name} (Kafka Connect's follower
     * forwards them to its leader in the same way); completes once the leader read them back.
     */
    Future<Void> writeTaskConfigs(Membership.Worker leader, String name, List<Map<String, String>> configs) {
        JsonArray tasks = new JsonArray();
        configs.forEach(c -> tasks.add(new JsonObject(new LinkedHashMap<>(c))));
        return vertx.eventBus().request(TASK_CONFIGS + leader.id(), new JsonObject().put("connector", name).put("configs", tasks))
                .<Void>mapEmpty()
                .recover(err -> Future.failedFuture(err instanceof ReplyException r && r.failureType() == ReplyFailure.RECIPIENT_FAILURE
                        ? new ConnectException(r.getMessage())
                        : new ConnectException("The leader " + leader.workerId()
                        + " did not answer the request to write the task configurations of " + name + ": " + err.getMessage())));
    }

    private static List<Map<String, String>> taskConfigs(JsonArray tasks) {
        List<Map<String, String>> out = new ArrayList<>(tasks.size());
        for (int i = 0; i < tasks.size(); i++) {
            Map<String, String> config = new LinkedHashMap<>();
            tasks.getJsonObject(i).forEach(e -> config.put(e.getKey(), (String) e.getValue()));
            out.add(config);
        }
        return out;
    }

    /** Asks member {@code owner}, which runs task {@code id}, to restart it. */
    Future<Void> restartTask(String owner, TaskId id) {
        return vertx.eventBus().request(RESTART_TASK + owner, id.connector() + "\n" + id.task())
                .<Void>mapEmpty()
                .recover(err -> Future.failedFuture(err instanceof ReplyException r && r.failureCode() >= 0
                        ? new ConnectException(r.getMessage())
                        : new ConnectException("The worker running task " + id
                        + " did not answer: " + err.getMessage())));
    }

    /** Asks {@code leader} for a round of zombie fencing of source connector {@code name} (bounded by the round's own bound). */
    Future<Void> fence(Membership.Worker leader, String name) {
        return vertx.eventBus().request(FENCE + leader.id(), name, new DeliveryOptions().setSendTimeout(ZombieFencing.TIMEOUT_MS + 30_000))
                .<Void>mapEmpty()
                .recover(err -> Future.failedFuture(err instanceof ReplyException r && r.failureType() == ReplyFailure.RECIPIENT_FAILURE
                        ? new ConnectException(r.getMessage())
                        : new ConnectException("The leader " + leader.workerId()
                        + " did not answer the zombie fencing request: " + err.getMessage())));
    }

    private static void answer(Message<?> msg, Future<Void> done) {
        done.onComplete(ar -> {
            if (ar.succeeded()) {
                msg.reply(null);
            } else {
                msg.fail(500, ar.cause().getMessage());
            }
        });
    }

    private static TaskId taskId(String body) {
        int sep = body.lastIndexOf('\n');
        return new TaskId(body.substring(0, sep), Integer.parseInt(body.substring(sep + 1)));
    }
}
