package io.connectreactive.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code connectors list | get | status | create | delete | pause | resume | stop | restart | offsets}:
 * a client of a worker's REST API ({@code --url}), printing tables, or the worker's JSON with
 * {@code --json}. Each subcommand makes its HTTP calls on the calling thread ({@code main}) and returns
 * the exit code; an error answer is a {@link RestClient.Failure} (one line, exit code 1, see {@link Main}).
 */
@Command(name = "connectors", mixinStandardHelpOptions = true, description = "Manage the connectors of a running worker over REST.",
        subcommands = {ConnectorsCommand.List.class, ConnectorsCommand.Get.class, ConnectorsCommand.Status.class,
                ConnectorsCommand.Create.class, ConnectorsCommand.Delete.class, ConnectorsCommand.Pause.class,
                ConnectorsCommand.Resume.class, ConnectorsCommand.Stop.class, ConnectorsCommand.Restart.class,
                ConnectorsCommand.Offsets.class})
final class ConnectorsCommand implements Runnable {

    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    private static PrintStream out() {
        return RestClient.out();
    }

    private static String path(String name) {
        return "/connectors/" + RestClient.encode(name);
    }

    /** Prints the JSON answer as it came, indented. */
    private static void printJson(String body) {
        String b = body.trim();
        if (b.isEmpty()) {
            out().println("{}");
        } else if (b.startsWith("[")) {
            out().println(new JsonArray(b).encodePrettily());
        } else {
            out().println(new JsonObject(b).encodePrettily());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the connectors with their type and state.")
    static final class List implements Callable<Integer> {
        @Mixin RestClient.Options options;

        @Override
        public Integer call() {
            String body = options.client().get("/connectors?expand=status&expand=info").body();
            if (options.json) {
                printJson(body);
                return 0;
            }
            JsonObject all = new JsonObject(body);
            Table t = new Table("NAME", "TYPE", "STATE", "TASKS", "CLASS");
            new TreeMap<>(all.getMap()).keySet().forEach(name -> {
                JsonObject e = all.getJsonObject(name);
                JsonObject status = e.getJsonObject("status", new JsonObject());
                JsonObject info = e.getJsonObject("info", new JsonObject());
                JsonArray tasks = status.getJsonArray("tasks", new JsonArray());
                long running = tasks.stream().filter(x -> "RUNNING".equals(((JsonObject) x).getString("state"))).count();
                t.row(name, status.getString("type", info.getString("type")),
                        status.getJsonObject("connector", new JsonObject()).getString("state"),
                        running + "/" + tasks.size() + " running",
                        info.getJsonObject("config", new JsonObject()).getString("connector.class"));
            });
            t.print(out());
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a connector's configuration and tasks.")
    static final class Get implements Callable<Integer> {
        @Mixin RestClient.Options options;
        @Parameters(paramLabel = "NAME", description = "The connector") String name;

        @Override
        public Integer call() {
            String body = options.client().get(path(name)).body();
            if (options.json) {
                printJson(body);
                return 0;
            }
            JsonObject info = new JsonObject(body);
            out().println("Connector " + info.getString("name") + " (" + info.getString("type") + "), "
                    + info.getJsonArray("tasks", new JsonArray()).size() + " task(s)");
            Table t = new Table("KEY", "VALUE");
            new TreeMap<>(info.getJsonObject("config", new JsonObject()).getMap()).forEach(t::row);
            t.print(out());
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show the state of a connector and its tasks.")
    static final class Status implements Callable<Integer> {
        @Mixin RestClient.Options options;
        @Parameters(paramLabel = "NAME", description = "The connector") String name;

        @Override
        public Integer call() {
            String body = options.client().get(path(name) + "/status").body();
            if (options.json) {
                printJson(body);
                return 0;
            }
            printStatus(new JsonObject(body));
            return 0;
        }
    }

    static void printStatus(JsonObject status) {
        JsonObject c = status.getJsonObject("connector", new JsonObject());
        Table t = new Table("ID", "STATE", "WORKER", "ERROR");
        t.row(status.getString("name"), c.getString("state"), c.getString("worker_id"), firstLine(c.getString("trace")));
        for (Object o : status.getJsonArray("tasks", new JsonArray())) {
            JsonObject task = (JsonObject) o;
            t.row("task-" + task.getValue("id"), task.getString("state"), task.getString("worker_id"), firstLine(task.getString("trace")));
        }
        t.print(out());
    }

    private static String firstLine(String trace) {
        if (trace == null) {
            return "";
        }
        int nl = trace.indexOf('\n');
        return nl < 0 ? trace : trace.substring(0, nl);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a connector from a file: JSON ({\"name\":...,\"config\":{...}} or a flat map) or properties.")
    static final class Create implements Callable<Integer> {
        @Mixin RestClient.Options options;
        @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The connector file") Path file;

        @Override
        public Integer call() {
            Map<String, String> config;
            try {
                config = ConfigFiles.connector(file);
            } catch (IOException | RuntimeException e) {
                throw new RestClient.Failure("Cannot read " + file + ": " + e.getMessage());
            }
            String name = config.get("name");
            if (name == null || name.isBlank()) {
                throw new RestClient.Failure("The connector file " + file + " names no connector (a \"name\" key)");
            }
            JsonObject request = new JsonObject().put("name", name).put("config", new JsonObject(new HashMap<>(config)));
            String body = options.client().send("POST", "/connectors", request.encode()).body();
            if (options.json) {
                printJson(body);
            } else {
                out().println("Created connector " + name);
            }
            return 0;
        }
    }

    /** A command on one connector that answers nothing worth showing. */
    abstract static class Action implements Callable<Integer> {
        @Mixin RestClient.Options options;
        @Parameters(paramLabel = "NAME", description = "The connector") String name;

        abstract String method();

        abstract String suffix();

        abstract String done();

        @Override
        public Integer call() {
            String body = options.client().send(method(), path(name) + suffix(), null).body();
            if (options.json) {
                printJson(body);
            } else {
                out().println(done() + " connector " + name);
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a connector.")
    static final class Delete extends Action {
        String method() {
            return "DELETE";
        }

        String suffix() {
            return "";
        }

        String done() {
            return "Deleted";
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause a connector and its tasks.")
    static final class Pause extends Action {
        String method() {
            return "PUT";
        }

        String suffix() {
            return "/pause";
        }

        String done() {
            return "Paused";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused or stopped connector.")
    static final class Resume extends Action {
        String method() {
            return "PUT";
        }

        String suffix() {
            return "/resume";
        }

        String done() {
            return "Resumed";
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a connector (its tasks shut down, its config stays).")
    static final class Stop extends Action {
        String method() {
            return "PUT";
        }

        String suffix() {
            return "/stop";
        }

        String done() {
            return "Stopped";
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true, description = "Restart a connector, and with --include-tasks its tasks.")
    static final class Restart implements Callable<Integer> {
        @Mixin RestClient.Options options;
        @Parameters(paramLabel = "NAME", description = "The connector") String name;
        @Option(names = "--include-tasks", description = "Restart the tasks too") boolean includeTasks;
        @Option(names = "--only-failed", description = "Restart only the failed instances") boolean onlyFailed;

        @Override
        public Integer call() {
            String body = options.client().send("POST", path(name) + "/restart?includeTasks=" + includeTasks
                    + "&onlyFailed=" + onlyFailed, null).body();
            if (options.json) {
                printJson(body);
            } else if (body.isBlank()) {
                out().println("Restarted connector " + name);
            } else {
                out().println("Restarting connector " + name);
                printStatus(new JsonObject(body));
            }
            return 0;
        }
    }

    @Command(name = "offsets", mixinStandardHelpOptions = true, description = "Show a connector's committed offsets.")
    static final class Offsets implements Callable<Integer> {
        @Mixin RestClient.Options options;
        @Parameters(paramLabel = "NAME", description = "The connector") String name;

        @Override
        public Integer call() {
            String body = options.client().get(path(name) + "/offsets").body();
            if (options.json) {
                printJson(body);
                return 0;
            }
            Table t = new Table("PARTITION", "OFFSET");
            for (Object o : new JsonObject(body).getJsonArray("offsets", new JsonArray())) {
                JsonObject e = (JsonObject) o;
                t.row(String.valueOf(e.getValue("partition")), String.valueOf(e.getValue("offset")));
            }
            t.print(out());
            return 0;
        }
    }
}
