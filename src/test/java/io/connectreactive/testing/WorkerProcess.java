package io.connectreactive.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A standalone worker in its own JVM ({@code Main start worker.properties connector files...}),
 * for tests that must kill it the hard way. Its output goes to {@code log}.
 */
public final class WorkerProcess implements AutoCloseable {

    private final Process process;

    private WorkerProcess(Process process) {
        this.process = process;
    }

    public static WorkerProcess start(Path workerProperties, Path log, Path... connectorFiles) throws IOException {
        return startOn(Path.of(System.getProperty("java.home"), "bin", "java"), workerProperties, log, connectorFiles);
    }

    /** A worker on the JVM {@code java} (an executable), with the tests' class path. */
    public static WorkerProcess startOn(Path java, Path workerProperties, Path log, Path... connectorFiles) throws IOException {
        return start(java, List.of(), workerProperties, log, connectorFiles);
    }

    /** A worker on this test's JVM with JVM options of its own (e.g. a {@code -javaagent}). */
    public static WorkerProcess startWith(List<String> jvmOptions, Path workerProperties, Path log, Path... connectorFiles)
            throws IOException {
        return start(Path.of(System.getProperty("java.home"), "bin", "java"), jvmOptions, workerProperties, log, connectorFiles);
    }

    private static WorkerProcess start(Path java, List<String> jvmOptions, Path workerProperties, Path log, Path... connectorFiles)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.add("-Xmx256m");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.connectreactive.cli.Main");
        cmd.add("start");
        cmd.add(workerProperties.toString());
        for (Path c : connectorFiles) {
            cmd.add(c.toString());
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new WorkerProcess(pb.start());
    }

    /** The last lines of a worker's log, to explain a failed test. */
    public static String tail(Path log, int lines) {
        try {
            List<String> all = java.nio.file.Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public Process process() {
        return process;
    }

    /** SIGKILL: no shutdown hook, no final flush. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then waits for the exit code. */
    public int terminate() throws InterruptedException {
        process.destroy();
        return process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill9();
        }
    }
}
