package io.connectreactive.runtime.source;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.storage.Converter;

/**
 * A value converter that blocks like a remote call (a Schema Registry converter's HTTP request):
 * each conversion waits up to 2 s for {@link #GATE} to open, then writes the value as a string.
 */
public class GatedConverter implements Converter {

    /** Opened by the test; until then every conversion takes 2 s. */
    public static volatile CountDownLatch GATE = new CountDownLatch(1);
    /** Threads the conversions ran on. */
    public static final java.util.List<String> THREADS = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        THREADS.add(Thread.currentThread().getName());
        try {
            GATE.await(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return value == null ? null : value.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        return new SchemaAndValue(Schema.OPTIONAL_STRING_SCHEMA, value == null ? null : new String(value, StandardCharsets.UTF_8));
    }
}
