package io.connectreactive.thirdparty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of the test's own, from Debian's {@code postgresql} package: a new cluster in a
 * temporary directory ({@code initdb}), on a free loopback port, with {@code wal_level=logical} for
 * change data capture, trusted local connections, stopped and deleted by {@link #close}. PostgreSQL
 * refuses to run as root: as root it runs as the {@code postgres} user the package creates. Public for
 * the built-in PostgreSQL sink's tests, which also stop and start the server ({@link #stop},
 * {@link #startAgain}) and add a user who must give a password ({@link #addPasswordUser}).
 */
public final class PrivatePostgres implements AutoCloseable {

    static final String INSTALL = "apt-get install -y postgresql";

    private final Path bin;
    private final Path base;
    private final Path data;
    private final int port;

    private PrivatePostgres(Path bin, Path base, int port) {
        this.bin = bin;
        this.base = base;
        this.data = base.resolve("data");
        this.port = port;
    }

    public static PrivatePostgres start() {
        Path initdb = ThirdPartyPlugins.binary("PostgreSQL server", INSTALL, "/usr/lib/postgresql/*/bin/initdb");
        try {
            Path base = Files.createTempDirectory("cr-postgres-");
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            if (ThirdPartyPlugins.isRoot()) {
                UserPrincipalLookupService users = base.getFileSystem().getUserPrincipalLookupService();
                Files.setOwner(base, users.lookupPrincipalByName("postgres"));
            }
            PrivatePostgres pg = new PrivatePostgres(initdb.getParent(), base, ThirdPartyPlugins.freePort());
            pg.asServerUser(List.of(pg.bin.resolve("initdb").toString(), "-D", pg.data.toString(), "-U", "postgres",
                    "-A", "trust", "-E", "UTF8", "--no-sync"), 120);
            pg.startAgain();
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server (again, after {@link #stop}) on the same port and data; returns once it accepts connections. */
    public void startAgain() {
        asServerUser(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(),
                "-l", base.resolve("server.log").toString(), "-w", "-t", "60",
                "-o", "-c listen_addresses=127.0.0.1 -p " + port + " -k " + base
                        + " -c wal_level=logical -c max_wal_senders=8 -c max_replication_slots=8"
                        + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                "start"), 90);
    }

    /** Stops the server ({@code pg_ctl stop -m fast}: open sessions are terminated); the data stays. */
    public void stop() {
        asServerUser(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop"), 90);
    }

    /**
     * Adds a login role that must give its password over TCP (pg_hba {@code scram-sha-256}), and
     * reloads the server's configuration.
     */
    public void addPasswordUser(String user, String password) {
        sql("SET password_encryption = 'scram-sha-256'; CREATE ROLE \"" + user + "\" LOGIN SUPERUSER PASSWORD '" + password.replace("'", "''") + "'");
        try {
            Path hba = data.resolve("pg_hba.conf");
            String rules = Files.readString(hba);
            Files.writeString(hba, "host all " + user + " 127.0.0.1/32 scram-sha-256\n" + rules); // the first matching line wins
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sql("SELECT pg_reload_conf()");
    }

    public int port() {
        return port;
    }

    /** Runs SQL with psql as the {@code postgres} superuser on database {@code postgres}; returns its unaligned output. */
    public String sql(String sql) {
        return ThirdPartyPlugins.run(List.of(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", String.valueOf(port),
                "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-F", "|", "-c", sql), null, 60).strip();
    }

    private void asServerUser(List<String> command, long timeoutSeconds) {
        List<String> c = new ArrayList<>();
        if (ThirdPartyPlugins.isRoot()) {
            c.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        c.addAll(command);
        ThirdPartyPlugins.run(c, base, timeoutSeconds);
    }

    @Override
    public void close() {
        try {
            if (Files.exists(data.resolve("postmaster.pid"))) {
                stop();
            }
        } finally {
            try (Stream<Path> s = Files.walk(base)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a leftover temporary directory is harmless
            }
        }
    }
}
