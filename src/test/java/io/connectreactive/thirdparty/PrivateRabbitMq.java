package io.connectreactive.thirdparty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

/**
 * A RabbitMQ node of the test's own, from Debian's {@code rabbitmq-server} package: a node named
 * {@code cr-test-<port>@localhost} with its database, logs, config, Erlang cookie and Erlang port mapper
 * ({@code epmd}) of its own in a directory under {@code target/}, listening for AMQP on a free loopback port,
 * stopped (and its {@code epmd} with it) and deleted by {@link #close}. The system service the package
 * installs is neither needed nor touched. The package's {@code /usr/sbin} wrappers switch to the
 * {@code rabbitmq} user; the scripts under {@code /usr/lib/rabbitmq/bin} run as the caller, root included.
 */
final class PrivateRabbitMq implements AutoCloseable {

    static final String INSTALL = "apt-get install -y rabbitmq-server";
    private static final long STARTUP_SECONDS = 120;
    private static final String CONNECTION_NAME = "connect-reactive-test";
    /** The client's version in {@code rabbitmqctl list_connections client_properties}: {@code {"version","5.37.1"}}. */
    private static final Pattern CLIENT_VERSION = Pattern.compile("\\{\"version\",\"([^\"]+)\"\\}");

    private final Path bin;
    private final Path base;
    private final String node;
    private final int port;
    private final int epmdPort;
    private Process server;

    private PrivateRabbitMq(Path bin, Path base, int port) {
        this.bin = bin;
        this.base = base;
        this.port = port;
        this.node = "cr-test-" + port + "@localhost";
        this.epmdPort = ThirdPartyPlugins.freePort();
    }

    /** Starts a new node and returns once RabbitMQ's applications run on it; fails with its log otherwise. */
    static PrivateRabbitMq start() {
        Path server = ThirdPartyPlugins.binary("RabbitMQ server", INSTALL, "/usr/lib/rabbitmq/bin/rabbitmq-server");
        try {
            Path target = Files.createDirectories(Path.of("target"));
            PrivateRabbitMq mq = new PrivateRabbitMq(server.getParent(),
                    Files.createTempDirectory(target.toAbsolutePath(), "rabbitmq-"), ThirdPartyPlugins.freePort());
            mq.launch();
            return mq;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() throws IOException {
        Files.createDirectories(base.resolve("home"));
        Files.createDirectories(base.resolve("mnesia"));
        Files.createDirectories(base.resolve("log"));
        // written before the node and the CLI start, so that neither creates one while the other reads it
        Path cookie = base.resolve("home/.erlang.cookie");
        Files.writeString(cookie, UUID.randomUUID().toString().replace("-", "").toUpperCase());
        Files.setPosixFilePermissions(cookie, PosixFilePermissions.fromString("r--------"));
        Files.writeString(base.resolve("rabbitmq.conf"), "listeners.tcp.1 = 127.0.0.1:" + port + "\n");
        Files.writeString(base.resolve("enabled_plugins"), "[].\n");
        Files.writeString(base.resolve("rabbitmq-env.conf"), "");

        ProcessBuilder pb = new ProcessBuilder(bin.resolve("rabbitmq-server").toString())
                .directory(base.toFile()).redirectErrorStream(true).redirectOutput(base.resolve("server.out").toFile());
        pb.environment().putAll(environment());
        pb.environment().put("RABBITMQ_DIST_PORT", String.valueOf(ThirdPartyPlugins.freePort()));
        pb.environment().put("RABBITMQ_MNESIA_BASE", base.resolve("mnesia").toString());
        pb.environment().put("RABBITMQ_LOG_BASE", base.resolve("log").toString());
        pb.environment().put("RABBITMQ_CONFIG_FILE", base.resolve("rabbitmq.conf").toString());
        // none: not /etc/rabbitmq/advanced.config, should the machine have one
        pb.environment().put("RABBITMQ_ADVANCED_CONFIG_FILE", base.resolve("advanced.config").toString());
        pb.environment().put("RABBITMQ_ENABLED_PLUGINS_FILE", base.resolve("enabled_plugins").toString());
        pb.environment().put("RABBITMQ_PID_FILE", base.resolve("rabbitmq.pid").toString());
        // Erlang distribution and the port mapper on loopback only
        pb.environment().put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}");
        server = pb.start();
        server.getOutputStream().close();
        try {
            // waits for the pid file, then for the node's distribution, then for its applications
            ctl(List.of("--timeout", String.valueOf(STARTUP_SECONDS), "wait", base.resolve("rabbitmq.pid").toString()),
                    STARTUP_SECONDS + 30);
        } catch (RuntimeException e) {
            String log = Files.exists(base.resolve("server.out")) ? Files.readString(base.resolve("server.out")) : "";
            kill();
            stopPortMapper();
            throw new IllegalStateException("RabbitMQ node " + node + " did not start (its files are in " + base + "); "
                    + e.getMessage() + "\nserver output:\n" + log, e);
        }
    }

    /** What both the node and the CLI read: who the node is, where its cookie and port mapper are. */
    private Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", base.resolve("home").toString());
        env.put("RABBITMQ_NODENAME", node);
        env.put("RABBITMQ_CONF_ENV_FILE", base.resolve("rabbitmq-env.conf").toString());
        env.put("ERL_EPMD_PORT", String.valueOf(epmdPort));
        env.put("ERL_EPMD_ADDRESS", "127.0.0.1");
        return env;
    }

    /** The AMQP port on 127.0.0.1 (user {@code guest}, password {@code guest}: allowed from loopback). */
    int port() {
        return port;
    }

    /** A new AMQP connection as {@code guest}. */
    Connection connect() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(port);
        try {
            return factory.newConnection(CONNECTION_NAME);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("no AMQP connection to 127.0.0.1:" + port, e);
        }
    }

    /**
     * Counters of {@code queue} as {@code rabbitmqctl list_queues} gives them, e.g. {@code messages_ready} (waiting),
     * {@code messages_unacknowledged} (delivered, not yet acknowledged), {@code consumers}; in the order asked.
     */
    List<Long> queueInfo(String queue, String... columns) {
        List<String> args = new ArrayList<>(List.of("-q", "list_queues", "--no-table-headers", "name"));
        args.addAll(List.of(columns));
        String out = ctl(args, 60);
        for (String line : out.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length == columns.length + 1 && f[0].equals(queue)) {
                return Stream.of(f).skip(1).map(Long::valueOf).toList();
            }
        }
        throw new IllegalStateException("queue " + queue + " not found on " + node + ":\n" + out);
    }

    /**
     * The version of the AMQP Java client behind each connection to the node other than the test's own
     * ({@link #connect}), as the client announced it (its {@code version} client property).
     */
    List<String> otherClientVersions() {
        String out = ctl(List.of("-q", "list_connections", "--no-table-headers", "client_properties"), 60);
        List<String> versions = new ArrayList<>();
        for (String line : out.lines().toList()) {
            if (line.contains("{\"connection_name\",\"" + CONNECTION_NAME + "\"}")) {
                continue;
            }
            Matcher m = CLIENT_VERSION.matcher(line);
            versions.add(m.find() ? m.group(1) : "none in: " + line);
        }
        return versions;
    }

    private String ctl(List<String> args, long timeoutSeconds) {
        List<String> command = new ArrayList<>(List.of(bin.resolve("rabbitmqctl").toString(), "-n", node));
        command.addAll(args);
        return ThirdPartyPlugins.run(command, base, environment(), timeoutSeconds);
    }

    /** Kills the node's processes at once (a start that failed, a stop that did not finish). */
    private void kill() {
        if (server != null) {
            server.descendants().forEach(ProcessHandle::destroyForcibly);
            server.destroyForcibly();
        }
    }

    /** Stops the Erlang port mapper ({@code epmd}) the node started for itself on its own port, if it runs. */
    private void stopPortMapper() {
        try {
            ThirdPartyPlugins.run(List.of("epmd", "-port", String.valueOf(epmdPort), "-kill"), base, Map.of(), 30);
        } catch (IllegalStateException e) {
            // "Cannot connect to local epmd": the node failed before it started one
        }
    }

    @Override
    public void close() {
        try {
            try {
                ctl(List.of("stop"), 90);
                if (!server.waitFor(60, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (RuntimeException e) {
                kill();
                throw e;
            } catch (InterruptedException e) {
                kill();
                Thread.currentThread().interrupt();
            } finally {
                stopPortMapper();
            }
        } finally {
            try (Stream<Path> s = Files.walk(base)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a leftover directory under target/ is harmless
            }
        }
    }

    @Override
    public String toString() {
        return node + " (AMQP on 127.0.0.1:" + port + ")";
    }
}
