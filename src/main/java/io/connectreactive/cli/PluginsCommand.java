package io.connectreactive.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

import io.connectreactive.plugin.PluginDesc;
import io.connectreactive.plugin.PluginDiscovery;
import io.connectreactive.plugin.PluginScanner;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code plugins} (or {@code plugins list}): the plugins a running worker offers, over its REST API
 * ({@code GET /connector-plugins?connectorsOnly=false}, {@code --url}, {@code --json}).
 * {@code plugins list --plugin-path DIR[,DIR...]}: what a worker would find in those plugin.path
 * elements, and whether each plugin is listed in a {@code META-INF/services} manifest (as Kafka's
 * {@code connect-plugin-path.sh list} tells), without starting a worker. Runs on the calling thread.
 */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = "List a worker's plugins over REST, or (list --plugin-path) the plugins in plugin.path elements.",
        subcommands = {PluginsCommand.ListCommand.class})
final class PluginsCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    RestClient.Options options;

    @Override
    public Integer call() {
        return listOverRest(options);
    }

    static Integer listOverRest(RestClient.Options options) {
        String body = options.client().get("/connector-plugins?connectorsOnly=false").body();
        JsonArray plugins = new JsonArray(body);
        if (options.json) {
            RestClient.out().println(plugins.encodePrettily());
            return 0;
        }
        Table t = new Table("CLASS", "TYPE", "VERSION");
        plugins.stream().map(o -> (JsonObject) o)
                .sorted(Comparator.comparing((JsonObject o) -> o.getString("type", ""))
                        .thenComparing(o -> o.getString("class", "")))
                .forEach(o -> t.row(o.getString("class"), o.getString("type"), o.getString("version")));
        t.print(RestClient.out());
        return 0;
    }

    /** The listing. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the plugins in plugin.path elements and whether they have service manifests.")
    static final class ListCommand implements Callable<Integer> {

        @Option(names = "--plugin-path", split = ",", paramLabel = "DIR",
                description = "A plugin.path element: a directory of plugins, or a plugin jar (repeatable, or comma-separated); "
                        + "without it, the running worker's plugins (--url)")
        List<String> pluginPath = new ArrayList<>();

        @picocli.CommandLine.Mixin
        RestClient.Options options;

        @Override
        public Integer call() {
            if (pluginPath.isEmpty()) {
                return listOverRest(options);
            }
            // scan and read manifests, as the default hybrid_warn does, to tell which plugins have one
            List<PluginDesc> found = new PluginScanner(ListCommand.class.getClassLoader(), PluginDiscovery.HYBRID_WARN)
                    .scanPluginPath(pluginPath);
            print(found, System.out);
            long unlisted = found.stream().filter(d -> !d.manifested()).count();
            System.out.printf("%d plugins found, %d without a manifest (not found with plugin.discovery=service_load)%n",
                    found.size(), unlisted);
            return 0;
        }

        static void print(List<PluginDesc> found, PrintStream out) {
            String format = "%-60s %-16s %-12s %-8s %s%n";
            out.printf(format, "CLASS", "TYPE", "VERSION", "MANIFEST", "LOCATION");
            found.stream()
                    .sorted(Comparator.comparing(PluginDesc::location).thenComparing(PluginDesc::className)
                            .thenComparing(d -> d.type().restName()))
                    .forEach(d -> out.printf(format, d.className(), d.type().restName(), d.version(),
                            d.manifested() ? "yes" : "no", d.location()));
        }
    }
}
