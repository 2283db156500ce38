package io.connectreactive.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * The PostgreSQL server of the postgres-sink scenarios: Debian's {@code postgresql} package, a new
 * cluster in the work directory ({@code initdb}, trusted local connections, {@code fsync=off}) on a
 * free loopback port, run as the {@code postgres} user when the harness runs as root; and a small
 * Vert.x pool for the harness's own statements (progress counts, fresh tables). Used on the
 * harness's main thread, which may block.
 */
final class BenchPostgres implements AutoCloseable {

    private final Path bin;
    private final Path base;
    private final int port;
    private final boolean root;
    private final Vertx vertx = Vertx.vertx();
    private Pool pool;

    private BenchPostgres(Path bin, Path base, int port, boolean root) {
        this.bin = bin;
        this.base = base;
        this.port = port;
        this.root = root;
    }

    static BenchPostgres start(Path work) throws Exception {
        Path bin;
        try (var versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            bin = versions.sorted(java.util.Comparator.reverseOrder()).map(v -> v.resolve("bin")).filter(b -> Files.exists(b.resolve("initdb")))
                    .findFirst().orElseThrow();
        } catch (IOException | java.util.NoSuchElementException e) {
            throw new IllegalStateException("PostgreSQL server not found under /usr/lib/postgresql: apt-get install -y postgresql", e);
        }
        Path base = work.resolve("postgres");
        Scenarios.deleteTree(base);
        Files.createDirectories(base);
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            Files.setOwner(base, base.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        BenchPostgres pg = new BenchPostgres(bin, base, port, root);
        pg.run(List.of(bin.resolve("initdb").toString(), "-D", base.resolve("data").toString(), "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--no-sync"));
        pg.run(List.of(bin.resolve("pg_ctl").toString(), "-D", base.resolve("data").toString(), "-l", base.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", "-c listen_addresses=127.0.0.1 -p " + port + " -k " + base
                        + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50", "start"));
        pg.pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
                .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(port).setDatabase("postgres").setUser("postgres"))
                .using(pg.vertx).build();
        return pg;
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** Runs SQL and waits for it. */
    void sql(String sql) throws Exception {
        pool.query(sql).execute().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    /** {@code SELECT count(*)} of a table. */
    long count(String table) throws Exception {
        return pool.query("SELECT count(*) FROM " + table).execute().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)
                .iterator().next().getLong(0);
    }

    /** The PostgreSQL server's CPU seconds so far (every postgres process: the server and its backends). */
    double serverCpuSeconds() {
        double total = 0;
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    if (!stat.contains("(postgres)")) {
                        continue;
                    }
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
                } catch (IOException | RuntimeException e) {
                    // a process that just ended
                }
            }
        } catch (IOException e) {
            return Double.NaN;
        }
        return total;
    }

    private void run(List<String> command) throws Exception {
        List<String> c = new ArrayList<>();
        if (root) {
            c.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        c.addAll(command);
        Process p = new ProcessBuilder(c).directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(base.resolve("commands.log").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(command.get(0) + " failed: " + Files.readString(base.resolve("commands.log")));
        }
    }

    @Override
    public void close() throws Exception {
        if (pool != null) {
            pool.close();
        }
        vertx.close();
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", base.resolve("data").toString(), "-m", "fast", "-w", "stop"));
    }
}
