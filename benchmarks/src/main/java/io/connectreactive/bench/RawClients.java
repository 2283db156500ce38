package io.connectreactive.bench;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The "raw" contender, run as its own JVM (same flags as the workers) by {@link RawProcess}: a plain
 * {@link KafkaProducer} or {@link KafkaConsumer} doing a connector's job with nothing around it —
 * the physical limit of this machine and broker.
 *
 * <pre>
 * produce BOOTSTRAP TOPIC SOURCE_FILE PRODUCER_PROPERTIES   read the file's lines, send each line's JSON envelope
 * consume BOOTSTRAP TOPIC SINK_FILE GROUP COUNT             write each record's payload as a line, COUNT records
 * </pre>
 * Protocol on stdin/stdout: the process prints {@code READY} once its client exists, starts on a
 * {@code GO} line, prints {@code DONE} and exits when finished.
 */
public final class RawClients {

    private RawClients() {
    }

    public static void main(String[] args) throws Exception {
        BufferedReader control = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        switch (args[0]) {
            case "produce" -> produce(args[1], args[2], args[3], args[4], control);
            case "consume" -> consume(args[1], args[2], args[3], args[4], Long.parseLong(args[5]), control);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.out.println("DONE");
        System.out.flush();
    }

    private static void produce(String bootstrap, String topic, String file, String settingsFile, BufferedReader control)
            throws IOException {
        Properties settings = new Properties();
        try (var in = new FileInputStream(settingsFile)) {
            settings.load(in);
        }
        Map<String, Object> config = new HashMap<>();
        settings.stringPropertyNames().forEach(k -> config.put(k, settings.getProperty(k)));
        config.put("bootstrap.servers", bootstrap);
        config.put("client.id", "raw-producer");
        AtomicLong failures = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            ready(control);
            byte[] buffer = new byte[1 << 16];
            byte[] line = new byte[1024];
            int lineLength = 0;
            try (var in = new FileInputStream(file)) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    for (int i = 0; i < n; i++) {
                        byte b = buffer[i];
                        if (b == '\n') {
                            producer.send(new ProducerRecord<>(topic, null, Records.envelope(line, lineLength)),
                                    (md, err) -> {
                                        if (err != null) {
                                            failures.incrementAndGet();
                                        }
                                    });
                            lineLength = 0;
                        } else {
                            if (lineLength == line.length) {
                                line = java.util.Arrays.copyOf(line, line.length * 2);
                            }
                            line[lineLength++] = b;
                        }
                    }
                }
            }
            producer.flush();
        }
        if (failures.get() > 0) {
            System.err.println(failures.get() + " records failed");
        }
    }

    private static void consume(String bootstrap, String topic, String file, String group, long count, BufferedReader control)
            throws IOException {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "raw-consumer");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             OutputStream out = new BufferedOutputStream(new FileOutputStream(file), 1 << 16)) {
            ready(control);
            consumer.subscribe(List.of(topic));
            long seen = 0;
            while (seen < count) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    Records.writePayload(r.value(), out);
                    out.write('\n');
                    seen++;
                }
                out.flush();
            }
            consumer.commitSync();
        }
    }

    private static void ready(BufferedReader control) throws IOException {
        System.out.println("READY");
        System.out.flush();
        String line = control.readLine();
        if (!"GO".equals(line)) {
            throw new IllegalStateException("expected GO, got " + line);
        }
    }
}
