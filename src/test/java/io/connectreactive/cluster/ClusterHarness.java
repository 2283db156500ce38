package io.connectreactive.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.WorkerProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import static org.awaitility.Awaitility.await;

/**
 * A cluster of worker JVMs on 127.0.0.1 sharing the test broker: each worker has its own REST port
 * and Hazelcast port, all share one {@code group.id} and three internal topics unique to the cluster.
 */
final class ClusterHarness implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Ports this JVM's harnesses gave to workers: a stopped worker's port stays its own for a restart. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final KafkaBroker kafka;
    private final Path dir;
    private final String group;
    private final List<Member> members = new ArrayList<>();
    private final Map<String, String> settings = new LinkedHashMap<>();

    /** One worker: its process (null once stopped), REST port, cluster address and port. */
    static final class Member {
        final int index;
        final int restPort;
        final String clusterHost;
        final int clusterPort;
        final Path log;
        WorkerProcess process;

        Member(int index, int restPort, String clusterHost, int clusterPort, Path log) {
            this.index = index;
            this.restPort = restPort;
            this.clusterHost = clusterHost;
            this.clusterPort = clusterPort;
            this.log = log;
        }

        String url() {
            return "http://127.0.0.1:" + restPort;
        }

        String workerId() {
            return "127.0.0.1:" + restPort;
        }
    }

    ClusterHarness(KafkaBroker kafka, Path dir, String group) {
        this.kafka = kafka;
        this.dir = dir;
        this.group = group;
    }

    /** A further worker setting for the workers started from now on. */
    ClusterHarness with(String key, String value) {
        settings.put(key, value);
        return this;
    }

    String group() {
        return group;
    }

    List<Member> members() {
        return members;
    }

    List<Member> running() {
        return members.stream().filter(m -> m.process != null && m.process.process().isAlive()).toList();
    }

    /** Starts {@code n} new workers side by side and waits until every running worker answers /health. */
    ClusterHarness add(int n) throws IOException {
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hosts.add("127.0.0.1");
        }
        return add(hosts);
    }

    /**
     * Starts one new worker per cluster address side by side (each binds and advertises its address for
     * the cluster, its REST API stays on 127.0.0.1), and waits until every running worker answers /health.
     */
    ClusterHarness add(List<String> clusterHosts) throws IOException {
        List<Member> added = new ArrayList<>();
        for (String host : clusterHosts) {
            added.add(new Member(members.size(), freePort(), host, freePort(), dir.resolve("worker-" + members.size() + ".log")));
            members.add(added.get(added.size() - 1));
        }
        for (Member m : added) {
            start(m);
        }
        awaitHealthy();
        for (Member m : added) {
            // awaitHealthy() asks the running workers only: one that exited at start would go unnoticed until
            // an assertion about its tasks times out
            if (!m.process.process().isAlive()) {
                throw new IllegalStateException("worker " + m.index + " (" + m.workerId() + ") exited at start with code "
                        + m.process.process().exitValue() + ":\n" + WorkerProcess.tail(m.log, 20));
            }
        }
        return this;
    }

    /** Starts a stopped member again, with the same ports and files. */
    void restart(Member m) throws IOException {
        start(m);
    }

    private void start(Member m) throws IOException {
        List<String> seeds = members.stream().map(x -> x.clusterHost + ":" + x.clusterPort).toList();
        Path props = dir.resolve("worker-" + m.index + ".properties");
        Files.writeString(props, String.join("\n",
                "bootstrap.servers=" + kafka.bootstrapServers(),
                "group.id=" + group,
                "config.storage.topic=" + group + "-configs",
                "offset.storage.topic=" + group + "-offsets",
                "status.storage.topic=" + group + "-status",
                "offset.storage.partitions=5",
                "status.storage.partitions=2",
                "listeners=http://127.0.0.1:" + m.restPort,
                "runtime.cluster.host=" + m.clusterHost,
                "runtime.cluster.port=" + m.clusterPort,
                "runtime.cluster.members=" + String.join(",", seeds),
                "runtime.data.dir=" + dir.resolve("data-" + m.index),
                "offset.flush.interval.ms=200",
                "key.converter=org.apache.kafka.connect.storage.StringConverter",
                "value.converter=org.apache.kafka.connect.storage.StringConverter") + "\n"
                + settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue() + "\n").collect(Collectors.joining()));
        m.process = WorkerProcess.start(props, m.log);
    }

    void awaitHealthy() {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
            for (Member m : running()) {
                HttpResponse<String> r = send(m, "GET", "/health", null);
                if (r.statusCode() != 200) {
                    throw new AssertionError("worker " + m.index + " health " + r.statusCode() + " " + r.body());
                }
            }
        });
    }

    /** SIGKILL: no goodbye, no final flush. */
    void kill9(Member m) throws InterruptedException {
        m.process.kill9();
        m.process = null;
    }

    /** SIGTERM and the exit code. */
    int stop(Member m) throws InterruptedException {
        int code = m.process.terminate();
        m.process = null;
        return code;
    }

    static HttpResponse<String> send(Member m, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(m.url() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + m.url() + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The connector's status as {@code member} answers it, or null when it answers 404. */
    static JsonObject status(Member m, String connector) {
        HttpResponse<String> r = send(m, "GET", "/connectors/" + connector + "/status", null);
        return r.statusCode() == 404 ? null : new JsonObject(r.body());
    }

    /** Worker id of each task, by task number, when every task is RUNNING; else null. */
    static List<String> runningTaskWorkers(JsonObject status, int tasks) {
        if (status == null) {
            return null;
        }
        JsonArray states = status.getJsonArray("tasks");
        if (states.size() != tasks) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            JsonObject t = states.getJsonObject(i);
            if (!"RUNNING".equals(t.getString("state"))) {
                return null;
            }
            out.add(t.getString("worker_id"));
        }
        return out;
    }

    String logs() {
        StringBuilder out = new StringBuilder();
        for (Member m : members) {
            out.append("\n--- worker ").append(m.index).append(" (").append(m.workerId()).append(")\n")
                    .append(WorkerProcess.tail(m.log, 40));
        }
        return out.toString();
    }

    @Override
    public void close() throws InterruptedException {
        for (Member m : members) {
            if (m.process != null) {
                m.process.close();
            }
        }
    }

    /**
     * A port free now and never handed out before by this JVM, taken below the kernel's ephemeral range
     * ({@code ip_local_port_range}): a worker binds it seconds later (a loaded machine once took 12 s), and
     * meanwhile any port of that range may become the local end of an outgoing connection on the machine;
     * one did, and the worker died at start ("Address already in use").
     */
    static int freePort() throws IOException {
        int ephemeralLow = ephemeralRangeLow();
        int low = 10_000;
        if (ephemeralLow - low < 1_000) {
            return anyFreePort(); // an unusual range: the kernel's choice, as before
        }
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = low + random.nextInt(ephemeralLow - low);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException inUse) {
                // taken by someone else: another one
            }
        }
        return anyFreePort();
    }

    /** The kernel's choice, never one handed out before (two workers once got the same port from it). */
    private static int anyFreePort() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
    }

    /** The first port of the kernel's ephemeral range (Linux), or 32768 (Linux's default) when unknown. */
    private static int ephemeralRangeLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
