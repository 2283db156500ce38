package io.connectreactive.bench.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.vertx.core.json.JsonObject;

/**
 * One contender's cluster of worker JVMs on 127.0.0.1 sharing the benchmark's broker: a
 * {@code group.id} and three internal topics of its own, each worker with its own REST port (and, for
 * connect-reactive, its own Hazelcast port). Started, killed and stopped from the harness's main
 * thread; a shutdown hook kills every worker JVM still alive when the harness ends.
 */
final class Cluster implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final Pattern KC_LEADER = Pattern.compile("leaderUrl='http://127\\.0\\.0\\.1:(\\d+)/?'");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }), "cluster-bench-reaper"));
    }

    /** One worker: its ports, files and process (null when not running). */
    static final class Member {
        final int index;
        final int restPort;
        final int clusterPort;
        final Path dir;
        Process process;
        long launchedAt;

        Member(int index, int restPort, int clusterPort, Path dir) {
            this.index = index;
            this.restPort = restPort;
            this.clusterPort = clusterPort;
            this.dir = dir;
        }

        String id() {
            return "127.0.0.1:" + restPort;
        }

        String url() {
            return "http://127.0.0.1:" + restPort;
        }

        boolean alive() {
            return process != null && process.isAlive();
        }

        @Override
        public String toString() {
            return "worker " + index + " (" + id() + ")";
        }
    }

    private final Flavor flavor;
    private final Paths paths;
    private final String bootstrap;
    private final Path dir;
    private final String group;
    private final List<Member> members = new ArrayList<>();

    /** Where the worker class paths and the JVM are. */
    record Paths(Path repo, Path bench, String java) {
        String classpath(Flavor f) {
            return f.reactive()
                    ? repo.resolve("target/connect-reactive.jar") + ":" + repo.resolve("target/lib") + "/*"
                    // + connect-test-plugins (VerifiableSourceConnector) and kafka-server-common (its
                    // ThroughputThrottler), both in Kafka's distribution libs/ but not connect-runtime's
                    // dependencies; benchmarks/failover copies them to target/kc-extra
                    : bench.resolve("target/kc-lib") + "/*:" + bench.resolve("target/kc-extra") + "/*";
        }
    }

    Cluster(Flavor flavor, Paths paths, String bootstrap, Path dir, String group) {
        this.flavor = flavor;
        this.paths = paths;
        this.bootstrap = bootstrap;
        this.dir = dir;
        this.group = group;
    }

    List<Member> members() {
        return members;
    }

    List<Member> running() {
        return members.stream().filter(Member::alive).toList();
    }

    Set<String> runningIds() {
        return running().stream().map(Member::id).collect(Collectors.toSet());
    }

    /** Adds {@code n} workers, starts them side by side and waits until each answers REST. */
    List<Member> add(int n, Duration timeout) throws IOException, InterruptedException {
        List<Member> added = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Member m = new Member(members.size(), freePort(), freePort(), dir.resolve("worker-" + members.size()));
            members.add(m);
            added.add(m);
        }
        for (Member m : added) {
            start(m);
        }
        for (Member m : added) {
            awaitRest(m, timeout);
        }
        return added;
    }

    /** Starts a stopped member again with the same ports and directory. */
    void restart(Member m, Duration timeout) throws IOException, InterruptedException {
        start(m);
        awaitRest(m, timeout);
    }

    private void start(Member m) throws IOException {
        Files.createDirectories(m.dir);
        List<String> seeds = members.stream().map(x -> "127.0.0.1:" + x.clusterPort).toList();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("group.id", group);
        props.put("config.storage.topic", group + "-configs");
        props.put("offset.storage.topic", group + "-offsets");
        props.put("status.storage.topic", group + "-status");
        props.put("config.storage.replication.factor", "1");
        props.put("offset.storage.replication.factor", "1");
        props.put("status.storage.replication.factor", "1");
        props.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        props.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        props.put("listeners", "http://127.0.0.1:" + m.restPort);
        props.put("rest.advertised.host.name", "127.0.0.1");
        props.put("rest.advertised.port", String.valueOf(m.restPort));
        List<String> cmd = new ArrayList<>(List.of(paths.java(), "-Xms64m", "-Xmx1g", "-XX:+UseG1GC"));
        if (flavor.reactive()) {
            props.put("runtime.cluster.host", "127.0.0.1");
            props.put("runtime.cluster.port", String.valueOf(m.clusterPort));
            props.put("runtime.cluster.members", String.join(",", seeds));
            props.put("runtime.data.dir", m.dir.resolve("data").toString());
        } else {
            Path log4j = m.dir.resolve("log4j2.properties");
            // WARN except the herder's INFO lines, which name the group's leader ("leaderUrl=...")
            Files.writeString(log4j, """
                    rootLogger.level = WARN
                    rootLogger.appenderRef.stdout.ref = STDOUT
                    appender.stdout.type = Console
                    appender.stdout.name = STDOUT
                    appender.stdout.layout.type = PatternLayout
                    appender.stdout.layout.pattern = [%d] %p %m (%c)%n
                    logger.herder.name = org.apache.kafka.connect.runtime.distributed.DistributedHerder
                    logger.herder.level = INFO
                    """);
            cmd.add("-Dlog4j2.configurationFile=" + log4j.toUri());
        }
        props.putAll(flavor.settings());
        Path file = m.dir.resolve("worker.properties");
        Files.writeString(file, props.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n")));
        cmd.add("-cp");
        cmd.add(paths.classpath(flavor));
        if (flavor.reactive()) {
            cmd.addAll(List.of("io.connectreactive.cli.Main", "start", "--cluster", file.toString()));
        } else {
            cmd.addAll(List.of("org.apache.kafka.connect.cli.ConnectDistributed", file.toString()));
        }
        m.launchedAt = System.nanoTime();
        m.process = new ProcessBuilder(cmd).directory(m.dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(m.dir.resolve("worker.log").toFile())).start();
        LIVE.add(m.process);
    }

    private void awaitRest(Member m, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!m.alive()) {
                throw new IllegalStateException(m + " of " + flavor.id() + " exited; see " + m.dir.resolve("worker.log"));
            }
            try {
                if (get(m, "/connectors").statusCode() == 200) {
                    return;
                }
            } catch (RuntimeException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(m + " of " + flavor.id() + " did not answer REST within " + timeout);
    }

    /** SIGKILL; returns the nanoTime just before the signal. */
    long kill9(Member m) throws InterruptedException {
        long t0 = System.nanoTime();
        m.process.destroyForcibly();
        m.process.waitFor(30, TimeUnit.SECONDS);
        LIVE.remove(m.process);
        return t0;
    }

    /** SIGTERM (the worker stops cleanly); returns the nanoTime just before the signal. Does not wait. */
    long terminate(Member m) {
        long t0 = System.nanoTime();
        m.process.destroy();
        return t0;
    }

    /**
     * The leader of the group, if it can be told: connect-reactive's leader is the oldest member
     * (the harness starts worker 0 first); Kafka Connect's is named in its herder's last
     * "leaderUrl=..." log line.
     */
    Member leader() throws IOException {
        if (flavor.reactive()) {
            return running().get(0);
        }
        // each worker's last line names the leader it last joined under; the most frequent wins
        Map<Integer, Integer> votes = new java.util.HashMap<>();
        for (Member m : running()) {
            String log = Files.readString(m.dir.resolve("worker.log"));
            Matcher x = KC_LEADER.matcher(log);
            int last = -1;
            while (x.find()) {
                last = Integer.parseInt(x.group(1));
            }
            votes.merge(last, 1, Integer::sum);
        }
        int port = votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(-1);
        for (Member m : running()) {
            if (m.restPort == port) {
                return m;
            }
        }
        return null;
    }

    // ---- REST

    HttpResponse<String> get(Member m, String path) {
        return send(m, "GET", path, null);
    }

    static HttpResponse<String> send(Member m, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(m.url() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Accept", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + m.url() + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Creates a connector through {@code m}, retrying while the worker answers 409 (Kafka Connect
     * during a rebalance) or 5xx, for up to a minute.
     */
    void create(Member m, String name, Map<String, String> config) throws InterruptedException {
        String body = new JsonObject().put("name", name).put("config", new JsonObject(new LinkedHashMap<>(config))).encode();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            HttpResponse<String> r;
            try {
                r = send(m, "POST", "/connectors", body);
            } catch (RuntimeException e) {
                r = null;
            }
            if (r != null && (r.statusCode() == 201 || r.statusCode() == 200)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not create " + name + " on " + m + ": "
                        + (r == null ? "no answer" : r.statusCode() + " " + r.body()));
            }
            Thread.sleep(100);
        }
    }

    /** One connector's status through {@code m}, or null when it cannot be read. */
    Status status(Member m, String connector) {
        try {
            HttpResponse<String> r = get(m, "/connectors/" + connector + "/status");
            return r.statusCode() == 200 ? Status.ofOne(new JsonObject(r.body())) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Every connector's status through {@code m}, or null when it cannot be read. */
    Status statuses(Member m) {
        try {
            HttpResponse<String> r = get(m, "/connectors?expand=status");
            return r.statusCode() == 200 ? Status.ofExpanded(new JsonObject(r.body())) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** Stops every worker: SIGTERM, then SIGKILL after 20 s. */
    @Override
    public void close() {
        for (Member m : members) {
            if (m.alive()) {
                m.process.destroy();
            }
        }
        for (Member m : members) {
            if (m.process != null) {
                try {
                    if (!m.process.waitFor(20, TimeUnit.SECONDS)) {
                        m.process.destroyForcibly();
                        m.process.waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    m.process.destroyForcibly();
                }
                LIVE.remove(m.process);
            }
        }
    }
}
