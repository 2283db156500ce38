package io.connectreactive.runtime.source;

import java.util.Map;

import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * A producer interceptor (configured with {@code producer.interceptor.classes}) that throws an
 * {@link Error} for every record whose topic starts with {@code poison}: Kafka's interceptor chain
 * swallows exceptions, not errors, so the error escapes {@code producer.send}.
 */
public class PoisonInterceptor implements ProducerInterceptor<byte[], byte[]> {

    /** The error thrown. */
    public static final class PoisonError extends Error {
        public PoisonError(String message) {
            super(message);
        }
    }

    @Override
    public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
        if (record.topic().startsWith("poison")) {
            throw new PoisonError("poisoned record for " + record.topic());
        }
        return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
