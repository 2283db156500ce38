package io.connectreactive.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import io.connectreactive.config.WorkerConfig;
import io.vertx.core.VertxOptions;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code start [--cluster|--standalone] [worker.properties] [connector.properties|.json ...]}: runs a
 * standalone worker, like {@code connect-standalone.sh}, or with {@code --cluster} (or a {@code group.id}
 * in the worker properties) a clustered one, like {@code connect-distributed.sh}, until SIGTERM or
 * Ctrl-C, then stops cleanly and exits 0. {@code --standalone} ignores a {@code group.id}, as
 * {@code connect-standalone.sh} does (bin/connect-standalone passes it). A bad worker config exits 1
 * with one line naming the bad key.
 */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Start a worker: standalone, or clustered with --cluster or a group.id "
                + "(embedded Kafka broker when bootstrap.servers is not set).")
final class StartCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(StartCommand.class);

    @Option(names = "--cluster", description = "Join a cluster of workers (group.id, default connect-cluster): "
            + "configs, offsets and statuses in Kafka topics, connectors and tasks shared among the workers.")
    boolean cluster;

    @Option(names = "--standalone", description = "Run standalone even when the worker properties set group.id "
            + "(ignored then, as connect-standalone.sh ignores it).")
    boolean standalone;

    @Parameters(index = "0", arity = "0..1", paramLabel = "WORKER_PROPERTIES",
            description = "Worker properties (default: conf/worker.properties)")
    Path workerFile;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "CONNECTOR_FILE",
            description = "Connector configs (.properties or .json) to create or update at start")
    List<Path> connectorFiles = new ArrayList<>();

    /**
     * The command for {@code args} when they are a plain {@code start}: "start", then {@code --cluster}
     * or file names only (no other option, no "--", no picocli {@code @argument-file}); null when
     * picocli must parse them.
     */
    static StartCommand plain(String... args) {
        if (args.length == 0 || !"start".equals(args[0])) {
            return null;
        }
        StartCommand command = new StartCommand();
        List<Path> files = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if ("--cluster".equals(arg)) {
                command.cluster = true;
            } else if ("--standalone".equals(arg)) {
                command.standalone = true;
            } else if (arg.isEmpty() || arg.startsWith("-") || arg.startsWith("@")) {
                return null;
            } else {
                files.add(Path.of(arg));
            }
        }
        if (!files.isEmpty()) {
            command.workerFile = files.get(0);
            command.connectorFiles = new ArrayList<>(files.subList(1, files.size()));
        }
        return command;
    }

    @Override
    public Integer call() {
        if (cluster && standalone) {
            System.err.println("--cluster and --standalone exclude each other");
            return 2;
        }
        Path file = workerFile != null ? workerFile : Path.of("conf", "worker.properties");
        WorkerConfig config;
        List<Map<String, String>> connectors = new ArrayList<>();
        try {
            Map<String, String> workerProps = new HashMap<>(
                    Files.exists(file) || workerFile != null ? ConfigFiles.properties(file) : Map.of());
            if (cluster) {
                workerProps.putIfAbsent(WorkerConfig.GROUP_ID, "connect-cluster");
            } else if (standalone && workerProps.remove(WorkerConfig.GROUP_ID) != null) {
                LOG.warn("Standalone worker: ignoring group.id in {}", file);
            }
            config = new WorkerConfig(workerProps);
            for (Path c : connectorFiles) {
                Map<String, String> props = ConfigFiles.connector(c);
                if (props.get("name") == null || props.get("name").isBlank()) {
                    throw new ConfigException("Connector file " + c + " has no 'name'");
                }
                connectors.add(props);
            }
        } catch (ConfigException e) {
            System.err.println("Invalid worker configuration: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            System.err.println("Cannot read configuration: " + (e instanceof NoSuchFileException
                    ? "no such file " + e.getMessage() : e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        }

        // tasks never block Vert.x's pools (classic tasks have their own threads): small pools keep a
        // worker with a thousand tasks on a few dozen threads
        ConnectWorker worker = new ConnectWorker(new VertxOptions().setWorkerPoolSize(8).setInternalBlockingPoolSize(4));
        // SIGTERM and Ctrl-C stop the worker cleanly and exit 0 (a JVM shutdown hook would exit 143);
        // REST answers while the worker starts, so a stop may come then: it waits for the start to end
        CountDownLatch startEnded = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean running = new AtomicBoolean();
        AtomicBoolean stopAsked = new AtomicBoolean();
        Runnable shutdown = () -> {
            awaitUninterruptibly(startEnded);
            if (running.get()) {
                LOG.info("Stopping worker");
                worker.close();
                stopped.countDown();
            }
        };
        Map<sun.misc.Signal, sun.misc.SignalHandler> previous = new HashMap<>();
        for (String name : List.of("TERM", "INT")) {
            sun.misc.Signal signal = new sun.misc.Signal(name);
            previous.put(signal, sun.misc.Signal.handle(signal, s -> {
                if (stopAsked.compareAndSet(false, true)) {
                    new Thread(shutdown, "cr-shutdown").start();
                }
            }));
        }
        try {
            worker.start(config);
            for (Map<String, String> c : connectors) {
                worker.putConnector(c.get("name"), c);
            }
            running.set(true);
        } catch (RuntimeException e) {
            System.err.println("Worker failed to start: " + e.getMessage());
            worker.close();
            previous.forEach(sun.misc.Signal::handle);
            return 1;
        } finally {
            startEnded.countDown();
        }
        awaitUninterruptibly(stopped);
        System.exit(0);
        return 0;
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
