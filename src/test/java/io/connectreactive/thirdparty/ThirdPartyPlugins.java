package io.connectreactive.thirdparty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Where the build put the third-party plugins (each unpacked or copied, unmodified, from the archive or jars
 * its authors publish, into {@code target/thirdparty-plugins/<name>/}), and the small process helpers the tests
 * use to start and query the services those plugins talk to.
 */
final class ThirdPartyPlugins {

    private ThirdPartyPlugins() {
    }

    /** The plugin.path directory of one third-party plugin; fails if the build has not unpacked it. */
    static Path pluginPath(String name) {
        Path dir = Path.of(System.getProperty("test.thirdparty.plugins.dir", "target/thirdparty-plugins")).resolve(name);
        try (Stream<Path> s = Files.isDirectory(dir) ? Files.list(dir) : Stream.empty()) {
            if (s.findAny().isEmpty()) {
                throw new IllegalStateException("third-party plugin '" + name + "' not found in " + dir.toAbsolutePath()
                        + ": run the build's generate-test-resources phase (mvn test does)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** A TCP port free on the loopback interface right now. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * The first of {@code candidates} (globs allowed in the last-but-one element, as in
     * {@code /usr/lib/postgresql/*}{@code /bin/initdb}) that exists, newest version first; fails with how
     * to install it otherwise.
     */
    static Path binary(String what, String install, String... candidates) {
        List<Path> found = new ArrayList<>();
        for (String c : candidates) {
            int star = c.indexOf('*');
            if (star < 0) {
                if (Files.isExecutable(Path.of(c))) {
                    found.add(Path.of(c));
                }
                continue;
            }
            Path parent = Path.of(c.substring(0, c.lastIndexOf('/', star)));
            String rest = c.substring(c.indexOf('/', star) + 1);
            if (!Files.isDirectory(parent)) {
                continue;
            }
            try (Stream<Path> s = Files.list(parent)) {
                s.sorted(Comparator.comparing((Path p) -> versionKey(p.getFileName().toString())).reversed())
                        .map(p -> p.resolve(rest)).filter(Files::isExecutable).forEach(found::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (found.isEmpty()) {
            throw new IllegalStateException(what + " is not installed (looked for " + String.join(", ", candidates)
                    + "): install it with '" + install + "' (.ci/run does)");
        }
        return found.get(0);
    }

    private static String versionKey(String name) {
        return name.matches("\\d+") ? String.format("%08d", Integer.parseInt(name)) : name;
    }

    /** Runs a command to its end (at most {@code timeoutSeconds}) and returns its output; fails on a non-zero exit. */
    static String run(List<String> command, Path dir, long timeoutSeconds) {
        return run(command, dir, Map.of(), timeoutSeconds);
    }

    /** As {@link #run(List, Path, long)}, with {@code env} added to the command's environment. */
    static String run(List<String> command, Path dir, Map<String, String> env, long timeoutSeconds) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().putAll(env);
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            Process p = pb.start();
            p.getOutputStream().close();
            // read in the background so a chatty process cannot block on a full pipe
            java.util.concurrent.CompletableFuture<String> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out after " + timeoutSeconds + " s: " + command);
            }
            String output = out.join();
            if (p.exitValue() != 0) {
                throw new IllegalStateException("exit code " + p.exitValue() + " of " + command + ":\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
