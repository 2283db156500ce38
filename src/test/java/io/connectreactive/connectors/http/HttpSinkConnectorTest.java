package io.connectreactive.connectors.http;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The HTTP sink end to end: real broker, one real worker shared by the tests (a connector and a
 * topic of each test's own), a real HTTP server per test.
 */
@ExtendWith(KafkaBroker.class)
class HttpSinkConnectorTest {

    private static final String STRING = "org.apache.kafka.connect.storage.StringConverter";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    private static TestWorker worker;
    private static KafkaBroker kafka;
    private static Admin admin;
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void startWorker(KafkaBroker broker) {
        kafka = broker;
        worker = TestWorker.start(broker, dir, Map.of());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    @AfterAll
    static void stopWorker() {
        producer.close();
        admin.close();
        worker.close();
    }

    @Test
    void deliversEveryRecordInPartitionOrderWithManyInFlightAndOutOfOrderAnswers() throws Exception {
        try (TestHttpServer server = TestHttpServer.start()) {
            server.respond = r -> TestHttpServer.Answer.ok(ThreadLocalRandom.current().nextInt(0, 25));
            String topic = topic("order", 4);
            worker.create("order", sink(topic, server.url("/in"), Map.of("tasks.max", "2", "http.max.in.flight", "4")));
            int perPartition = 60;
            produce(topic, perPartition);
            // committed offsets never pass what the server acknowledged, read while records flow
            while (server.acked.size() < 4 * perPartition) {
                Map<Integer, Long> committed = committed("order", topic);
                Map<Integer, Long> acked = ackedPerPartition(server);
                committed.forEach((p, offset) -> assertThat(offset).as("committed offset of partition " + p)
                        .isLessThanOrEqualTo(acked.getOrDefault(p, 0L)));
                await().atMost(WAIT).pollDelay(Duration.ofMillis(100)).until(() -> true);
                assertThat(server.received.size()).isLessThanOrEqualTo(4 * perPartition);
            }
            await().atMost(WAIT).until(() -> server.acked.size() == 4 * perPartition);
            for (int p = 0; p < 4; p++) {
                assertThat(valuesOf(server.ackedBodies(), p)).as("partition " + p).containsExactlyElementsOf(expected(p, 0, perPartition));
            }
            assertThat(server.received).hasSize(4 * perPartition);
            assertThat(server.maxConcurrent.get()).as("requests under way at once").isGreaterThan(1);
            JsonObject status = worker.status("order");
            assertThat(status.getJsonArray("tasks")).hasSize(2);
            await().atMost(WAIT).until(() -> committed("order", topic).values().stream().mapToLong(Long::longValue).sum() == 4L * perPartition);
            assertThat(server.received).allSatisfy(r -> {
                assertThat(r.method()).isEqualTo("POST");
                assertThat(r.headers().get("Content-Type")).isEqualTo("text/plain; charset=UTF-8");
            });
        }
    }

    @Test
    void batchesRecordsOfOnePartitionAsJsonArraysWithinTheBounds() throws Exception {
        try (TestHttpServer server = TestHttpServer.start()) {
            String topic = topic("batch", 2);
            Map<String, String> config = new HashMap<>(sink(topic, server.url("/batch/${partition}"),
                    Map.of("http.batch.max.records", "10", "http.batch.max.bytes", "120", "http.batch.linger.ms", "50")));
            config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
            config.put("value.converter.schemas.enable", "false");
            worker.create("batch", config);
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(topic, i % 2, null, "{\"p\":" + (i % 2) + ",\"n\":" + (i / 2) + "}"));
            }
            producer.flush();
            await().atMost(WAIT).until(() -> server.ackedSnapshot().stream().mapToInt(r -> new JsonArray(r.body()).size()).sum() == 100);
            for (int p = 0; p < 2; p++) {
                int partition = p;
                List<TestHttpServer.Received> of = server.ackedSnapshot().stream().filter(r -> r.uri().equals("/batch/" + partition)).toList();
                List<Integer> ns = new ArrayList<>();
                for (TestHttpServer.Received r : of) {
                    JsonArray array = new JsonArray(r.body());
                    assertThat(array.size()).isBetween(1, 10);
                    assertThat(r.body().length()).as(r.body()).isLessThanOrEqualTo(120);
                    assertThat(r.headers().get("Content-Type")).isEqualTo("application/json");
                    array.forEach(o -> {
                        assertThat(((JsonObject) o).getInteger("p")).isEqualTo(partition);
                        ns.add(((JsonObject) o).getInteger("n"));
                    });
                }
                assertThat(ns).containsExactlyElementsOf(IntStream.range(0, 50).boxed().toList());
                // 50 values of ~14 bytes: the byte bound (120) cuts arrays at 7 or 8 values
                assertThat(of.size()).isBetween(7, 25);
            }
        }
    }

    @Test
    void aBatchLingersForMoreRecordsOfItsPartition() throws Exception {
        try (TestHttpServer server = TestHttpServer.start()) {
            String topic = topic("linger", 1);
            worker.create("linger", sink(topic, server.url("/l"), Map.of("http.batch.max.records", "10", "http.batch.linger.ms", "1500")));
            long t0 = System.nanoTime();
            for (int i = 0; i < 3; i++) { // three records apart in time, within the linger: one array
                producer.send(new ProducerRecord<>(topic, 0, null, "late-" + i)).get();
                await().pollDelay(Duration.ofMillis(200)).until(() -> true);
            }
            await().atMost(WAIT).until(() -> server.acked.size() == 1);
            assertThat(server.acked).singleElement().extracting(TestHttpServer.Received::body)
                    .isEqualTo("[\"late-0\",\"late-1\",\"late-2\"]");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(1400));
            await().atMost(WAIT).until(() -> committed("linger", topic).getOrDefault(0, 0L) == 3L);
            assertThat(server.received).hasSize(1);
        }
    }

    @Test
    void placeholdersHeadersAndAuthenticationReachTheServer() throws Exception {
        try (TestHttpServer server = TestHttpServer.start()) {
            String basic = "Basic " + java.util.Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
            server.respond = r -> {
                String auth = r.headers().get("Authorization");
                boolean ok = r.uri().startsWith("/basic/") ? basic.equals(auth) : "Bearer tok-123".equals(auth);
                return ok && "acme".equals(r.headers().get("X-Tenant")) ? TestHttpServer.Answer.ok() : TestHttpServer.Answer.of(401, "who?");
            };
            String topic = topic("auth", 1);
            Map<String, String> common = Map.of("http.headers", "X-Tenant:acme,Content-Type:text/csv", "http.method", "PUT");
            Map<String, String> basicConfig = new HashMap<>(sink(topic, server.url("/basic/${topic}/${partition}/${key}"), common));
            basicConfig.putAll(Map.of("http.auth.type", "basic", "http.auth.username", "alice", "http.auth.password", "s3cret"));
            Map<String, String> bearerConfig = new HashMap<>(sink(topic, server.url("/bearer/${key}"), common));
            bearerConfig.putAll(Map.of("http.auth.type", "bearer", "http.auth.token", "tok-123"));
            worker.create("auth-basic", basicConfig);
            worker.create("auth-bearer", bearerConfig);
            producer.send(new ProducerRecord<>(topic, 0, "a b/c", "v1")).get();
            producer.send(new ProducerRecord<>(topic, 0, null, "v2")).get();
            await().atMost(WAIT).until(() -> server.acked.size() == 4);
            assertThat(server.received).hasSize(4);
            assertThat(server.acked).extracting(TestHttpServer.Received::uri).containsExactlyInAnyOrder(
                    "/basic/" + topic + "/0/a%20b%2Fc", "/basic/" + topic + "/0/", "/bearer/a%20b%2Fc", "/bearer/");
            assertThat(server.acked).allSatisfy(r -> {
                assertThat(r.method()).isEqualTo("PUT");
                assertThat(r.headers().get("Content-Type")).isEqualTo("text/csv");
            });
        }
    }

    @Test
    void serverErrorsAndTooManyRequestsAreRetriedHonouringRetryAfter() throws Exception {
        try (TestHttpServer server = TestHttpServer.start()) {
            AtomicInteger n = new AtomicInteger();
            server.respond = r -> switch (n.incrementAndGet()) {
                case 1 -> TestHttpServer.Answer.of(503, "busy");
                case 2 -> new TestHttpServer.Answer(429, "slow down", Map.of("Retry-After", "1"), 0);
                default -> TestHttpServer.Answer.ok();
            };
            List<Long> times = java.util.Collections.synchronizedList(new ArrayList<>());
            var respond = server.respond;
            server.respond = r -> {
                times.add(System.nanoTime());
                return respond.apply(r);
            };
            String topic = topic("retry", 1);
            worker.create("retry", sink(topic, server.url("/r"), Map.of("http.retry.backoff.ms", "20")));
            producer.send(new ProducerRecord<>(topic, 0, null, "once")).get();
            await().atMost(WAIT).until(() -> server.acked.size() == 1);
            assertThat(server.received).extracting(TestHttpServer.Received::body).containsExactly("once", "once", "once");
            assertThat(Duration.ofNanos(times.get(2) - times.get(1))).as("wait after Retry-After: 1").isGreaterThan(Duration.ofMillis(900));
            assertThat(Duration.ofNanos(times.get(1) - times.get(0))).isLessThan(Duration.ofMillis(900));
        }
    }

    @Test
    void aLongRetryAfterWaitsNoLongerThanTheRetryAfterMaximum() throws Exception {
        try (TestHttpServer server = TestHttpServer.start()) {
            AtomicInteger n = new AtomicInteger();
            List<Long> times = java.util.Collections.synchronizedList(new ArrayList<>());
            server.respond = r -> {
                times.add(System.nanoTime());
                return n.incrementAndGet() == 1 ? new TestHttpServer.Answer(503, "later", Map.of("Retry-After", "3600"), 0)
                        : TestHttpServer.Answer.ok();
            };
            String topic = topic("retry-cap", 1);
            worker.create("retry-cap", sink(topic, server.url("/c"), Map.of("http.retry.after.max.ms", "300")));
            producer.send(new ProducerRecord<>(topic, 0, null, "capped")).get();
            await().atMost(WAIT).until(() -> server.acked.size() == 1);
            assertThat(Duration.ofNanos(times.get(1) - times.get(0))).as("Retry-After: 3600 capped at 300 ms")
                    .isBetween(Duration.ofMillis(250), Duration.ofSeconds(10));
        }
    }

    @Test
    void failedRequestsGoToTheDeadLetterQueueWithStatusAndBody() throws Exception {
        try (TestHttpServer server = TestHttpServer.start()) {
            server.respond = r -> switch (r.body()) {
                case "bad" -> TestHttpServer.Answer.of(500, "boom");
                case "refused" -> TestHttpServer.Answer.of(422, "{\"error\":\"no thanks\"}");
                default -> TestHttpServer.Answer.ok();
            };
            String topic = topic("dlq", 1);
            String dlq = topic + "-dlq";
            Map<String, String> config = new HashMap<>(sink(topic, server.url("/d"), Map.of("http.retry.max", "2", "http.retry.backoff.ms", "10")));
            config.putAll(Map.of("errors.tolerance", "all", "errors.deadletterqueue.topic.name", dlq,
                    "errors.deadletterqueue.topic.replication.factor", "1", "errors.deadletterqueue.context.headers.enable", "true"));
            worker.create("dlq", config);
            for (String v : List.of("ok-1", "bad", "refused", "ok-2")) {
                producer.send(new ProducerRecord<>(topic, 0, null, v)).get();
            }
            await().atMost(WAIT).until(() -> server.acked.size() == 2);
            List<ConsumerRecord<byte[], byte[]>> failed = kafka.consume(dlq, 2, WAIT);
            assertThat(failed).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("bad", "refused");
            assertThat(header(failed.get(0), "__connect.errors.http.status")).isEqualTo("500");
            assertThat(header(failed.get(0), "__connect.errors.http.body")).isEqualTo("boom");
            assertThat(header(failed.get(0), "__connect.errors.exception.message")).contains("failed after 3 attempts", "status 500");
            assertThat(header(failed.get(1), "__connect.errors.http.status")).isEqualTo("422");
            assertThat(header(failed.get(1), "__connect.errors.http.body")).isEqualTo("{\"error\":\"no thanks\"}");
            assertThat(header(failed.get(1), "__connect.errors.offset")).isEqualTo("2");
            assertThat(server.receivedSnapshot().stream().filter(r -> r.body().equals("bad"))).hasSize(3);
            assertThat(server.receivedSnapshot().stream().filter(r -> r.body().equals("refused"))).as("4xx: not retried").hasSize(1);
            assertThat(server.ackedBodies()).containsExactly("ok-1", "ok-2");
            await().atMost(WAIT).until(() -> committed("dlq", topic).getOrDefault(0, 0L) == 4L);
            assertThat(worker.status("dlq").getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RUNNING");
        }
    }

    @Test
    void aRefusedRequestFailsTheTaskWithStatusBodyAndUrlWithoutSecrets() throws Exception {
        try (TestHttpServer server = TestHttpServer.start()) {
            server.respond = r -> TestHttpServer.Answer.of(400, "field x is bad");
            String topic = topic("fail", 1);
            worker.create("fail", sink(topic, server.url("/f?api_key=secret"), Map.of()));
            producer.send(new ProducerRecord<>(topic, 0, null, "v")).get();
            await().atMost(WAIT).until(() -> "FAILED".equals(worker.status("fail").getJsonArray("tasks").getJsonObject(0).getString("state")));
            String trace = worker.status("fail").getJsonArray("tasks").getJsonObject(0).getString("trace");
            assertThat(trace).contains("POST " + server.url("/f") + "?... for the record of " + topic + "-0 at offset 0",
                    "status 400: field x is bad", "not retried").doesNotContain("secret");
            assertThat(committed("fail", topic).getOrDefault(0, 0L)).isZero();
        }
    }

    @Test
    void retriesSpentFailTheTask() throws Exception {
        try (TestHttpServer server = TestHttpServer.start()) {
            server.respond = r -> TestHttpServer.Answer.of(502, "bad gateway");
            String topic = topic("spent", 1);
            worker.create("spent", sink(topic, server.url("/s"), Map.of("http.retry.max", "3", "http.retry.backoff.ms", "10")));
            producer.send(new ProducerRecord<>(topic, 0, null, "v")).get();
            await().atMost(WAIT).until(() -> "FAILED".equals(worker.status("spent").getJsonArray("tasks").getJsonObject(0).getString("state")));
            assertThat(worker.status("spent").getJsonArray("tasks").getJsonObject(0).getString("trace"))
                    .contains("failed after 4 attempts: status 502: bad gateway");
            assertThat(server.received).hasSize(4);
        }
    }

    @Test
    void anEndpointDownForAWhileLosesNothingAndTheTaskKeepsRunning() throws Exception {
        try (TestHttpServer server = TestHttpServer.start()) {
            String topic = topic("down", 2);
            worker.create("down", sink(topic, server.url("/x"), Map.of("http.retry.max", "-1", "http.retry.backoff.ms", "20",
                    "http.retry.backoff.max.ms", "200", "http.timeout.ms", "2000")));
            produce(topic, 0, 10);
            await().atMost(WAIT).until(() -> server.acked.size() == 20);
            server.stop();
            produce(topic, 10, 30);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> worker.status("down").getJsonArray("tasks")
                    .getJsonObject(0).getString("state").equals("RUNNING"));
            server.restart();
            await().atMost(WAIT).until(() -> server.acked.size() == 60);
            for (int p = 0; p < 2; p++) {
                assertThat(valuesOf(server.ackedBodies(), p)).containsExactlyElementsOf(expected(p, 0, 30));
            }
        }
    }

    @Test
    void tlsWithATrustStoreAndHostNameVerification(@TempDir Path keys) throws Exception {
        String pass = "changeit";
        keytool(keys, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-keystore", "good.p12", "-storetype", "PKCS12",
                "-storepass", pass, "-keypass", pass);
        keytool(keys, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=wrong.example", "-ext", "SAN=dns:wrong.example", "-keystore", "wrong.p12", "-storetype", "PKCS12",
                "-storepass", pass, "-keypass", pass);
        keytool(keys, "-exportcert", "-alias", "server", "-keystore", "good.p12", "-storepass", pass, "-rfc", "-file", "good.pem");
        keytool(keys, "-exportcert", "-alias", "server", "-keystore", "wrong.p12", "-storepass", pass, "-rfc", "-file", "wrong.pem");
        keytool(keys, "-importcert", "-noprompt", "-alias", "good", "-file", "good.pem", "-keystore", "trust.jks", "-storetype", "JKS",
                "-storepass", pass);
        keytool(keys, "-importcert", "-noprompt", "-alias", "wrong", "-file", "wrong.pem", "-keystore", "trust.jks", "-storetype", "JKS",
                "-storepass", pass);
        try (TestHttpServer good = TestHttpServer.start(tls(keys.resolve("good.p12"), pass));
             TestHttpServer wrong = TestHttpServer.start(tls(keys.resolve("wrong.p12"), pass))) {
            String topic = topic("tls", 1);
            Map<String, String> trust = Map.of("http.ssl.truststore.location", keys.resolve("trust.jks").toString(),
                    "http.ssl.truststore.password", pass, "http.retry.max", "0");
            worker.create("tls-good", sink(topic, good.url("/t"), trust));
            worker.create("tls-wrong", sink(topic, wrong.url("/t"), trust));
            Map<String, String> noVerify = new HashMap<>(trust);
            noVerify.put("http.ssl.verify.hostname", "false");
            worker.create("tls-noverify", sink(topic, wrong.url("/n"), noVerify));
            producer.send(new ProducerRecord<>(topic, 0, null, "secure")).get();
            await().atMost(WAIT).until(() -> good.acked.size() == 1 && wrong.acked.size() == 1);
            assertThat(good.ackedBodies()).containsExactly("secure");
            assertThat(wrong.acked).extracting(TestHttpServer.Received::uri).containsExactly("/n");
            await().atMost(WAIT).until(() -> "FAILED".equals(worker.status("tls-wrong").getJsonArray("tasks").getJsonObject(0).getString("state")));
            assertThat(worker.status("tls-wrong").getJsonArray("tasks").getJsonObject(0).getString("trace"))
                    .contains("POST " + wrong.url("/t")).containsIgnoringCase("certificate");
            assertThat(worker.status("tls-good").getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RUNNING");
        }
    }

    @Test
    void invalidConfigurationsAreRefusedWithClearMessages() {
        JsonObject bad = new JsonObject().put("connector.class", "HttpSink").put("name", "bad").put("topics", "t")
                .put("http.url", "ftp://example.com/x").put("http.auth.type", "digest");
        JsonObject answer = worker.send("PUT", "/connector-plugins/HttpSinkConnector/config/validate", bad.encode()).json();
        assertThat(answer.getInteger("error_count")).isEqualTo(2);
        assertThat(errorsOf(answer, "http.url")).singleElement().asString().contains("must be an http:// or https:// URL");
        assertThat(errorsOf(answer, "http.auth.type")).singleElement().asString().contains("digest");
        JsonObject noUser = bad.copy().put("http.url", "http://example.com/x").put("http.auth.type", "basic");
        answer = worker.send("PUT", "/connector-plugins/HttpSinkConnector/config/validate", noUser.encode()).json();
        assertThat(answer.getInteger("error_count")).isEqualTo(1);
        assertThat(errorsOf(answer, "http.auth.username")).containsExactly("http.auth.username is required when http.auth.type is basic");
        TestWorker.Response created = worker.send("POST", "/connectors",
                new JsonObject().put("name", "bad").put("config", noUser).encode());
        assertThat(created.status()).isEqualTo(400);
        assertThat(created.body()).contains("http.auth.username is required when http.auth.type is basic");
    }

    // --- helpers ---

    private static List<String> errorsOf(JsonObject validation, String key) {
        return validation.getJsonArray("configs").stream().map(JsonObject.class::cast)
                .filter(c -> key.equals(c.getJsonObject("value").getString("name")))
                .flatMap(c -> c.getJsonObject("value").getJsonArray("errors").stream().map(String::valueOf)).toList();
    }

    private static io.vertx.core.http.HttpServerOptions tls(Path keystore, String pass) {
        return new io.vertx.core.http.HttpServerOptions().setSsl(true)
                .setKeyCertOptions(new io.vertx.core.net.PfxOptions().setPath(keystore.toString()).setPassword(pass));
    }

    private static void keytool(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    static Map<String, String> sink(String topic, String url, Map<String, String> extra) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", "HttpSink");
        c.put("topics", topic);
        c.put("http.url", url);
        c.put("key.converter", STRING);
        c.put("value.converter", STRING);
        c.putAll(extra);
        return c;
    }

    static String topic(String prefix, int partitions) throws Exception {
        String topic = KafkaBroker.uniqueTopic("http-" + prefix);
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        return topic;
    }

    /** {@code perPartition} records "p-i" into each of the topic's partitions. */
    private static void produce(String topic, int perPartition) throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        for (int i = 0; i < perPartition; i++) {
            for (int p = 0; p < partitions; p++) {
                producer.send(new ProducerRecord<>(topic, p, "k" + i, p + "-" + i));
            }
        }
        producer.flush();
    }

    private static void produce(String topic, int from, int to) throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        for (int i = from; i < to; i++) {
            for (int p = 0; p < partitions; p++) {
                producer.send(new ProducerRecord<>(topic, p, "k" + i, p + "-" + i));
            }
        }
        producer.flush();
    }

    static List<String> expected(int partition, int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> partition + "-" + i).toList();
    }

    static List<String> valuesOf(List<String> bodies, int partition) {
        return bodies.stream().filter(b -> b.startsWith(partition + "-")).toList();
    }

    private static Map<Integer, Long> ackedPerPartition(TestHttpServer server) {
        return server.ackedBodies().stream().collect(Collectors.groupingBy(b -> Integer.parseInt(b.substring(0, b.indexOf('-'))),
                Collectors.counting()));
    }

    static Map<Integer, Long> committed(String connector, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("connect-" + connector)
                .partitionsToOffsetAndMetadata().get();
        Map<Integer, Long> out = new HashMap<>();
        offsets.forEach((tp, om) -> {
            if (om != null && tp.topic().equals(topic)) {
                out.put(tp.partition(), om.offset());
            }
        });
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
