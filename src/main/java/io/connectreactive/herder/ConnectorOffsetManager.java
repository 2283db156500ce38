package io.connectreactive.herder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.kafka.KafkaFutures;
import io.connectreactive.plugin.PluginRegistry;
import io.connectreactive.runtime.TaskServices;
import io.connectreactive.storage.ConnectorOffsetStore;
import io.connectreactive.storage.OffsetCodec;
import io.connectreactive.storage.OffsetStore;
import io.connectreactive.storage.kafka.KafkaOffsetStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.GroupSubscribedToTopicException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.data.ConnectSchema;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.source.SourceConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads, alters and resets connectors' offsets (KIP-875) as Kafka Connect's {@code Worker} does:
 * a source connector's offsets live in the worker's {@link io.connectreactive.storage.OffsetStore}, or, with
 * {@code offsets.storage.topic} on a clustered worker, in the connector's own topic with the worker's as fallback
 * ({@link ConnectorOffsetStore}: read from both, written to the connector's topic, removals to the worker's first);
 * a sink connector's are the committed offsets of its consumer group {@code connect-<name>}, read
 * and changed through an {@link Admin} client made for the request. Before a change, a fresh,
 * unstarted instance of the connector is asked through {@code alterOffsets()}; its answer picks the
 * response message.
 *
 * <p>Called on the herder's context; the herder checks that the connector exists and is STOPPED.
 * Plugin code and the Admin client's creation and closing run on Vert.x's worker pool; Admin results
 * come back as Futures on the caller's context. Nothing here blocks an event loop.
 */
final class ConnectorOffsetManager {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorOffsetManager.class);
    static final String KAFKA_TOPIC = "kafka_topic";
    static final String KAFKA_PARTITION = "kafka_partition";
    static final String KAFKA_OFFSET = "kafka_offset";
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(90);

    private final Vertx vertx;
    private final TaskServices services;
    private final OffsetCodec codec = new OffsetCodec();

    ConnectorOffsetManager(Vertx vertx, TaskServices services) {
        this.vertx = vertx;
        this.services = services;
    }

    /** The connector's current offsets: source partitions from the offset store, or the sink group's. */
    Future<List<Herder.ConnectorOffset>> offsets(String name, Map<String, String> config) {
        return connectorClass(config).compose(type -> {
            if (SinkConnector.class.isAssignableFrom(type)) {
                return withAdmin(name, config, admin -> kafka(admin.listConsumerGroupOffsets(groupId(name))
                        .partitionsToOffsetAndMetadata()))
                        .map(ConnectorOffsetManager::sinkOffsets)
                        .recover(err -> Future.failedFuture(new ConnectException(
                                "Failed to retrieve consumer group offsets for sink connector " + name, err)));
            }
            return withSourceOffsets(name, config, store -> {
                List<Herder.ConnectorOffset> out = new ArrayList<>();
                store.offsets(name).forEach((p, o) -> out.add(new Herder.ConnectorOffset(p, o)));
                return Future.succeededFuture(out);
            });
        });
    }

    /**
     * Alters the connector's offsets, or resets all of them when {@code offsets} is null; completes
     * with Kafka Connect's message.
     */
    Future<String> modify(String name, Map<String, String> config, Map<Map<String, ?>, Map<String, ?>> offsets) {
        return connectorClass(config).compose(type -> SinkConnector.class.isAssignableFrom(type)
                ? modifySink(name, config, type, offsets)
                : withSourceOffsets(name, config, store -> modifySource(name, config, type, offsets, store)));
    }

    /**
     * Runs {@code use} with the source connector's offsets: the worker's store, or for a connector with its own
     * offsets topic ({@code offsets.storage.topic} on a clustered worker) a {@link ConnectorOffsetStore} made for
     * the request as Kafka Connect's {@code Worker} makes one: started (that topic read to the end, on the store's
     * own thread), then stopped once {@code use} completed.
     */
    private <T> Future<T> withSourceOffsets(String name, Map<String, String> config, Function<OffsetStore, Future<T>> use) {
        String raw = config.get(KafkaOffsetStore.CONNECTOR_OFFSETS_TOPIC);
        if (raw != null && raw.contains("${")) {
            // a config-provider placeholder: resolved on a plugin thread, as the tasks see it
            return services.resolve(Map.of(KafkaOffsetStore.CONNECTOR_OFFSETS_TOPIC, raw), Map.of())
                    .compose(resolved -> withSourceOffsets(name, KafkaOffsetStore.connectorTopic(services.config(), resolved.connector()), use));
        }
        return withSourceOffsets(name, KafkaOffsetStore.connectorTopic(services.config(), config), use);
    }

    /** As above, once the connector's own topic (null: none) is known. */
    private <T> Future<T> withSourceOffsets(String name, String topic, Function<OffsetStore, Future<T>> use) {
        if (topic == null) {
            return use.apply(services.offsets());
        }
        ConnectorOffsetStore store;
        try {
            store = new ConnectorOffsetStore(KafkaOffsetStore.forConnectorTopic(vertx, services.config(), topic, name + "-request"),
                    services.offsets(), services.config().getLong(WorkerConfig.OFFSET_FLUSH_TIMEOUT_MS));
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return store.start().compose(v -> use.apply(store)).eventually(store::stop);
    }

    // ------------------------------------------------------------------ source connectors

    private Future<String> modifySource(String name, Map<String, String> config, Class<? extends Connector> type,
                                        Map<Map<String, ?>, Map<String, ?>> offsets, OffsetStore store) {
        boolean reset = offsets == null;
        Map<Map<String, ?>, Map<String, ?>> toWrite;
        try {
            toWrite = normalize(reset ? allNull(store.offsets(name).keySet()) : offsets);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return services.pluginCalls().call(() -> callAlterOffsets(name, reset,
                        () -> ((SourceConnector) PluginRegistry.newInstance(type)).alterOffsets(config, toWrite)))
                .compose(altered -> {
                    if (toWrite.isEmpty()) {
                        LOG.info("No offsets found for source connector {}: it has none yet or they were reset before", name);
                        return Future.succeededFuture(message(altered, reset));
                    }
                    return store.write(name, toWrite)
                            .recover(err -> Future.failedFuture(new ConnectException(
                                    "Failed to modify offsets for source connector " + name, err)))
                            .map(v -> {
                                LOG.info("Offsets of source connector {} {}: {}", name, reset ? "reset" : "altered", toWrite);
                                return message(altered, reset);
                            });
                });
    }

    /**
     * Checks offsets as Kafka Connect's {@code OffsetUtils.validateFormat} does and gives them the
     * types the tasks will read back (a JSON round trip, so 5 becomes 5L).
     */
    private Map<Map<String, ?>, Map<String, ?>> normalize(Map<Map<String, ?>, Map<String, ?>> offsets) {
        Map<Map<String, ?>, Map<String, ?>> out = new HashMap<>();
        offsets.forEach((partition, offset) -> {
            if (partition == null) {
                throw new BadRequestException("The partition for a source connector offset cannot be null or missing");
            }
            validateFormat(partition);
            validateFormat(offset);
            out.put(codec.decodeValue(codec.value(partition)), offset == null ? null : codec.decodeValue(codec.value(offset)));
        });
        return out;
    }

    private static void validateFormat(Map<String, ?> data) {
        if (data == null) {
            return;
        }
        for (Map.Entry<String, ?> e : data.entrySet()) {
            Object value = e.getValue();
            if (value == null) {
                continue;
            }
            Schema.Type schemaType = ConnectSchema.schemaType(value.getClass());
            if (schemaType == null || !schemaType.isPrimitive()) {
                throw new BadRequestException("Offsets may only contain primitive types as values, but field "
                        + e.getKey() + " contains " + (schemaType == null ? value.getClass() : schemaType));
            }
        }
    }

    // ------------------------------------------------------------------ sink connectors

    private Future<String> modifySink(String name, Map<String, String> config, Class<? extends Connector> type,
                                      Map<Map<String, ?>, Map<String, ?>> offsets) {
        boolean reset = offsets == null;
        Map<TopicPartition, Long> parsed;
        try {
            parsed = reset ? null : parseSinkOffsets(offsets);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return withAdmin(name, config, admin -> {
            Future<Map<TopicPartition, Long>> toWrite = reset
                    ? kafka(admin.listConsumerGroupOffsets(groupId(name)).partitionsToOffsetAndMetadata())
                            .<Map<TopicPartition, Long>>map(listed -> {
                                Map<TopicPartition, Long> all = new HashMap<>();
                                listed.keySet().forEach(tp -> all.put(tp, null));
                                return all;
                            })
                            .recover(err -> Future.failedFuture(new ConnectException(
                                    "Failed to list offsets prior to resetting offsets for sink connector " + name, err)))
                    : Future.succeededFuture(parsed);
            return toWrite.compose(writes -> services.pluginCalls().call(() -> callAlterOffsets(name, reset,
                            () -> ((SinkConnector) PluginRegistry.newInstance(type)).alterOffsets(config, writes)))
                    .compose(altered -> (reset ? deleteGroup(name, admin) : alterGroup(name, admin, writes))
                            .map(v -> {
                                LOG.info("Offsets of sink connector {} {}", name, reset ? "reset" : "altered: " + writes);
                                return message(altered, reset);
                            })));
        });
    }

    /** Resets by deleting the group, as Kafka Connect does; a group that is already gone is fine. */
    private Future<Void> deleteGroup(String name, Admin admin) {
        return kafka(admin.deleteConsumerGroups(Set.of(groupId(name))).all()).recover(err -> {
            if (err instanceof GroupIdNotFoundException) {
                return Future.succeededFuture();
            }
            if (err instanceof GroupNotEmptyException) {
                return Future.failedFuture(new ConnectException("Failed to reset consumer group offsets for connector "
                        + name + " either because its tasks haven't stopped completely yet or the connector was resumed "
                        + "before the request to reset its offsets could be successfully completed. If the connector is in "
                        + "a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the "
                        + "Connect cluster may need to be restarted to get rid of the zombie sink tasks.", err));
            }
            return Future.failedFuture(new ConnectException(
                    "Failed to reset consumer group offsets for sink connector " + name, err));
        });
    }

    /** Commits the given offsets for the group and deletes the ones given as null. */
    private Future<Void> alterGroup(String name, Admin admin, Map<TopicPartition, Long> writes) {
        Map<TopicPartition, OffsetAndMetadata> toAlter = new HashMap<>();
        Set<TopicPartition> toDelete = new HashSet<>();
        writes.forEach((tp, offset) -> {
            if (offset == null) {
                toDelete.add(tp);
            } else {
                toAlter.put(tp, new OffsetAndMetadata(offset));
            }
        });
        List<Future<Void>> calls = new ArrayList<>();
        if (!toAlter.isEmpty()) {
            calls.add(kafka(admin.alterConsumerGroupOffsets(groupId(name), toAlter).all()));
        }
        if (!toDelete.isEmpty()) {
            calls.add(kafka(admin.deleteConsumerGroupOffsets(groupId(name), toDelete).all()));
        }
        return Future.all(calls).<Void>mapEmpty().recover(err -> {
            if (err instanceof UnknownMemberIdException || err instanceof GroupSubscribedToTopicException) {
                return Future.failedFuture(new ConnectException("Failed to alter consumer group offsets for connector "
                        + name + " either because its tasks haven't stopped completely yet or the connector was resumed "
                        + "before the request to alter its offsets could be successfully completed. If the connector is in "
                        + "a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the "
                        + "Connect cluster may need to be restarted to get rid of the zombie sink tasks.", err));
            }
            return Future.failedFuture(new ConnectException("Failed to alter consumer group offsets for connector " + name, err));
        });
    }

    /** Kafka Connect's {@code SinkUtils.parseSinkConnectorOffsets}, with its messages. */
    static Map<TopicPartition, Long> parseSinkOffsets(Map<Map<String, ?>, Map<String, ?>> offsets) {
        Map<TopicPartition, Long> out = new HashMap<>();
        offsets.forEach((partition, offset) -> {
            if (partition == null) {
                throw new BadRequestException("The partition for a sink connector offset cannot be null or missing");
            }
            if (!partition.containsKey(KAFKA_TOPIC) || !partition.containsKey(KAFKA_PARTITION)) {
                throw new BadRequestException("The partition for a sink connector offset must contain the keys '"
                        + KAFKA_TOPIC + "' and '" + KAFKA_PARTITION + "'");
            }
            if (partition.get(KAFKA_TOPIC) == null) {
                throw new BadRequestException("Kafka topic names must be valid strings and may not be null");
            }
            if (partition.get(KAFKA_PARTITION) == null) {
                throw new BadRequestException("Kafka partitions must be valid numbers and may not be null");
            }
            int p;
            try {
                p = Integer.parseInt(String.valueOf(partition.get(KAFKA_PARTITION)));
            } catch (NumberFormatException e) {
                throw new BadRequestException("Failed to parse the following Kafka partition value in the provided offsets: '"
                        + partition.get(KAFKA_PARTITION) + "'. Partition values for sink connectors need to be integers.");
            }
            TopicPartition tp = new TopicPartition(String.valueOf(partition.get(KAFKA_TOPIC)), p);
            if (offset == null) {
                out.put(tp, null);
                return;
            }
            if (!offset.containsKey(KAFKA_OFFSET)) {
                throw new BadRequestException("The offset for a sink connector should either be null or contain the key '"
                        + KAFKA_OFFSET + "'");
            }
            try {
                out.put(tp, Long.parseLong(String.valueOf(offset.get(KAFKA_OFFSET))));
            } catch (NumberFormatException e) {
                throw new BadRequestException("Failed to parse the following Kafka offset value in the provided offsets: '"
                        + offset.get(KAFKA_OFFSET) + "'. Offset values for sink connectors need to be integers.");
            }
        });
        return out;
    }

    private static List<Herder.ConnectorOffset> sinkOffsets(Map<TopicPartition, OffsetAndMetadata> committed) {
        return committed.entrySet().stream()
                .filter(e -> e.getValue() != null)
                .sorted(Comparator.comparing((Map.Entry<TopicPartition, OffsetAndMetadata> e) -> e.getKey().topic())
                        .thenComparingInt(e -> e.getKey().partition()))
                .map(e -> {
                    Map<String, Object> partition = new LinkedHashMap<>();
                    partition.put(KAFKA_TOPIC, e.getKey().topic());
                    partition.put(KAFKA_PARTITION, e.getKey().partition());
                    Map<String, Object> offset = Map.of(KAFKA_OFFSET, e.getValue().offset());
                    return new Herder.ConnectorOffset(partition, offset);
                })
                .collect(Collectors.toList());
    }

    // ------------------------------------------------------------------ shared

    /**
     * Calls the connector's {@code alterOffsets()} (on a worker thread). A connector that does not
     * support it fails the request as in Kafka Connect (500); one that rejects the offsets it was
     * given (a ConnectException, e.g. a wrong offset type) makes it a 400 with the connector's message.
     */
    private static boolean callAlterOffsets(String name, boolean reset, BooleanSupplier call) {
        try {
            return call.getAsBoolean();
        } catch (UnsupportedOperationException e) {
            throw new ConnectException("Failed to modify offsets for connector " + name
                    + " because it doesn't support external modification of offsets", e);
        } catch (RetriableException e) {
            throw e;
        } catch (ConnectException e) {
            if (reset) {
                throw e;
            }
            BadRequestException bad = new BadRequestException(e.getMessage());
            bad.initCause(e);
            throw bad;
        }
    }

    private static String message(boolean altered, boolean reset) {
        String type = reset ? "reset" : "altered";
        return altered
                ? "The offsets for this connector have been " + type + " successfully"
                : "The Connect framework-managed offsets for this connector have been " + type + " successfully. "
                + "However, if this connector manages offsets externally, they will need to be manually " + type
                + " in the system that the connector uses.";
    }

    private static Map<Map<String, ?>, Map<String, ?>> allNull(Set<Map<String, Object>> partitions) {
        Map<Map<String, ?>, Map<String, ?>> out = new HashMap<>();
        partitions.forEach(p -> out.put(p, null));
        return out;
    }

    private Future<Class<? extends Connector>> connectorClass(Map<String, String> config) {
        try {
            return Future.succeededFuture(services.plugins().connectorClass(config.get(ConnectorValidator.CONNECTOR_CLASS)));
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    static String groupId(String connector) {
        return "connect-" + connector;
    }

    /** Creates an Admin client off the event loop, runs {@code use}, and closes it off the event loop. */
    private <T> Future<T> withAdmin(String name, Map<String, String> connectorConfig, Function<Admin, Future<T>> use) {
        Map<String, Object> props;
        try {
            props = services.clients().offsetsAdmin(name, connectorConfig, ADMIN_TIMEOUT);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return vertx.executeBlocking(() -> Admin.create(props), false).compose(admin -> {
            Future<T> result;
            try {
                result = use.apply(admin);
            } catch (RuntimeException e) {
                result = Future.failedFuture(e);
            }
            return result.eventually(() -> vertx.executeBlocking(() -> {
                admin.close(Duration.ofSeconds(5));
                return null;
            }, false));
        });
    }

    /** A KafkaFuture as a Vert.x Future completed on the current context, with the cause unwrapped. */
    private static <T> Future<T> kafka(KafkaFuture<T> f) {
        return KafkaFutures.of(f, Vertx.currentContext());
    }
}
