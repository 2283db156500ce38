package io.connectreactive.runtime.errors;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.connectreactive.model.TaskId;
import io.vertx.core.Context;
import io.vertx.core.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's dead-letter queue: the topic (created when missing, one partition, the configured
 * replication factor, as Kafka Connect does) and a producer of the task's own
 * ({@code connector-dlq-producer-<task>}, {@code acks=all}). Records carry, when
 * {@code errors.deadletterqueue.context.headers.enable} is true, Kafka Connect's
 * {@code __connect.errors.*} headers.
 *
 * <p>{@link #open} runs on Vert.x's worker pool. {@link #send} may be called from any thread (the
 * task's thread or its context); the producer's {@code send}, which may wait for metadata, runs on
 * the worker pool in call order, and the returned future completes on the producer's I/O thread
 * once Kafka acknowledged the record. {@link #close} from the task's context at stop.
 */
public final class DeadLetterQueue {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterQueue.class);

    public static final String HEADER_PREFIX = "__connect.errors.";
    public static final String ERROR_HEADER_ORIG_TOPIC = HEADER_PREFIX + "topic";
    public static final String ERROR_HEADER_ORIG_PARTITION = HEADER_PREFIX + "partition";
    public static final String ERROR_HEADER_ORIG_OFFSET = HEADER_PREFIX + "offset";
    public static final String ERROR_HEADER_CONNECTOR_NAME = HEADER_PREFIX + "connector.name";
    public static final String ERROR_HEADER_TASK_ID = HEADER_PREFIX + "task.id";
    public static final String ERROR_HEADER_STAGE = HEADER_PREFIX + "stage";
    public static final String ERROR_HEADER_EXECUTING_CLASS = HEADER_PREFIX + "class.name";
    public static final String ERROR_HEADER_EXCEPTION = HEADER_PREFIX + "exception.class.name";
    public static final String ERROR_HEADER_EXCEPTION_MESSAGE = HEADER_PREFIX + "exception.message";
    public static final String ERROR_HEADER_EXCEPTION_STACK_TRACE = HEADER_PREFIX + "exception.stacktrace";
    /** Our extension for source records: their source partition and offset, as JSON. */
    public static final String ERROR_HEADER_SOURCE_PARTITION = HEADER_PREFIX + "source.partition";
    public static final String ERROR_HEADER_SOURCE_OFFSET = HEADER_PREFIX + "source.offset";

    private final TaskId id;
    private final String topic;
    private final boolean contextHeaders;
    private final Context context;
    private final Producer<byte[], byte[]> producer;

    private DeadLetterQueue(TaskId id, String topic, boolean contextHeaders, Context context, Producer<byte[], byte[]> producer) {
        this.id = id;
        this.topic = topic;
        this.contextHeaders = contextHeaders;
        this.context = context;
        this.producer = producer;
    }

    /**
     * Creates the topic if missing and the producer, on the worker pool; the future completes on
     * {@code context}. Never throws.
     *
     * @param producerSettings the producer's settings, as {@code ClientConfigs.dlqProducer} builds them
     */
    public static Future<DeadLetterQueue> open(Context context, TaskId id, ErrorHandlingConfig config, Admin admin,
                                               Map<String, Object> producerSettings) {
        return context.executeBlocking(() -> {
            createTopic(admin, config.dlqTopic(), config.dlqReplicationFactor());
            Producer<byte[], byte[]> producer = new KafkaProducer<>(new HashMap<>(producerSettings),
                    new ByteArraySerializer(), new ByteArraySerializer());
            LOG.info("Task {} writes failed records to dead-letter queue {}", id, config.dlqTopic());
            return new DeadLetterQueue(id, config.dlqTopic(), config.dlqContextHeaders(), context, producer);
        }, false);
    }

    private static void createTopic(Admin admin, String topic, short replicationFactor) throws Exception {
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.of(replicationFactor))))
                    .all().get(30, TimeUnit.SECONDS);
            LOG.info("Created dead-letter queue topic {}", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new ConnectException(
                        "Could not create dead-letter queue topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
            }
        }
    }

    public String topic() {
        return topic;
    }

    /**
     * Sends a failed record's key, value and headers with the error context added; completes when
     * Kafka acknowledged it (on the producer's thread). Any thread; never throws.
     *
     * @param origin the original coordinates: topic, partition, offset (each may be null)
     * @param extra more headers (a source record's partition and offset)
     */
    public CompletableFuture<Void> send(byte[] key, byte[] value, Long timestamp, Headers originalHeaders,
                                        Failure failure, String originTopic, Integer originPartition, Long originOffset,
                                        Map<String, String> extra) {
        RecordHeaders headers = new RecordHeaders();
        if (originalHeaders != null) {
            originalHeaders.forEach(headers::add);
        }
        if (contextHeaders) {
            if (originTopic != null) {
                headers.add(ERROR_HEADER_ORIG_TOPIC, bytes(originTopic));
            }
            if (originPartition != null) {
                headers.add(ERROR_HEADER_ORIG_PARTITION, bytes(String.valueOf(originPartition)));
            }
            if (originOffset != null) {
                headers.add(ERROR_HEADER_ORIG_OFFSET, bytes(String.valueOf(originOffset)));
            }
            headers.add(ERROR_HEADER_CONNECTOR_NAME, bytes(id.connector()));
            headers.add(ERROR_HEADER_TASK_ID, bytes(String.valueOf(id.task())));
            headers.add(ERROR_HEADER_STAGE, bytes(failure.stage().name()));
            headers.add(ERROR_HEADER_EXECUTING_CLASS, bytes(failure.executing().getName()));
            Throwable error = failure.error();
            headers.add(ERROR_HEADER_EXCEPTION, bytes(error.getClass().getName()));
            if (error.getMessage() != null) {
                headers.add(ERROR_HEADER_EXCEPTION_MESSAGE, bytes(error.getMessage()));
            }
            StringWriter trace = new StringWriter();
            error.printStackTrace(new PrintWriter(trace));
            headers.add(ERROR_HEADER_EXCEPTION_STACK_TRACE, bytes(trace.toString()));
            extra.forEach((k, v) -> headers.add(k, bytes(v)));
        }
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, timestamp, key, value, headers);
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.executeBlocking(() -> {
            producer.send(record, (md, err) -> {
                if (err != null) {
                    done.completeExceptionally(new ConnectException(
                            "Could not write a failed record of task " + id + " to dead-letter queue " + topic + ": "
                                    + err.getMessage(), err));
                } else {
                    done.complete(null);
                }
            });
            return null;
        }, true).onFailure(done::completeExceptionally);
        return done;
    }

    /** Closes the producer on the worker pool, waiting at most {@code timeoutMs} for records still in it. */
    public Future<Void> close(long timeoutMs) {
        return context.executeBlocking(() -> {
            producer.close(Duration.ofMillis(timeoutMs));
            return null;
        }, false);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
